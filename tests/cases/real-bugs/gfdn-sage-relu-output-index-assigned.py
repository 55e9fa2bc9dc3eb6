# case: gfdn-sage-relu-output-index-assigned
# source: https://github.com/yujianke100/GFDN/issues/4
# expect: markers
# torch: raises "modified by an inplace operation"

# GFDN main.py, GNN.forward: `x = self.gnn_in(x, edge_index)` returns the output of
# SAGE_NET.forward (GNN.py), which ends with `x = F.relu(x)`; the loop over the
# nn.ModuleList hidden_gnn then writes the autoencoder features into the user rows in place,
# `x[edge_u_id] = x[edge_u_id] + h[i]`, overwriting the ReLU output that ReluBackward saved.
# Reduced: a mean-aggregation SAGEConv stand-in for torch_geometric's, tiny bipartite graph,
# AE/GNN names and the GNN_NET selection kept; the two later identical writes (after gnn_nz)
# and the TL/TEL/CORE heads are dropped. Marker on the in-loop write (IPL003).
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn import Linear
from torch.nn.parameter import Parameter


class SAGEConv(nn.Module):
    """Stand-in for torch_geometric.nn.SAGEConv (mean aggregation), not the code under test."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin_l = Linear(in_channels, out_channels)
        self.lin_r = Linear(in_channels, out_channels, bias=False)

    def forward(self, x, edge_index):
        src, dst = edge_index
        agg = torch.zeros(x.size(0), x.size(1)).index_add(0, dst, x[src])
        deg = torch.zeros(x.size(0)).index_add(0, dst, torch.ones(dst.numel())).clamp(min=1)
        return self.lin_l(agg / deg.unsqueeze(-1)) + self.lin_r(x)


class SAGE_NET(torch.nn.Module):

    def __init__(self, in_feature, out_feature):
        super(SAGE_NET, self).__init__()
        self.gcn = SAGEConv(in_feature, out_feature)

    def forward(self, x, edge_index, active=True):
        x = self.gcn(x, edge_index)
        if active:
            x = F.relu(x)
        return x


class AE(nn.Module):

    def __init__(self, n_enc, hidden, n_input, n_z):
        super(AE, self).__init__()
        self.enc_in = Linear(n_input, n_enc)
        self.hidden_enc = nn.ModuleList([Linear(n_enc, n_enc) for i in range(hidden)])
        self.z_layer = Linear(n_enc, n_z)
        self.dec_in = Linear(n_z, n_enc)
        self.x_bar_layer = Linear(n_enc, n_input)

    def forward(self, x):
        enc_result = []
        enc_result.append(F.relu(self.enc_in(x)))
        for layer in self.hidden_enc:
            enc_result.append(F.relu(layer(enc_result[-1])))
        z = self.z_layer(enc_result[-1])
        dec = F.relu(self.dec_in(z))
        x_bar = self.x_bar_layer(dec)
        return x_bar, enc_result, z


class GNN(nn.Module):
    def __init__(self, n_input, n_clusters, n_enc, hidden, n_z, gnn='sage'):
        super(GNN, self).__init__()
        if gnn == 'sage':
            GNN_NET = SAGE_NET
        self.ae = AE(n_enc, hidden, n_input, n_z)
        self.gnn_in = GNN_NET(n_input, n_enc)
        self.hidden_gnn = nn.ModuleList([GNN_NET(n_enc, n_enc) for i in range(hidden)])
        self.gnn_cluster = GNN_NET(n_enc, n_clusters)

    def forward(self, x, edge_u_x, edge_u_id, edge_index):
        x_bar, h, z = self.ae(edge_u_x)
        x = self.gnn_in(x, edge_index)
        for i, layer in enumerate(self.hidden_gnn):
            x[edge_u_id] = x[edge_u_id] + h[i]  # error: IPL003
            x = layer(x, edge_index)
        x = self.gnn_cluster(x, edge_index, active=False)
        x = torch.sigmoid(x[edge_u_id])
        return x, x_bar


torch.manual_seed(0)
n_nodes, n_input, n_enc, n_clusters = 7, 5, 8, 4
model = GNN(n_input=n_input, n_clusters=n_clusters, n_enc=n_enc, hidden=1, n_z=3)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

edge_index = torch.tensor([[0, 1, 2, 0, 1, 3], [4, 4, 5, 5, 6, 6]])
u_id_mask = torch.tensor([True, True, True, True, False, False, False])
edge_u_id = torch.tensor([0, 1, 2])
u_x = torch.rand(4, n_input)
i_x = torch.rand(3, n_input)

optimizer.zero_grad()
x = torch.zeros([n_nodes, n_input])
x[u_id_mask] = u_x
x[~u_id_mask] = i_x
edge_u_x = x[edge_u_id]
pred, x_bar = model(x, edge_u_x, edge_u_id, edge_index)
loss = F.binary_cross_entropy(pred[:, 0], torch.tensor([1., 0., 1.])) + F.mse_loss(x_bar, edge_u_x)
loss.backward()
optimizer.step()
