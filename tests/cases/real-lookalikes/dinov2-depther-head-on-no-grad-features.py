# case: dinov2-depther-head-on-no-grad-features
# source: https://github.com/facebookresearch/dinov2/issues/399
# expect: clean
# torch: clean
# check: model.decode_head.weight.grad is not None and model.backbone.patch_embed.weight.grad is None

# The look-alike of real-bugs/dinov2-depther-head-on-inference-mode-features: the frozen backbone's features are
# computed under @torch.no_grad() instead, which gives normal tensors the trainable head can save for backward.
import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, 4, 2, stride=2)

    @torch.no_grad()
    def get_intermediate_layers(self, x):
        return self.patch_embed(x)


class DPTDepther(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.decode_head = nn.Conv2d(4, 1, 1)

    def extract_feat(self, img):
        return self.backbone.get_intermediate_layers(img)

    def forward_train(self, img, img_metas, depth_gt):
        x = self.extract_feat(img)
        depth = self.decode_head(x)
        return depth


torch.manual_seed(0)
model = DPTDepther(Backbone())
for p in model.backbone.parameters():
    p.requires_grad_(False)
x = torch.ones(2, 3, 8, 8)
y = model.forward_train(x, None, None)
y.mean().backward()
