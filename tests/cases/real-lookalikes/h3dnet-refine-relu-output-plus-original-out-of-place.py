# case: h3dnet-refine-relu-output-plus-original-out-of-place
# source: https://github.com/zaiweizhang/H3DNet/issues/29
# expect: clean
# torch: clean
# check: original.grad is not None and surface.grad is not None

# The fix the maintainer applied: `net = net + original_feature`, so the ReLU's saved result is not touched.
import torch
import torch.nn as nn
import torch.nn.functional as F


class ProposalModuleRefine(nn.Module):
    def __init__(self, in_dim, hidden, out_dim):
        super().__init__()
        self.conv_refine1 = nn.Conv1d(in_dim, hidden, 1)
        self.conv_refine2 = nn.Conv1d(hidden, hidden, 1)
        self.conv_refine3 = nn.Conv1d(hidden, hidden, 1)
        self.conv_refine4 = nn.Conv1d(hidden, out_dim, 1)
        self.bn_refine1 = nn.BatchNorm1d(hidden)
        self.bn_refine2 = nn.BatchNorm1d(hidden)
        self.bn_refine3 = nn.BatchNorm1d(hidden)

    def forward(self, surface_pool_feature, line_pool_feature, original_feature):
        combine_feature = torch.cat((surface_pool_feature, line_pool_feature), dim=1)

        net = F.relu(self.bn_refine1(self.conv_refine1(combine_feature)))
        net = net + original_feature
        net = F.relu(self.bn_refine2(self.conv_refine2(net)))
        net = F.relu(self.bn_refine3(self.conv_refine3(net)))
        net = self.conv_refine4(net)

        return net


head = ProposalModuleRefine(6, 4, 3)
surface = torch.randn(2, 2, 5, requires_grad=True)
line = torch.randn(2, 4, 5, requires_grad=True)
original = torch.randn(2, 4, 5, requires_grad=True)
head(surface, line, original).sum().backward()
