# case: dinov2-depther-head-on-inference-mode-features
# source: https://github.com/facebookresearch/dinov2/issues/399
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"

# Fine-tuning a DPT head on a frozen DINOv2 backbone: forward_train fails because the backbone features come out of
# an inference-mode region and the trainable head saves them for backward; the thread's fix is to remove "the
# decoration". The depther is reduced to a backbone whose feature extraction carries @torch.inference_mode() and a
# conv head; the decorated method is our reconstruction of where that decoration sits.
import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, 4, 2, stride=2)

    @torch.inference_mode()
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
        depth = self.decode_head(x)  # error: IPL011
        return depth


torch.manual_seed(0)
model = DPTDepther(Backbone())
for p in model.backbone.parameters():
    p.requires_grad_(False)
x = torch.ones(2, 3, 8, 8)
y = model.forward_train(x, None, None)
