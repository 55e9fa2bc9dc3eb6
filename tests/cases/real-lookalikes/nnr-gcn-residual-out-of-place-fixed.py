# case: nnr-gcn-residual-out-of-place-fixed
# source: https://github.com/Veason-silverbullet/NNR/issues/3
# expect: clean
# torch: clean
# check: feature.grad is not None and bool(torch.isfinite(feature.grad).all()) and all(p.grad is not None for p in gcn.parameters())

# The maintainers' fix from the thread (NNR layers.py GCNLayer): `out = out + feature`, so the
# ReLU output saved for backward is left alone. The rest is unchanged, including the
# nn.Dropout(inplace=True) that GCN applies to each hidden layer's output (safe: it writes the
# result of the add, which nothing saved). Same reduced 2-layer GCN as the bug file.
import torch
import torch.nn as nn
import torch.nn.functional as F


class GCNLayer(nn.Module):
    def __init__(self, in_dim, out_dim, residual=False, layer_norm=False):
        super(GCNLayer, self).__init__()
        self.residual = residual
        self.layer_norm = layer_norm
        if self.residual and in_dim != out_dim:
            raise Exception('To facilitate residual connection, in_dim must equal to out_dim')
        self.W = nn.Linear(in_dim, out_dim, bias=True)
        if self.layer_norm:
            self.layer_normalization = nn.LayerNorm(normalized_shape=[out_dim])

    def initialize(self):
        nn.init.xavier_uniform_(self.W.weight, gain=nn.init.calculate_gain('relu'))
        nn.init.zeros_(self.W.bias)

    # feature : [batch_size, node_num, feature_dim]
    # graph   : [batch_size, node_num, node_num]
    def forward(self, feature, graph):
        out = self.W(torch.bmm(graph, feature)) # [batch_size, node_num, feature_num]
        if self.layer_norm:
            out = self.layer_normalization(out) # [batch_size, node_num, feature_num]
        out = F.relu(out)                       # [batch_size, node_num, feature_num]
        if self.residual:
            out = out + feature                 # [batch_size, node_num, feature_num]
        return out


class GCN(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_dim=0, num_layers=1, dropout=0.1, residual=False, layer_norm=False):
        super(GCN, self).__init__()
        self.num_layers = num_layers
        self.gcn_layers = []
        if self.num_layers == 1:
            self.gcn_layers.append(GCNLayer(in_dim, out_dim, residual=residual, layer_norm=layer_norm))
        else:
            self.dropout = nn.Dropout(dropout, inplace=True)
            self.gcn_layers.append(GCNLayer(in_dim, hidden_dim, residual=residual, layer_norm=layer_norm))
            for i in range(1, self.num_layers - 1):
                self.gcn_layers.append(GCNLayer(hidden_dim, hidden_dim, residual=residual, layer_norm=layer_norm))
            self.gcn_layers.append(GCNLayer(hidden_dim, out_dim, residual=residual, layer_norm=layer_norm))
        self.gcn_layers = nn.ModuleList(self.gcn_layers)

    def initialize(self):
        for gcn_layer in self.gcn_layers:
            gcn_layer.initialize()

    def forward(self, feature, graph):
        out = feature
        for i in range(self.num_layers - 1):
            out = self.dropout(self.gcn_layers[i](out, graph))
        out = self.gcn_layers[self.num_layers - 1](out, graph)
        return out


torch.manual_seed(0)
batch_size, node_num, dim = 2, 5, 8
gcn = GCN(in_dim=dim, out_dim=dim, hidden_dim=dim, num_layers=2, residual=True)
gcn.initialize()
gcn.train()
feature = torch.randn(batch_size, node_num, dim, requires_grad=True)
graph = torch.softmax(torch.randn(batch_size, node_num, node_num), dim=-1)
out = gcn(feature, graph)
loss = out.pow(2).mean()
loss.backward()
