# case: pyg-visnet-distance-no-self-loops
# source: https://github.com/pyg-team/pytorch_geometric/blob/master/torch_geometric/nn/models/visnet.py
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# torch_geometric's ViSNet as in pyg-visnet-distance-self-loops-default, but with the block's Distance built with
# add_self_loops=False (a configuration ViSNetBlock itself never builds): torch.norm then saves edge_vec itself, and
# the block's item assignment into edge_vec breaks the backward of the forces (derivative=True).

import math
from typing import Tuple

import torch
from torch import Tensor
from torch.autograd import grad
from torch.nn import Embedding


def radius_graph(pos, r, batch=None, loop=False, max_num_neighbors=32):
    # torch_geometric.nn.radius_graph (torch_cluster): pairs within r in the same graph, [source, target]
    with torch.no_grad():
        d = torch.cdist(pos, pos)
        adj = (d <= r) & (batch[:, None] == batch[None, :])
        if not loop:
            adj.fill_diagonal_(False)
        row, col = adj.nonzero().t()
    return torch.stack([col, row], dim=0)


class CosineCutoff(torch.nn.Module):
    def __init__(self, cutoff: float) -> None:
        super().__init__()
        self.cutoff = cutoff

    def forward(self, distances: Tensor) -> Tensor:
        cutoffs = 0.5 * ((distances * math.pi / self.cutoff).cos() + 1.0)
        cutoffs = cutoffs * (distances < self.cutoff).float()
        return cutoffs


class ExpNormalSmearing(torch.nn.Module):
    def __init__(self, cutoff: float = 5.0, num_rbf: int = 128) -> None:
        super().__init__()
        self.cutoff_fn = CosineCutoff(cutoff)
        self.alpha = 5.0 / cutoff
        start_value = torch.exp(torch.tensor(-cutoff))
        self.register_buffer('means', torch.linspace(start_value, 1, num_rbf))
        self.register_buffer('betas', torch.tensor([(2 / num_rbf * (1 - start_value))**-2] * num_rbf))

    def forward(self, dist: Tensor) -> Tensor:
        dist = dist.unsqueeze(-1)
        smeared_dist = self.cutoff_fn(dist) * (-self.betas * (
            (self.alpha * (-dist)).exp() - self.means)**2).exp()
        return smeared_dist


class Distance(torch.nn.Module):
    def __init__(
        self,
        cutoff: float,
        max_num_neighbors: int = 32,
        add_self_loops: bool = True,
    ) -> None:
        super().__init__()
        self.cutoff = cutoff
        self.max_num_neighbors = max_num_neighbors
        self.add_self_loops = add_self_loops

    def forward(
        self,
        pos: Tensor,
        batch: Tensor,
    ) -> Tuple[Tensor, Tensor, Tensor]:
        edge_index = radius_graph(
            pos,
            r=self.cutoff,
            batch=batch,
            loop=self.add_self_loops,
            max_num_neighbors=self.max_num_neighbors,
        )
        edge_vec = pos[edge_index[0]] - pos[edge_index[1]]

        if self.add_self_loops:
            mask = edge_index[0] != edge_index[1]
            edge_weight = torch.zeros(edge_vec.size(0), device=edge_vec.device)
            edge_weight[mask] = torch.norm(edge_vec[mask], dim=-1)
        else:
            edge_weight = torch.norm(edge_vec, dim=-1)

        return edge_index, edge_weight, edge_vec


class ViSNetBlock(torch.nn.Module):
    # the representation block, reduced to the geometry it computes (sphere/message passing dropped)
    def __init__(self, hidden_channels=16, num_rbf=8, max_z=10, cutoff=5.0, max_num_neighbors=32):
        super().__init__()
        self.embedding = Embedding(max_z, hidden_channels)
        self.distance = Distance(cutoff, max_num_neighbors=max_num_neighbors, add_self_loops=False)
        self.distance_expansion = ExpNormalSmearing(cutoff, num_rbf)
        self.out = torch.nn.Linear(hidden_channels + num_rbf + 3, 1)

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor):
        x = self.embedding(z)
        edge_index, edge_weight, edge_vec = self.distance(pos, batch)
        edge_attr = self.distance_expansion(edge_weight)
        mask = edge_index[0] != edge_index[1]
        edge_vec[mask] = edge_vec[mask] / torch.norm(edge_vec[mask],  # error: IPL003
                                                     dim=1).unsqueeze(1)
        e = self.out(torch.cat([x[edge_index[0]], edge_attr, edge_vec], dim=1))
        return x, e


class ViSNet(torch.nn.Module):
    def __init__(self, derivative: bool = False) -> None:
        super().__init__()
        self.representation_model = ViSNetBlock()
        self.derivative = derivative

    def forward(self, z: Tensor, pos: Tensor, batch: Tensor):
        if self.derivative:
            pos.requires_grad_(True)
        x, e = self.representation_model(z, pos, batch)
        y = e.sum()
        if self.derivative:
            dy = grad([y], [pos], grad_outputs=[torch.ones_like(y)], create_graph=True, retain_graph=True)[0]
            return y, -dy
        return y, None


torch.manual_seed(0)
model = ViSNet(derivative=True)
z = torch.randint(0, 10, (6,))
pos = torch.randn(6, 3)
batch = torch.tensor([0, 0, 0, 1, 1, 1])
y, neg_dy = model(z, pos, batch)
(y + neg_dy.pow(2).sum()).backward()
