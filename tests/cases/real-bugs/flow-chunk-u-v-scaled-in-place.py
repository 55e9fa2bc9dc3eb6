# case: flow-chunk-u-v-scaled-in-place
# source: https://github.com/pytorch/pytorch/issues/46820
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# The issue ("simple v *= v_scale error"): an optical-flow tensor is split into its horizontal and vertical
# components with `u, v = flow.chunk(2, dim=1)`, which are rescaled in place (`u *= u_scale`, `v *= v_scale`);
# torch 1.7 warned that in-place writes into the outputs of chunk would be forbidden, as they now are. The thread
# gives these lines and the reporter's out-of-place fix. Completed: the lines sit in a helper that resizes a coarse
# flow to the image size (the scales are the width and height ratios), called on the output of a small flow head,
# with an end-point-error loss against a ground-truth flow and one optimizer step.
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
    u *= u_scale  # error: IPL009
    v *= v_scale  # error: IPL009
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
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
img1, img2 = torch.rand(2, 3, 16, 24), torch.rand(2, 3, 16, 24)
flow_gt = torch.randn(2, 2, 16, 24)
optimizer.zero_grad()
flow = net(img1, img2)
epe = torch.norm(flow - flow_gt, p=2, dim=1).mean()
epe.backward()
optimizer.step()
