# case: pyg-temporal-stconv-graph-conv-written-into-fresh-tensor
# source: https://github.com/benedekrozemberczki/pytorch_geometric_temporal/issues/57
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.recurrent1._graph_conv.parameters())

# PyTorch Geometric Temporal, torch_geometric_temporal/nn/convolutional/stgcn.py
# in its fixed form (the file as stored after the issue): STConv.forward
# keeps the first TemporalConv's output as T_0, allocates
# `T = torch.zeros_like(T_0)` and writes each snapshot's ChebConv result
# into T while reading from T_0, so the views the ChebConvs saved are never
# overwritten (T itself saves nothing before the loop ends). Kept:
# TemporalConv, STConv, the user's two stacked STConv blocks. Completed:
# ChebConv is a dense stand-in of PyG's (K Linear layers on the Chebyshev
# basis of the scaled sym-normalised Laplacian, lambda_max = 2); the user's
# model around the blocks (a linear head, MSE on random data); tiny sizes.
import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- dense stand-in for torch_geometric.nn.ChebConv
class ChebConv(nn.Module):
    def __init__(self, in_channels, out_channels, K, normalization='sym', bias=True):
        super().__init__()
        self.K = K
        self.normalization = normalization
        self.lins = nn.ModuleList([nn.Linear(in_channels, out_channels, bias=False) for _ in range(K)])
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def __norm__(self, edge_index, num_nodes, edge_weight):
        if edge_weight is None:
            edge_weight = torch.ones(edge_index.size(1))
        adj = torch.zeros(num_nodes, num_nodes).index_put((edge_index[0], edge_index[1]), edge_weight, accumulate=True)
        deg = adj.sum(1).clamp(min=1e-12)
        deg_inv_sqrt = deg.pow(-0.5)
        # L_hat = 2 L / lambda_max - I = -D^-1/2 A D^-1/2 for lambda_max = 2
        return -deg_inv_sqrt.unsqueeze(1) * adj * deg_inv_sqrt.unsqueeze(0)

    def forward(self, x, edge_index, edge_weight=None):
        lap = self.__norm__(edge_index, x.size(0), edge_weight)
        Tx_0 = x
        out = self.lins[0](Tx_0)
        if self.K > 1:
            Tx_1 = lap @ x
            out = out + self.lins[1](Tx_1)
        for lin in self.lins[2:]:
            Tx_2 = 2. * (lap @ Tx_1) - Tx_0
            out = out + lin(Tx_2)
            Tx_0, Tx_1 = Tx_1, Tx_2
        if self.bias is not None:
            out = out + self.bias
        return out


# ---- torch_geometric_temporal/nn/convolutional/stgcn.py
class TemporalConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3):
        super(TemporalConv, self).__init__()
        self.conv_1 = nn.Conv2d(in_channels, out_channels, (1, kernel_size))
        self.conv_2 = nn.Conv2d(in_channels, out_channels, (1, kernel_size))
        self.conv_3 = nn.Conv2d(in_channels, out_channels, (1, kernel_size))

    def forward(self, X: torch.FloatTensor) -> torch.FloatTensor:
        X = X.permute(0, 3, 2, 1)
        P = self.conv_1(X)
        Q = torch.sigmoid(self.conv_2(X))
        PQ = P + Q
        H = F.relu(PQ + self.conv_3(X))
        H = H.permute(0, 3, 2, 1)
        return H


class STConv(nn.Module):
    def __init__(self, num_nodes: int, in_channels: int, hidden_channels: int,
                 out_channels: int, kernel_size: int, K: int,
                 normalization: str = "sym", bias: bool = True):
        super(STConv, self).__init__()
        self.num_nodes = num_nodes
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.K = K
        self.normalization = normalization
        self.bias = bias

        self._temporal_conv1 = TemporalConv(in_channels=in_channels,
                                            out_channels=hidden_channels,
                                            kernel_size=kernel_size)

        self._graph_conv = ChebConv(in_channels=hidden_channels,
                                    out_channels=hidden_channels,
                                    K=K,
                                    normalization=normalization,
                                    bias=bias)

        self._temporal_conv2 = TemporalConv(in_channels=hidden_channels,
                                            out_channels=out_channels,
                                            kernel_size=kernel_size)

        self._batch_norm = nn.BatchNorm2d(num_nodes)

    def forward(self, X: torch.FloatTensor, edge_index: torch.LongTensor,
                edge_weight: torch.FloatTensor = None) -> torch.FloatTensor:
        T_0 = self._temporal_conv1(X)
        T = torch.zeros_like(T_0).to(T_0.device)
        for b in range(T_0.size(0)):
            for t in range(T_0.size(1)):
                T[b][t] = self._graph_conv(T_0[b][t], edge_index, edge_weight)

        T = F.relu(T)
        T = self._temporal_conv2(T)
        T = T.permute(0, 2, 1, 3)
        T = self._batch_norm(T)
        T = T.permute(0, 2, 1, 3)
        return T


# ---- the reporter's model (models/STGCN.py: h1 = recurrent1(...); h2 = recurrent2(h1, ...))
class STGCN(nn.Module):
    def __init__(self, num_nodes, in_channels, hidden_channels, out_channels):
        super().__init__()
        self.recurrent1 = STConv(num_nodes, in_channels, hidden_channels, hidden_channels, kernel_size=3, K=2)
        self.recurrent2 = STConv(num_nodes, hidden_channels, hidden_channels, hidden_channels, kernel_size=3, K=2)
        self.linear = nn.Linear(hidden_channels, out_channels)

    def forward(self, x, edge_indices, edge_weights):
        h1 = self.recurrent1(x, edge_indices, edge_weights)
        h2 = self.recurrent2(h1, edge_indices, edge_weights)
        return self.linear(F.relu(h2))


torch.manual_seed(0)
num_nodes = 5
edge_index = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4, 4, 0],
                           [1, 0, 2, 1, 3, 2, 4, 3, 0, 4]])
edge_weight = torch.rand(edge_index.size(1)) + 0.5
x = torch.randn(2, 12, num_nodes, 2)   # (batch, time steps, nodes, features)
y = torch.randn(2, 4, num_nodes, 1)

model = STGCN(num_nodes, in_channels=2, hidden_channels=4, out_channels=1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

optimizer.zero_grad()
y_hat = model(x, edge_index, edge_weight)
loss = F.mse_loss(y_hat, y)
loss.backward()
optimizer.step()
