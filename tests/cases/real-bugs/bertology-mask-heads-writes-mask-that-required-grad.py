# case: bertology-mask-heads-writes-mask-that-required-grad
# source: https://github.com/huggingface/transformers/pull/4479
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"
# known-miss: `requires_grad_()` on a view of a tensor that does not require grad makes that view a leaf that requires grad (torch treats such a view as a leaf); the analysis keeps every view a view of its base, so the later `.view(-1)` of the mask written in place is not seen as a write into a view of a leaf

# examples/bertology/run_bertology.py (head importance + iterative head masking, Michel et al.
# 2019). mask_heads() passes `new_head_mask` to compute_heads_importance(), which calls
# `head_mask.requires_grad_(requires_grad=True)` on it and reads `head_mask.grad` after
# backward. On the next round mask_heads() takes `.view(-1)` of that same tensor and zeroes the
# next heads by index assignment. The PR: "the new_head_mask index assignment operation makes it
# become a non-leaf node in the following gradient computation, resulting in grad is None"
# (issues #3895 / #4103: `head_mask.grad.abs()` -> 'NoneType' object has no attribute 'abs', on
# the second masking round, torch 1.3-1.5). With current torch the index assignment itself is
# refused: the mask is a view of a tensor that now requires grad. The fix adds
# `new_head_mask = new_head_mask.clone().detach()`.
# Kept: compute_heads_importance / mask_heads as in the script (requires_grad_ on the argument,
# forward with head_mask=..., loss.backward(), head_importance += head_mask.grad.abs(), layer
# normalisation, the while-loop with head_mask = new_head_mask.clone(), view(-1) / index
# assignment / view_as). Completed: a 2-layer, 4-head toy attention classifier in place of BERT,
# an accuracy metric against the unmasked model's own predictions, a step cap on the loop, no
# logging or file output.
from types import SimpleNamespace
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyBert(nn.Module):
    def __init__(self, d=8, n_layers=2, n_heads=4, n_labels=3):
        super().__init__()
        self.config = SimpleNamespace(num_hidden_layers=n_layers, num_attention_heads=n_heads)
        self.emb = nn.Embedding(20, d)
        self.qkv = nn.ModuleList([nn.Linear(d, 3 * d) for _ in range(n_layers)])
        self.out = nn.ModuleList([nn.Linear(d, d) for _ in range(n_layers)])
        self.cls = nn.Linear(d, n_labels)
        self.h = n_heads

    def forward(self, input_ids, attention_mask, labels, head_mask):
        x = self.emb(input_ids)
        b, t, d = x.shape
        attns = []
        for l in range(len(self.qkv)):
            q, k, v = self.qkv[l](x).view(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
            a = torch.softmax(q @ k.transpose(-1, -2), -1)
            a = a * head_mask[l].view(1, -1, 1, 1)
            attns.append(a)
            x = x + self.out[l]((a @ v).transpose(1, 2).reshape(b, t, d))
        logits = self.cls(x.mean(1))
        return F.cross_entropy(logits, labels), logits, tuple(attns)


def compute_heads_importance(args, model, eval_dataloader, compute_importance=True, head_mask=None):
    n_layers, n_heads = model.config.num_hidden_layers, model.config.num_attention_heads
    head_importance = torch.zeros(n_layers, n_heads)
    if head_mask is None:
        head_mask = torch.ones(n_layers, n_heads)
    head_mask.requires_grad_(requires_grad=True)
    preds, labels = [], []
    for inputs in eval_dataloader:
        outputs = model(**inputs, head_mask=head_mask)
        loss, logits = outputs[0], outputs[1]
        loss.backward()
        if compute_importance:
            head_importance += head_mask.grad.abs().detach()
        preds.append(logits.detach().argmax(-1))
        labels.append(inputs["labels"])
    norm_by_layer = torch.pow(torch.pow(head_importance, 2).sum(-1), 1 / 2)
    head_importance /= norm_by_layer.unsqueeze(-1) + 1e-20
    return None, head_importance, torch.cat(preds), torch.cat(labels)


def metric(preds, labels):
    return (preds == labels).float().mean().item()


def mask_heads(args, model, eval_dataloader):
    _, head_importance, preds, labels = compute_heads_importance(args, model, eval_dataloader)
    original_score = metric(preds, labels)
    new_head_mask = torch.ones_like(head_importance)
    num_to_mask = max(1, int(new_head_mask.numel() * args.masking_amount))
    current_score, steps = original_score, 0
    while current_score >= original_score * args.masking_threshold and steps < args.max_steps:
        steps += 1
        head_mask = new_head_mask.clone()  # save current head mask
        head_importance[head_mask == 0.0] = float("Inf")
        current_heads_to_mask = head_importance.view(-1).sort()[1]
        if len(current_heads_to_mask) <= num_to_mask:
            break
        current_heads_to_mask = current_heads_to_mask[:num_to_mask]
        new_head_mask = new_head_mask.view(-1)
        new_head_mask[current_heads_to_mask] = 0.0  # error: IPL002
        new_head_mask = new_head_mask.view_as(head_mask)
        _, head_importance, preds, labels = compute_heads_importance(
            args, model, eval_dataloader, head_mask=new_head_mask)
        current_score = metric(preds, labels)
    return head_mask


torch.manual_seed(0)
model = TinyBert()
ids = torch.randint(0, 20, (6, 5))
with torch.no_grad():
    pseudo = model(ids, None, torch.zeros(6, dtype=torch.long), torch.ones(2, 4))[1].argmax(-1)
eval_dataloader = [{"input_ids": ids, "attention_mask": torch.ones(6, 5), "labels": pseudo}]
args = SimpleNamespace(masking_amount=0.25, masking_threshold=0.0, max_steps=3)
final_mask = mask_heads(args, model, eval_dataloader)
