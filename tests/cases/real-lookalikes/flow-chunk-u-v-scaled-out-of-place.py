# case: flow-chunk-u-v-scaled-out-of-place
# source: https://github.com/pytorch/pytorch/issues/46820
# expect: clean
# torch: clean
# check: torch.allclose(net.predict_flow.weight.grad, reference_grad, atol=1e-6) and float(reference_grad.abs().sum()) > 0

# The reporter's fix from the issue: the chunk outputs are rescaled out of place and the products cloned
# (`u1 = u_scale*u; u = u1.clone()`), so nothing is written into the views chunk returned. Same helper, flow head and
# step as real-bugs/flow-chunk-u-v-scaled-in-place; the check recomputes the loss on a copy of the head made before
# the step, rescaling the resized flow with one broadcast multiplication instead of chunks.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


def resize_flow(flow, size):
    _, _, old_h, old_w = flow.shape
    h, w = size
    flow = F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False)
    u_scale = w / old_w
    v_scale = h / old_h
    u, v = flow.chunk(2, dim=1)
    u1 = u_scale * u
    u = u1.clone()
    v1 = v_scale * v
    v = v1.clone()
    return torch.cat([u, v], dim=1)


class FlowHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(6, 16, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
                                     nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.LeakyReLU(0.1))
        self.predict_flow = nn.Conv2d(16, 2, 3, padding=1)

    def forward(self, img1, img2):
        coarse = self.predict_flow(self.encoder(torch.cat([img1, img2], dim=1)))
        return resize_flow(coarse, img1.shape[-2:])


torch.manual_seed(0)
net = FlowHead()
reference = copy.deepcopy(net)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
img1, img2 = torch.rand(2, 3, 16, 24), torch.rand(2, 3, 16, 24)
flow_gt = torch.randn(2, 2, 16, 24)
optimizer.zero_grad()
flow = net(img1, img2)
epe = torch.norm(flow - flow_gt, p=2, dim=1).mean()
epe.backward()
optimizer.step()

coarse = reference.predict_flow(reference.encoder(torch.cat([img1, img2], dim=1)))
scale = torch.tensor([24 / coarse.shape[-1], 16 / coarse.shape[-2]]).view(1, 2, 1, 1)
flow_ref = F.interpolate(coarse, size=(16, 24), mode="bilinear", align_corners=False) * scale
torch.norm(flow_ref - flow_gt, p=2, dim=1).mean().backward()
reference_grad = reference.predict_flow.weight.grad
