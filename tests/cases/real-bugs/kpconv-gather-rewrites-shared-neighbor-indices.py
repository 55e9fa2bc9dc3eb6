# case: kpconv-gather-rewrites-shared-neighbor-indices
# source: https://github.com/torch-points3d/torch-points3d/issues/552
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# torch-points3d's KPConv_ops gathers the neighbour points and then the neighbour features with the same
# neighbors_indices tensor through the `gather` helper, which first rewrites the shadow index (-1) in place.
# The first x.gather saved an expanded view of those indices; the second call's write bumps their version,
# so backward fails ([LongTensor [3, 25, 3]] at version 2, expected 1, as in the report). Reduced sizes.
import torch
import torch.nn as nn


def gather(x, idx, method=2):
    idx[idx == -1] = x.shape[0] - 1  # error: IPL003
    if method == 0:
        return x[idx]
    elif method == 2:
        for i, ni in enumerate(idx.size()[1:]):
            x = x.unsqueeze(i + 1)
            new_s = list(x.size())
            new_s[i + 1] = ni
            x = x.expand(new_s)
        n = len(idx.size())
        for i, di in enumerate(x.size()[n:]):
            idx = idx.unsqueeze(i + n)
            new_s = list(idx.size())
            new_s[i + n] = di
            idx = idx.expand(new_s)
        return x.gather(0, idx)
    raise ValueError("Unkown method")


def KPConv_ops(query_points, support_points, neighbors_indices, features, K_points, K_values, KP_extent):
    shadow_point = torch.ones_like(support_points[:1, :]) * 1e6
    support_points = torch.cat([support_points, shadow_point], dim=0)
    neighbors = gather(support_points, neighbors_indices)
    neighbors = neighbors - query_points.unsqueeze(1)
    neighbors.unsqueeze_(2)
    differences = neighbors - K_points
    sq_distances = torch.sum(differences ** 2, dim=3)
    all_weights = torch.clamp(1 - torch.sqrt(sq_distances) / KP_extent, min=0.0)
    all_weights = torch.transpose(all_weights, 2, 1)
    features = torch.cat([features, torch.zeros_like(features[:1, :])], dim=0)
    neighborhood_features = gather(features, neighbors_indices)
    weighted_features = torch.matmul(all_weights, neighborhood_features)
    weighted_features = weighted_features.permute(1, 0, 2)
    kernel_outputs = torch.matmul(weighted_features, K_values)
    return torch.sum(kernel_outputs, dim=0)


class KPConvLayer(nn.Module):
    def __init__(self, num_inputs, num_outputs, n_kernel_points=5, point_influence=1.0):
        super().__init__()
        self.K_points = nn.Parameter(torch.randn(n_kernel_points, 3) * 0.5, requires_grad=False)
        self.weight = nn.Parameter(torch.randn(n_kernel_points, num_inputs, num_outputs) * 0.1)
        self.point_influence = point_influence

    def forward(self, query_points, support_points, neighbors, x):
        return KPConv_ops(query_points, support_points, neighbors, x,
                          self.K_points, self.weight, self.point_influence)


torch.manual_seed(0)
pos = torch.tensor([[0., 0., 0.], [0.5, 0.5, 0.5], [1., 1., 1.]], requires_grad=True)
neighbors = torch.randint(0, 3, (3, 25))
neighbors[:, -3:] = -1  # shadow neighbours
x = torch.randn(3, 4)
layer = KPConvLayer(4, 6)
out = layer(pos, pos, neighbors, x)
out.sum().backward()
