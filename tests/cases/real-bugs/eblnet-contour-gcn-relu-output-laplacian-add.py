# case: eblnet-contour-gcn-relu-output-laplacian-add
# source: https://github.com/hehao13/EBLNet/issues/9
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# EBLNet (glass/mirror segmentation). EBLNet.forward refines each cascade with
# self.refines[i] (an nn.ModuleList of ContourPointGCN), which samples point features and runs its
# self.gcn, a GloRe-style GCN. GCN.forward does `z = self.relu(z)` and then the Laplacian smoothing
# `z += x` in place: the ReLU saved its output for backward, hence the thread's "[4, 96, 256] ... output
# 0 of ReluBackward0 is at version 1". Reduced: the ResNet/ASPP trunk is one conv, one cascade, tiny
# sizes; ContourPointGCN, GCN, get_uncertain_point_coords_on_grid and point_sample are kept. Note the
# edge map given to the refiner is sigmoid(... .clone().detach()), so `edge[edge < thr] = 0` is harmless.
import torch
import torch.nn as nn
import torch.nn.functional as F


def get_uncertain_point_coords_on_grid(uncertainty_map, num_points):
    R, _, H, W = uncertainty_map.shape
    num_points = min(H * W, num_points)
    point_indices = torch.topk(uncertainty_map.view(R, H * W), k=num_points, dim=1)[1]
    point_coords = torch.zeros(R, num_points, 2, dtype=torch.float, device=uncertainty_map.device)
    point_coords[:, :, 0] = point_indices % W
    point_coords[:, :, 1] = point_indices // W
    return point_indices, point_coords


def point_sample(input, point_indices, **kwargs):
    N, C, H, W = input.shape
    point_indices = point_indices.unsqueeze(1).expand(-1, C, -1)
    flatten_input = input.flatten(start_dim=2)
    sampled_feats = flatten_input.gather(dim=2, index=point_indices).view_as(point_indices)
    return sampled_feats


class GCN(nn.Module):
    def __init__(self, node_num, node_fea):
        super(GCN, self).__init__()
        self.node_num = node_num
        self.node_fea = node_fea
        self.conv_adj = nn.Conv1d(self.node_num, self.node_num, kernel_size=1, bias=False)
        self.bn_adj = nn.BatchNorm1d(self.node_num)
        self.conv_wg = nn.Conv1d(self.node_fea, self.node_fea, kernel_size=1, bias=False)
        self.bn_wg = nn.BatchNorm1d(self.node_fea)
        self.relu = nn.ReLU()

    def forward(self, x):
        z = self.conv_adj(x)
        z = self.bn_adj(z)
        z = self.relu(z)

        # Laplacian smoothing
        z += x  # error: IPL003
        z = z.transpose(1, 2).contiguous()
        z = self.conv_wg(z)
        z = self.bn_wg(z)
        z = self.relu(z)
        z = z.transpose(1, 2).contiguous()
        return z


class ContourPointGCN(nn.Module):
    def __init__(self, inplance, num_points, thresholds=0.8):
        super(ContourPointGCN, self).__init__()
        self.num_points = num_points
        self.thresholds = thresholds
        self.gcn = GCN(num_points, inplance)

    def forward(self, x, edge):
        B, C, H, W = x.size()
        edge[edge < self.thresholds] = 0
        edge_index, point_coords = get_uncertain_point_coords_on_grid(edge, self.num_points)
        gcn_features = point_sample(x, edge_index).permute(0, 2, 1)
        gcn_features_reasoned = self.gcn(gcn_features)
        gcn_features_reasoned = gcn_features_reasoned.permute(0, 2, 1)
        edge_index = edge_index.unsqueeze(1).expand(-1, C, -1)
        final_features = x.reshape(B, C, H * W).scatter(2, edge_index, gcn_features_reasoned).view(B, C, H, W)
        return final_features


class EBLNet(nn.Module):
    def __init__(self, num_classes=2, num_cascade=1, num_points=6, threshold=0.85):
        super(EBLNet, self).__init__()
        self.num_cascade = num_cascade
        self.layer0 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.edge_out = nn.ModuleList([nn.Conv2d(8, 1, kernel_size=1, bias=False) for _ in range(num_cascade)])
        self.refines = nn.ModuleList([ContourPointGCN(8, num_points, threshold) for _ in range(num_cascade)])
        self.final_seg_out = nn.ModuleList([nn.Conv2d(8, num_classes, kernel_size=1, bias=False)
                                            for _ in range(num_cascade)])

    def forward(self, x):
        seg_out = self.layer0(x)
        outs = []
        for i in range(self.num_cascade):
            seg_edge_out_pre = self.edge_out[i](seg_out)
            seg_out = self.refines[i](seg_out, torch.sigmoid(seg_edge_out_pre.clone().detach()))
            outs.append(self.final_seg_out[i](seg_out))
        return outs


torch.manual_seed(0)
net = EBLNet()
images = torch.randn(2, 3, 5, 5)
gts = torch.randint(0, 2, (2, 5, 5))
main_loss = F.cross_entropy(net(images)[-1], gts)
main_loss.backward()
