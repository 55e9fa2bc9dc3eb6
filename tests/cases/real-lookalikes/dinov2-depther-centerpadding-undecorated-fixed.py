# case: dinov2-depther-centerpadding-undecorated-fixed
# source: https://github.com/facebookresearch/dinov2/issues/472
# expect: clean
# torch: clean
# check: all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in backbone_model.patch_embed.parameters())

# The resolution reported in the dinov2 issue: drop the @torch.inference_mode() decoration from
# CenterPadding.forward. create_depther() still swaps in get_intermediate_layers through
# functools.partial and still pads through the forward pre-hook, but the padded image is now
# an ordinary tensor, so the depther trains end to end. Same reduced ViT, head and data as the
# bug file; the patch embedding receives finite gradients.
import itertools
import math
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F


class PatchEmbed(nn.Module):
    def __init__(self, patch_size=4, in_chans=3, embed_dim=16):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        x = self.proj(x)
        return x.flatten(2).transpose(1, 2)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        return x + self.mlp(self.norm1(x))


class DinoVisionTransformer(nn.Module):
    def __init__(self, patch_size=4, embed_dim=16, depth=2):
        super().__init__()
        self.patch_size = patch_size
        self.patch_embed = PatchEmbed(patch_size, 3, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.blocks = nn.ModuleList([Block(embed_dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim)

    def prepare_tokens_with_masks(self, x, masks=None):
        x = self.patch_embed(x)
        return torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)

    def _get_intermediate_layers_not_chunked(self, x, n=1):
        x = self.prepare_tokens_with_masks(x)
        output, total_block_len = [], len(self.blocks)
        blocks_to_take = range(total_block_len - n, total_block_len) if isinstance(n, int) else n
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in blocks_to_take:
                output.append(x)
        return output

    def get_intermediate_layers(self, x, n=1, reshape=False, return_class_token=False, norm=True):
        outputs = self._get_intermediate_layers_not_chunked(x, n)
        if norm:
            outputs = [self.norm(out) for out in outputs]
        class_tokens = [out[:, 0] for out in outputs]
        outputs = [out[:, 1:] for out in outputs]
        if reshape:
            B, _, w, h = x.shape
            outputs = [
                out.reshape(B, w // self.patch_size, h // self.patch_size, -1).permute(0, 3, 1, 2).contiguous()
                for out in outputs
            ]
        if return_class_token:
            return tuple(zip(outputs, class_tokens))
        return tuple(outputs)


class CenterPadding(torch.nn.Module):
    def __init__(self, multiple):
        super().__init__()
        self.multiple = multiple

    def _get_pad(self, size):
        new_size = math.ceil(size / self.multiple) * self.multiple
        pad_size = new_size - size
        pad_size_left = pad_size // 2
        pad_size_right = pad_size - pad_size_left
        return pad_size_left, pad_size_right

    def forward(self, x):
        pads = list(itertools.chain.from_iterable(self._get_pad(m) for m in x.shape[:1:-1]))
        output = F.pad(x, pads)
        return output


class BackboneStub(nn.Module):
    """The mmcv-built backbone placeholder whose forward create_depther replaces."""


class BNHead(nn.Module):
    def __init__(self, in_channels, n_bins=1):
        super().__init__()
        self.conv_depth = nn.Conv2d(in_channels, n_bins, kernel_size=1)

    def forward(self, inputs):
        x = torch.cat([feat for feat, cls_token in inputs], dim=1)
        return F.relu(self.conv_depth(x)) + 0.1


class DepthEncoderDecoder(nn.Module):
    def __init__(self, backbone, decode_head):
        super().__init__()
        self.backbone = backbone
        self.decode_head = decode_head

    def forward(self, img, img_metas=None, depth_gt=None, return_loss=True):
        x = self.backbone(img)
        depth_pred = self.decode_head(x)
        depth_pred = F.interpolate(depth_pred, size=img.shape[2:], mode="bilinear", align_corners=False)
        return {"loss_depth": F.l1_loss(depth_pred, depth_gt)}


def build_depther(embed_dim, n_layers):
    return DepthEncoderDecoder(BackboneStub(), BNHead(embed_dim * n_layers))


def create_depther(backbone_model, out_indices=(0, 1)):
    depther = build_depther(16, len(out_indices))
    depther.backbone.forward = partial(
        backbone_model.get_intermediate_layers,
        n=out_indices,
        reshape=True,
        return_class_token=True,
        norm=False,
    )
    if hasattr(backbone_model, "patch_size"):
        depther.backbone.register_forward_pre_hook(lambda _, x: CenterPadding(backbone_model.patch_size)(x[0]))
    return depther


torch.manual_seed(0)
backbone_model = DinoVisionTransformer(patch_size=4, embed_dim=16, depth=2)
model = create_depther(backbone_model)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

images = torch.rand(2, 3, 14, 14)
depths = torch.rand(2, 1, 14, 14) * 10
losses = model(images, img_metas=None, depth_gt=depths, return_loss=True)
optimizer.zero_grad()
losses["loss_depth"].backward()
optimizer.step()
