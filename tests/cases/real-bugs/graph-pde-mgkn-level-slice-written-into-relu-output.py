# case: graph-pde-mgkn-level-slice-written-into-relu-output
# source: https://github.com/neuraloperator/graph-pde/issues/6
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Multipole graph neural operator (neuraloperator/graph-pde,
# multipole-graph-neural-operator/MGKN_general_darcy2d.py), Darcy flow.
# `l2.backward()` fails with "[525, 64], which is output 0 of
# ReluBackward0, is at version 1" (400 + 100 + 25 nodes, width 64); the
# reporter tried adding .clone() in the forward without success. In
# MKGN.forward the V-cycle's downward pass ends with `x = F.relu(x)` (relu
# saves its output), then the upward pass writes each level's kernel
# integral back into a row slice of that same tensor:
# `x[self.points[l]:self.points[l+1]] = self.conv_list[l](x[...].clone(), ...)`.
# The .clone() only protects the conv's input, not the relu output written
# into. Kept: MKGN (fc_in, conv_down_list / conv_list / conv_up_list of
# NNConv with DenseNet kernels in nn.ModuleLists, the down / up loops as
# written, fc_out1/fc_out2 on the finest level), DenseNet, the relative-L2
# LpLoss. Completed: a plain-torch NNConv (edge-conditioned weights, mean
# aggregation) in place of torch_geometric's, a random three-level graph
# (12 + 6 + 3 nodes) with per-level edge ranges, random Darcy-like
# features; tiny widths; no data files, no normalizers.
import torch
import torch.nn as nn
import torch.nn.functional as F


class DenseNet(torch.nn.Module):
    def __init__(self, layers, nonlinearity, out_nonlinearity=None, normalize=False):
        super(DenseNet, self).__init__()
        self.n_layers = len(layers) - 1
        assert self.n_layers >= 1
        self.layers = nn.ModuleList()
        for j in range(self.n_layers):
            self.layers.append(nn.Linear(layers[j], layers[j+1]))
            if j != self.n_layers - 1:
                if normalize:
                    self.layers.append(nn.BatchNorm1d(layers[j+1]))
                self.layers.append(nonlinearity())
        if out_nonlinearity is not None:
            self.layers.append(out_nonlinearity())

    def forward(self, x):
        for _, l in enumerate(self.layers):
            x = l(x)
        return x


class NNConv(nn.Module):
    """Edge-conditioned convolution (stand-in for torch_geometric.nn.NNConv)."""
    def __init__(self, in_channels, out_channels, nn, aggr='mean', root_weight=True, bias=True):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.nn = nn
        self.aggr = aggr
        self.root = torch.nn.Linear(in_channels, out_channels, bias=False) if root_weight else None
        self.bias = torch.nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x, edge_index, edge_attr):
        src, dst = edge_index[0], edge_index[1]
        weight = self.nn(edge_attr).view(-1, self.in_channels, self.out_channels)
        msg = torch.bmm(x[src].unsqueeze(1), weight).squeeze(1)
        out = torch.zeros(x.size(0), self.out_channels).index_add(0, dst, msg)
        count = torch.zeros(x.size(0)).index_add(0, dst, torch.ones(dst.size(0))).clamp(min=1)
        out = out / count.unsqueeze(1)
        if self.root is not None:
            out = out + self.root(x)
        if self.bias is not None:
            out = out + self.bias
        return out


class MKGN(torch.nn.Module):
    def __init__(self, width, ker_width, depth, ker_in, points, level, in_width=1, out_width=1):
        super(MKGN, self).__init__()
        self.depth = depth
        self.width = width
        self.level = level

        index = 0
        self.points = [0]
        for point in points:
            index = index + point
            self.points.append(index)

        self.points_total = sum(points)

        # in (P)
        self.fc_in = torch.nn.Linear(in_width, width)

        # K12 K23 K34 ...
        self.conv_down_list = []
        for l in range(1, level):
            ker_width_l = ker_width // (2 ** l)
            kernel_l = DenseNet([ker_in, ker_width_l, width ** 2], torch.nn.ReLU)
            self.conv_down_list.append(NNConv(width, width, kernel_l, aggr='mean', root_weight=False, bias=False))
        self.conv_down_list = torch.nn.ModuleList(self.conv_down_list)

        # K11 K22 K33
        self.conv_list = []
        for l in range(level):
            ker_width_l = ker_width // (2 ** l)
            kernel_l = DenseNet([ker_in, ker_width_l, ker_width_l, width ** 2], torch.nn.ReLU)
            self.conv_list.append(NNConv(width, width, kernel_l, aggr='mean', root_weight=True, bias=False))
        self.conv_list = torch.nn.ModuleList(self.conv_list)

        # K21 K32 K43
        self.conv_up_list = []
        for l in range(1, level):
            ker_width_l = ker_width // (2 ** l)
            kernel_l = DenseNet([ker_in, ker_width_l, width ** 2], torch.nn.ReLU)
            self.conv_up_list.append(NNConv(width, width, kernel_l, aggr='mean', root_weight=False, bias=False))
        self.conv_up_list = torch.nn.ModuleList(self.conv_up_list)

        # out (Q)
        self.fc_out1 = torch.nn.Linear(width, ker_width)
        self.fc_out2 = torch.nn.Linear(ker_width, 1)

    def forward(self, data):
        edge_index_down, edge_attr_down, range_down = data.edge_index_down, data.edge_attr_down, data.edge_index_down_range
        edge_index_mid, edge_attr_mid, range_mid = data.edge_index_mid, data.edge_attr_mid, data.edge_index_range
        edge_index_up, edge_attr_up, range_up = data.edge_index_up, data.edge_attr_up, data.edge_index_up_range

        x = self.fc_in(data.x)

        for t in range(self.depth):
            #downward
            for l in range(self.level-1):
                x = x + self.conv_down_list[l](x, edge_index_down[:,range_down[l,0]:range_down[l,1]], edge_attr_down[range_down[l,0]:range_down[l,1],:])
                x = F.relu(x)

            #upward
            for l in reversed(range(self.level)):
                x[self.points[l]:self.points[l+1]] = self.conv_list[l](x[self.points[l]:self.points[l+1]].clone(),  # error: IPL003
                                                                       edge_index_mid[:,range_mid[l,0]:range_mid[l,1]]-self.points[l],
                                                                        edge_attr_mid[range_mid[l,0]:range_mid[l,1],:])

                if l > 0:
                    x = x + self.conv_up_list[l-1](x, edge_index_up[:,range_up[l-1,0]:range_up[l-1,1]], edge_attr_up[range_up[l-1,0]:range_up[l-1,1],:])
                    x = F.relu(x)

        x = F.relu(self.fc_out1(x[:self.points[1]]))
        x = self.fc_out2(x)
        return x


class LpLoss(object):
    """Relative Lp loss (utilities.py)."""
    def __init__(self, d=2, p=2, size_average=True, reduction=True):
        self.d, self.p = d, p
        self.reduction, self.size_average = reduction, size_average

    def rel(self, x, y):
        num_examples = x.size()[0]
        diff_norms = torch.norm(x.reshape(num_examples, -1) - y.reshape(num_examples, -1), self.p, 1)
        y_norms = torch.norm(y.reshape(num_examples, -1), self.p, 1)
        if self.reduction:
            if self.size_average:
                return torch.mean(diff_norms / y_norms)
            else:
                return torch.sum(diff_norms / y_norms)
        return diff_norms / y_norms

    def __call__(self, x, y):
        return self.rel(x, y)


class Batch:
    pass


def random_multilevel_graph(m, edge_features, node_features, edges_per_level=20, inter_edges=12):
    points = [0]
    for p in m:
        points.append(points[-1] + p)
    batch = Batch()
    batch.x = torch.randn(points[-1], node_features)
    mids, downs, ups = [], [], []
    for l in range(len(m)):
        e = torch.randint(points[l], points[l + 1], (2, edges_per_level))
        mids.append(e)
    for l in range(len(m) - 1):
        a = torch.randint(points[l], points[l + 1], (inter_edges,))
        b = torch.randint(points[l + 1], points[l + 2], (inter_edges,))
        downs.append(torch.stack([a, b]))
        ups.append(torch.stack([b, a]))

    def ranges(lists):
        out, start = [], 0
        for e in lists:
            out.append([start, start + e.size(1)])
            start += e.size(1)
        return torch.tensor(out)

    batch.edge_index_mid = torch.cat(mids, dim=1)
    batch.edge_index_range = ranges(mids)
    batch.edge_attr_mid = torch.randn(batch.edge_index_mid.size(1), edge_features)
    batch.edge_index_down = torch.cat(downs, dim=1)
    batch.edge_index_down_range = ranges(downs)
    batch.edge_attr_down = torch.randn(batch.edge_index_down.size(1), edge_features)
    batch.edge_index_up = torch.cat(ups, dim=1)
    batch.edge_index_up_range = ranges(ups)
    batch.edge_attr_up = torch.randn(batch.edge_index_up.size(1), edge_features)
    batch.y = torch.randn(m[0])
    return batch


torch.manual_seed(0)
m = [12, 6, 3]
level = len(m)
width, ker_width, depth = 8, 16, 2
edge_features, node_features = 6, 6
batch_size = 1

model = MKGN(width=width, ker_width=ker_width, depth=depth, ker_in=edge_features,
             points=m, level=level, in_width=node_features, out_width=1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=5e-4)
myloss = LpLoss(size_average=False)

train_loader = [random_multilevel_graph(m, edge_features, node_features) for _ in range(2)]
model.train()
for batch in train_loader:
    optimizer.zero_grad()
    out = model(batch)
    l2 = myloss(out.view(batch_size, -1), batch.y.view(batch_size, -1))
    l2.backward()
    optimizer.step()
