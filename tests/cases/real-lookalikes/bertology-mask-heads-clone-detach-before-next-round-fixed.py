# case: bertology-mask-heads-clone-detach-before-next-round-fixed
# source: https://github.com/huggingface/transformers/pull/4479
# expect: clean
# torch: clean
# check: int((final_mask == 0).sum()) == 4 and final_mask.is_leaf

# Look-alike of bertology-mask-heads-writes-mask-that-required-grad: the PR's fix, the line
# `new_head_mask = new_head_mask.clone().detach()`, placed before the index assignment. (The
# merged PR puts it after the assignment; with current torch that still leaves the next round
# writing into the tensor compute_heads_importance() made require grad, so the idiom done right
# detaches before the write.) Each round writes a fresh tensor that never required grad and hands
# compute_heads_importance() a mask whose requires_grad_() and .grad read work.
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
        new_head_mask = new_head_mask.clone().detach()
        new_head_mask = new_head_mask.view(-1)
        new_head_mask[current_heads_to_mask] = 0.0
        new_head_mask = new_head_mask.view_as(head_mask)
        _, head_importance, preds, labels = compute_heads_importance(
            args, model, eval_dataloader, head_mask=new_head_mask)
        current_score = metric(preds, labels)
    return head_mask.detach()


torch.manual_seed(0)
model = TinyBert()
ids = torch.randint(0, 20, (6, 5))
with torch.no_grad():
    pseudo = model(ids, None, torch.zeros(6, dtype=torch.long), torch.ones(2, 4))[1].argmax(-1)
eval_dataloader = [{"input_ids": ids, "attention_mask": torch.ones(6, 5), "labels": pseudo}]
args = SimpleNamespace(masking_amount=0.25, masking_threshold=0.0, max_steps=3)
final_mask = mask_heads(args, model, eval_dataloader)
