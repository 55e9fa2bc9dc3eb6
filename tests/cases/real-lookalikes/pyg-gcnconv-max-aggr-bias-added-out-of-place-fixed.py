# case: pyg-gcnconv-max-aggr-bias-added-out-of-place-fixed
# source: https://github.com/pyg-team/pytorch_geometric/issues/8953
# expect: clean
# torch: clean
# check: conv.bias.grad is not None and conv.lin.weight.grad is not None and conv.lin.weight.grad.abs().sum().item() > 0

# Look-alike of pyg-gcnconv-max-aggr-bias-added-in-place with the documentation fix from
# the issue: `out = out + self.bias`. The max-aggregated tensor saved by scatter_reduce
# is left intact. (`self.bias.data.zero_()` in reset_parameters is the usual init idiom.)
import torch
from torch.nn import Linear, Parameter


def add_self_loops(edge_index, num_nodes):
    loop = torch.arange(num_nodes).unsqueeze(0).repeat(2, 1)
    return torch.cat([edge_index, loop], dim=1), None


def degree(index, num_nodes, dtype):
    return torch.zeros(num_nodes, dtype=dtype).scatter_add_(0, index, torch.ones(index.numel(), dtype=dtype))


class MessagePassing(torch.nn.Module):
    def __init__(self, aggr='add'):
        super().__init__()
        self.aggr = aggr

    def propagate(self, edge_index, x, norm):
        row, col = edge_index
        msg = self.message(x[row], norm)
        index = col.unsqueeze(-1).expand_as(msg)
        if self.aggr == 'add':
            return msg.new_zeros(x.size(0), msg.size(1)).scatter_add_(0, index, msg)
        return msg.new_zeros(x.size(0), msg.size(1)).scatter_reduce_(0, index, msg, reduce='amax', include_self=False)


class GCNConv(MessagePassing):
    def __init__(self, in_channels, out_channels, aggr='add'):
        super().__init__(aggr=aggr)
        self.lin = Linear(in_channels, out_channels, bias=False)
        self.bias = Parameter(torch.empty(out_channels))
        self.reset_parameters()

    def reset_parameters(self):
        self.lin.reset_parameters()
        self.bias.data.zero_()

    def forward(self, x, edge_index):
        # Step 1: Add self-loops to the adjacency matrix.
        edge_index, _ = add_self_loops(edge_index, num_nodes=x.size(0))
        # Step 2: Linearly transform node feature matrix.
        x = self.lin(x)
        # Step 3: Compute normalization.
        row, col = edge_index
        deg = degree(col, x.size(0), dtype=x.dtype)
        deg_inv_sqrt = deg.pow(-0.5)
        deg_inv_sqrt[deg_inv_sqrt == float('inf')] = 0
        norm = deg_inv_sqrt[row] * deg_inv_sqrt[col]
        # Step 4-5: Start propagating messages.
        out = self.propagate(edge_index, x=x, norm=norm)
        # Step 6: Apply a final bias vector.
        out = out + self.bias
        return out

    def message(self, x_j, norm):
        return norm.view(-1, 1) * x_j


torch.manual_seed(0)
conv = GCNConv(4, 8, aggr='max')
x = torch.randn(5, 4)
edge_index = torch.tensor([[0, 1, 1, 2, 3, 4], [1, 0, 2, 1, 4, 3]])
out = conv(x, edge_index)
out.relu().sum().backward()
