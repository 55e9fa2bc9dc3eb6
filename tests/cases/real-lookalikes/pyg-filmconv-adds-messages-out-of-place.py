# case: pyg-filmconv-adds-messages-out-of-place
# source: https://github.com/pyg-team/pytorch_geometric/issues/3621
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.convs[0].film_skip.parameters())

# PyTorch Geometric, torch_geometric/nn/conv/film_conv.py with the fix the
# issue asked for: the propagated messages are added out of place,
# `out = out + self.propagate(...)`, so the output that self.act (a
# non-inplace ReLU() by default) saved for backward is never rewritten.
# Kept: FiLMConv (its SparseTensor sub-branch dropped), message(), reset(),
# and the Net of examples/film.py (FiLMConv layers, BatchNorm1d, dropout,
# the last layer with act=None) trained with BCEWithLogitsLoss. Completed:
# MessagePassing is a minimal stand-in (gather x_j / beta_i / gamma_i along
# edge_index, mean aggregation); a random graph replaces PPI; hidden width
# 8 instead of 320.
import copy
from typing import Callable, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import BatchNorm1d, Linear, ModuleList, ReLU


# ---- minimal stand-ins for torch_geometric.nn.conv.MessagePassing / inits.reset
class MessagePassing(torch.nn.Module):
    def __init__(self, aggr='mean', **kwargs):
        super().__init__()
        self.aggr = aggr

    def propagate(self, edge_index, size=None, **kwargs):
        j, i = edge_index[0], edge_index[1]
        msg_kwargs = {}
        for name, value in kwargs.items():
            msg_kwargs[name + '_j' if name == 'x' else name + '_i'] = (
                value.index_select(0, j) if name == 'x' else value.index_select(0, i))
        out = self.message(**msg_kwargs)
        num_nodes = kwargs['beta'].size(0)
        summed = torch.zeros(num_nodes, out.size(-1)).index_add(0, i, out)
        count = torch.zeros(num_nodes).index_add(0, i, torch.ones(i.numel())).clamp(min=1)
        return summed / count.unsqueeze(-1)


def reset(nn):
    def _reset(item):
        if hasattr(item, 'reset_parameters'):
            item.reset_parameters()
    if nn is not None:
        if hasattr(nn, 'children') and len(list(nn.children())) > 0:
            for item in nn.children():
                _reset(item)
        else:
            _reset(nn)


# ---- torch_geometric/nn/conv/film_conv.py
class FiLMConv(MessagePassing):
    def __init__(
            self,
            in_channels: Union[int, Tuple[int, int]],
            out_channels: int,
            num_relations: int = 1,
            nn: Optional[Callable] = None,
            act: Optional[Callable] = ReLU(),
            aggr: str = 'mean',
            **kwargs,
    ):
        super(FiLMConv, self).__init__(aggr=aggr, **kwargs)

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_relations = max(num_relations, 1)
        self.act = act

        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)

        self.lins = ModuleList()
        self.films = ModuleList()
        for _ in range(num_relations):
            self.lins.append(Linear(in_channels[0], out_channels, bias=False))
            if nn is None:
                film = Linear(in_channels[1], 2 * out_channels)
            else:
                film = copy.deepcopy(nn)
            self.films.append(film)

        self.lin_skip = Linear(in_channels[1], self.out_channels, bias=False)
        if nn is None:
            self.film_skip = Linear(in_channels[1], 2 * self.out_channels,
                                    bias=False)
        else:
            self.film_skip = copy.deepcopy(nn)

        self.reset_parameters()

    def reset_parameters(self):
        for lin, film in zip(self.lins, self.films):
            lin.reset_parameters()
            reset(film)
        self.lin_skip.reset_parameters()
        reset(self.film_skip)

    def forward(self, x, edge_index, edge_type=None) -> Tensor:
        """"""
        if isinstance(x, Tensor):
            x = (x, x)

        beta, gamma = self.film_skip(x[1]).split(self.out_channels, dim=-1)
        out = gamma * self.lin_skip(x[1]) + beta
        if self.act is not None:
            out = self.act(out)

        # propagate_type: (x: Tensor, beta: Tensor, gamma: Tensor)
        if self.num_relations <= 1:
            beta, gamma = self.films[0](x[1]).split(self.out_channels, dim=-1)
            out = out + self.propagate(edge_index, x=self.lins[0](x[0]), beta=beta,
                                        gamma=gamma, size=None)
        else:
            for i, (lin, film) in enumerate(zip(self.lins, self.films)):
                beta, gamma = film(x[1]).split(self.out_channels, dim=-1)
                assert edge_type is not None
                mask = edge_type == i
                out = out + self.propagate(edge_index[:, mask], x=lin(x[0]),
                                            beta=beta, gamma=gamma, size=None)

        return out

    def message(self, x_j: Tensor, beta_i: Tensor, gamma_i: Tensor) -> Tensor:
        out = gamma_i * x_j + beta_i
        if self.act is not None:
            out = self.act(out)
        return out


# ---- examples/film.py
class Net(torch.nn.Module):
    def __init__(self, in_channels, hidden_channels, out_channels, num_layers,
                 dropout=0.0):
        super().__init__()
        self.dropout = dropout

        self.convs = torch.nn.ModuleList()
        self.convs.append(FiLMConv(in_channels, hidden_channels))
        for _ in range(num_layers - 2):
            self.convs.append(FiLMConv(hidden_channels, hidden_channels))
        self.convs.append(FiLMConv(hidden_channels, out_channels, act=None))

        self.norms = torch.nn.ModuleList()
        for _ in range(num_layers - 1):
            self.norms.append(BatchNorm1d(hidden_channels))

    def forward(self, x, edge_index):
        for conv, norm in zip(self.convs[:-1], self.norms):
            x = norm(conv(x, edge_index))
            x = F.dropout(x, p=self.dropout, training=self.training)
        x = self.convs[-1](x, edge_index)
        return x


torch.manual_seed(0)
num_nodes, num_features, num_classes = 10, 5, 3
x = torch.randn(num_nodes, num_features)
edge_index = torch.randint(0, num_nodes, (2, 30))
y = (torch.rand(num_nodes, num_classes) > 0.5).float()

model = Net(num_features, 8, num_classes, num_layers=4, dropout=0.1)
criterion = torch.nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.005)

model.train()
optimizer.zero_grad()
loss = criterion(model(x, edge_index), y)
loss.backward()
optimizer.step()
