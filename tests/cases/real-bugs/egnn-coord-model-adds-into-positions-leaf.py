# case: egnn-coord-model-adds-into-positions-leaf
# source: https://github.com/vgsatorras/egnn/issues/3
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# EGNN's E_GCL.coord_model ended with `coord += agg`, writing into the coordinates its forward was given.
# The reporter hit autograd errors "in a different project": completed here as a force-field model whose atom
# positions are a leaf with requires_grad=True (forces = -dE/dpos), passed through EGNN.forward to the first
# layer. Layer code kept from egnn_clean.py, sizes reduced.
import torch
from torch import nn


def unsorted_segment_sum(data, segment_ids, num_segments):
    result_shape = (num_segments, data.size(1))
    result = data.new_full(result_shape, 0)
    segment_ids = segment_ids.unsqueeze(-1).expand(-1, data.size(1))
    result.scatter_add_(0, segment_ids, data)
    return result


class E_GCL(nn.Module):
    def __init__(self, input_nf, output_nf, hidden_nf, act_fn=nn.SiLU()):
        super().__init__()
        self.edge_mlp = nn.Sequential(nn.Linear(input_nf * 2 + 1, hidden_nf), act_fn,
                                      nn.Linear(hidden_nf, hidden_nf), act_fn)
        self.node_mlp = nn.Sequential(nn.Linear(hidden_nf + input_nf, hidden_nf), act_fn,
                                      nn.Linear(hidden_nf, output_nf))
        layer = nn.Linear(hidden_nf, 1, bias=False)
        torch.nn.init.xavier_uniform_(layer.weight, gain=0.001)
        self.coord_mlp = nn.Sequential(nn.Linear(hidden_nf, hidden_nf), act_fn, layer)

    def edge_model(self, source, target, radial):
        return self.edge_mlp(torch.cat([source, target, radial], dim=1))

    def node_model(self, x, edge_index, edge_attr):
        row, col = edge_index
        agg = unsorted_segment_sum(edge_attr, row, num_segments=x.size(0))
        return x + self.node_mlp(torch.cat([x, agg], dim=1))

    def coord_model(self, coord, edge_index, coord_diff, edge_feat):
        row, col = edge_index
        trans = coord_diff * self.coord_mlp(edge_feat)
        agg = unsorted_segment_sum(trans, row, num_segments=coord.size(0))
        coord += agg  # error: IPL001
        return coord

    def coord2radial(self, edge_index, coord):
        row, col = edge_index
        coord_diff = coord[row] - coord[col]
        radial = torch.sum(coord_diff ** 2, 1).unsqueeze(1)
        return radial, coord_diff

    def forward(self, h, edge_index, coord):
        row, col = edge_index
        radial, coord_diff = self.coord2radial(edge_index, coord)
        edge_feat = self.edge_model(h[row], h[col], radial)
        coord = self.coord_model(coord, edge_index, coord_diff, edge_feat)
        h = self.node_model(h, edge_index, edge_feat)
        return h, coord


class EGNN(nn.Module):
    def __init__(self, in_node_nf, hidden_nf, n_layers=2):
        super().__init__()
        self.n_layers = n_layers
        self.embedding_in = nn.Linear(in_node_nf, hidden_nf)
        for i in range(n_layers):
            self.add_module("gcl_%d" % i, E_GCL(hidden_nf, hidden_nf, hidden_nf))
        self.energy_out = nn.Linear(hidden_nf, 1)

    def forward(self, h, x, edges):
        h = self.embedding_in(h)
        for i in range(self.n_layers):
            h, x = self._modules["gcl_%d" % i](h, edges, x)
        return self.energy_out(h).sum()


torch.manual_seed(0)
n = 4
rows, cols = zip(*[(i, j) for i in range(n) for j in range(n) if i != j])
edges = [torch.tensor(rows), torch.tensor(cols)]
atom_types = torch.randn(n, 3)
pos = torch.randn(n, 3, requires_grad=True)
model = EGNN(3, 8)
energy = model(atom_types, pos, edges)
forces = -torch.autograd.grad(energy, pos, create_graph=True)[0]
loss = (energy - 1.0) ** 2 + forces.pow(2).mean()
loss.backward()
