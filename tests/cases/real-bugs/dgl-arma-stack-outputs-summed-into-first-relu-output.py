# case: dgl-arma-stack-outputs-summed-into-first-relu-output
# source: https://github.com/dmlc/dgl/issues/4202
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# DGL, examples/pytorch/arma/model.py before PR #4218 (which fixed the
# issue). ARMAConv.forward runs K parallel stacks and averages them: the
# first stack's result is bound as `output = feats`, where feats is the
# output of self.activation -- the nn.ReLU() that citation.py passes to the
# model's constructor, which saves its output for backward -- and every
# later stack is accumulated with `output += feats`, rewriting that saved
# ReLU output (the "[2708, 7] ... output 0 of ReluBackward0", the
# second layer's output on Cora). The `feats += ...` lines inside a stack
# write Linear outputs and are harmless. Kept: glorot/zeros, ARMAConv,
# ARMA4NC, citation.py's model construction (activation=nn.ReLU(), default
# num_stacks=2, num_layers=1, dropout 0.75) and one training step.
# Completed (dgl is not installed): a minimal graph stand-in with
# local_scope, in_degrees, ndata and update_all(copy_u, sum); a random
# 12-node graph replaces Cora.
import math
from contextlib import contextmanager
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- minimal stand-ins for dgl.function and a DGLGraph
fn = SimpleNamespace(copy_u=lambda u, out: (u, out), sum=lambda msg, out: (msg, out))


class Graph:
    def __init__(self, src, dst, num_nodes):
        self.src, self.dst, self.num_nodes = src, dst, num_nodes
        self.ndata = {}

    def in_degrees(self):
        return torch.zeros(self.num_nodes, dtype=torch.long).index_add(
            0, self.dst, torch.ones_like(self.dst))

    @contextmanager
    def local_scope(self):
        saved = dict(self.ndata)
        try:
            yield
        finally:
            self.ndata = saved

    def update_all(self, message_func, reduce_func):
        (u, _), (_, out) = message_func, reduce_func
        h = self.ndata[u]
        msg = h.index_select(0, self.src)
        self.ndata[out] = torch.zeros(self.num_nodes, h.size(1)).index_add(0, self.dst, msg)


# ---- examples/pytorch/arma/model.py
def glorot(tensor):
    if tensor is not None:
        stdv = math.sqrt(6.0 / (tensor.size(-2) + tensor.size(-1)))
        tensor.data.uniform_(-stdv, stdv)


def zeros(tensor):
    if tensor is not None:
        tensor.data.fill_(0)


class ARMAConv(nn.Module):
    def __init__(self,
                 in_dim,
                 out_dim,
                 num_stacks,
                 num_layers,
                 activation=None,
                 dropout=0.0,
                 bias=True):
        super(ARMAConv, self).__init__()

        self.in_dim = in_dim
        self.out_dim = out_dim
        self.K = num_stacks
        self.T = num_layers
        self.activation = activation
        self.dropout = nn.Dropout(p=dropout)

        # init weight
        self.w_0 = nn.ModuleDict({
            str(k): nn.Linear(in_dim, out_dim, bias=False) for k in range(self.K)
        })
        # deeper weight
        self.w = nn.ModuleDict({
            str(k): nn.Linear(out_dim, out_dim, bias=False) for k in range(self.K)
        })
        # v
        self.v = nn.ModuleDict({
            str(k): nn.Linear(in_dim, out_dim, bias=False) for k in range(self.K)
        })
        # bias
        if bias:
            self.bias = nn.Parameter(torch.Tensor(self.K, self.T, 1, self.out_dim))
        else:
            self.register_parameter('bias', None)

        self.reset_parameters()

    def reset_parameters(self):
        for k in range(self.K):
            glorot(self.w_0[str(k)].weight)
            glorot(self.w[str(k)].weight)
            glorot(self.v[str(k)].weight)
        zeros(self.bias)

    def forward(self, g, feats):
        with g.local_scope():
            init_feats = feats
            # assume that the graphs are undirected and graph.in_degrees() is the same as graph.out_degrees()
            degs = g.in_degrees().float().clamp(min=1)
            norm = torch.pow(degs, -0.5).to(feats.device).unsqueeze(1)
            output = None

            for k in range(self.K):
                feats = init_feats
                for t in range(self.T):
                    feats = feats * norm
                    g.ndata['h'] = feats
                    g.update_all(fn.copy_u('h', 'm'), fn.sum('m', 'h'))
                    feats = g.ndata.pop('h')
                    feats = feats * norm

                    if t == 0:
                        feats = self.w_0[str(k)](feats)
                    else:
                        feats = self.w[str(k)](feats)

                    feats += self.dropout(self.v[str(k)](init_feats))
                    feats += self.v[str(k)](self.dropout(init_feats))

                    if self.bias is not None:
                        feats += self.bias[k][t]

                    if self.activation is not None:
                        feats = self.activation(feats)

                if output is None:
                    output = feats
                else:
                    output += feats  # error: IPL003

            return output / self.K


class ARMA4NC(nn.Module):
    def __init__(self,
                 in_dim,
                 hid_dim,
                 out_dim,
                 num_stacks,
                 num_layers,
                 activation=None,
                 dropout=0.0):
        super(ARMA4NC, self).__init__()

        self.conv1 = ARMAConv(in_dim=in_dim,
                              out_dim=hid_dim,
                              num_stacks=num_stacks,
                              num_layers=num_layers,
                              activation=activation,
                              dropout=dropout)

        self.conv2 = ARMAConv(in_dim=hid_dim,
                              out_dim=out_dim,
                              num_stacks=num_stacks,
                              num_layers=num_layers,
                              activation=activation,
                              dropout=dropout)

        self.dropout = nn.Dropout(p=dropout)

    def forward(self, g, feats):
        feats = F.relu(self.conv1(g, feats))
        feats = self.dropout(feats)
        feats = self.conv2(g, feats)
        return feats


# ---- examples/pytorch/arma/citation.py, one training step
torch.manual_seed(0)
num_nodes, n_features, n_classes = 12, 6, 3
src = torch.randint(0, num_nodes, (30,))
dst = torch.randint(0, num_nodes, (30,))
graph = Graph(torch.cat([src, dst]), torch.cat([dst, src]), num_nodes)  # undirected
feats = torch.randn(num_nodes, n_features)
labels = torch.randint(0, n_classes, (num_nodes,))
train_idx = torch.arange(0, 8)

model = ARMA4NC(
    in_dim=n_features,
    hid_dim=16,
    out_dim=n_classes,
    num_stacks=2,
    num_layers=1,
    activation=nn.ReLU(),
    dropout=0.75,
)
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)

model.train()
logits = model(graph, feats)
train_loss = loss_fn(logits[train_idx], labels[train_idx])
opt.zero_grad()
train_loss.backward()
opt.step()
