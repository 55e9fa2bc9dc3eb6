# case: rfdetr-multiscale-resize-under-inference-mode
# source: https://github.com/roboflow/rf-detr/pull/559
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"

# rfdetr/engine.py, train_one_epoch before the PR (which fixes issue 297, "Inference Tensors cannot be saved for
# backwards" when training): with multi-scale training, the batch is resized with F.interpolate under
# torch.inference_mode() and stored back in samples.tensors; the sub-batches sliced from it reach the model, whose
# backbone convolution saves its input for backward (issue 366's traceback ends in F.conv2d). train_one_epoch kept
# (gradient accumulation, NestedTensor, scheduler); no AMP/EMA/logging/callbacks, a small conv backbone and a box
# head with an L1 loss stand in for LW-DETR and its criterion, the scale list is fixed.
# A warning: `NestedTensor.to(device)` hands the model the inference tensor itself only when it is already on that
# device (here, the CPU), else a copy.
import random
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F


class NestedTensor(object):
    def __init__(self, tensors, mask):
        self.tensors = tensors
        self.mask = mask

    def to(self, device):
        cast_tensor = self.tensors.to(device)
        cast_mask = self.mask.to(device) if self.mask is not None else None
        return NestedTensor(cast_tensor, cast_mask)


class TinyDETR(nn.Module):
    def __init__(self, num_queries=3):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.GELU())
        self.bbox_embed = nn.Linear(8, num_queries * 4)
        self.num_queries = num_queries

    def forward(self, samples, targets=None):
        features = self.backbone(samples.tensors)  # warning: IPL011
        mask = F.interpolate(samples.mask[:, None].float(), size=features.shape[-2:]).bool()[:, 0]
        valid = (~mask).unsqueeze(1).float()
        pooled = (features * valid).sum((2, 3)) / valid.sum((2, 3)).clamp(min=1)
        return {"pred_boxes": self.bbox_embed(pooled).sigmoid().view(-1, self.num_queries, 4)}


class SetCriterion(nn.Module):
    weight_dict = {"loss_bbox": 5.0}

    def forward(self, outputs, targets):
        target_boxes = torch.stack([t["boxes"] for t in targets])
        return {"loss_bbox": F.l1_loss(outputs["pred_boxes"], target_boxes)}


def train_one_epoch(model, criterion, lr_scheduler, data_loader, optimizer, device, epoch, batch_size, args=None):
    optimizer.zero_grad()
    assert batch_size % args.grad_accum_steps == 0
    sub_batch_size = batch_size // args.grad_accum_steps
    for data_iter_step, (samples, targets) in enumerate(data_loader):
        it = epoch * len(data_loader) + data_iter_step

        if args.multi_scale and not args.do_random_resize_via_padding:
            scales = args.expanded_scales
            random.seed(it)
            scale = random.choice(scales)
            with torch.inference_mode():
                samples.tensors = F.interpolate(samples.tensors, size=scale, mode='bilinear', align_corners=False)
                samples.mask = F.interpolate(samples.mask.unsqueeze(1).float(), size=scale, mode='nearest').squeeze(1).bool()

        for i in range(args.grad_accum_steps):
            start_idx = i * sub_batch_size
            final_idx = start_idx + sub_batch_size
            new_samples_tensors = samples.tensors[start_idx:final_idx]
            new_samples = NestedTensor(new_samples_tensors, samples.mask[start_idx:final_idx])
            new_samples = new_samples.to(device)
            new_targets = [{k: v.to(device) for k, v in t.items()} for t in targets[start_idx:final_idx]]

            outputs = model(new_samples, new_targets)
            loss_dict = criterion(outputs, new_targets)
            weight_dict = criterion.weight_dict
            losses = sum(
                (1 / args.grad_accum_steps) * loss_dict[k] * weight_dict[k]
                for k in loss_dict.keys()
                if k in weight_dict
            )
            losses.backward()

        if args.clip_max_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_max_norm)
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()


torch.manual_seed(0)
args = SimpleNamespace(grad_accum_steps=2, multi_scale=True, do_random_resize_via_padding=False,
                       expanded_scales=[12, 16], clip_max_norm=0.1)
model = TinyDETR()
criterion = SetCriterion()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=100)
data_loader = [
    (NestedTensor(torch.rand(4, 3, 14, 14), torch.zeros(4, 14, 14, dtype=torch.bool)),
     [{"boxes": torch.rand(3, 4), "labels": torch.tensor([0, 1, 1])} for _ in range(4)])
    for _ in range(2)
]
train_one_epoch(model, criterion, lr_scheduler, data_loader, optimizer, torch.device("cpu"), epoch=0, batch_size=4,
                args=args)
