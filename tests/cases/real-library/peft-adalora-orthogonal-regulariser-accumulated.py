# case: peft-adalora-orthogonal-regulariser-accumulated
# source: https://github.com/huggingface/peft/blob/main/src/peft/tuners/adalora/model.py
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.parameters())

# peft's AdaLoRA forward adds an orthogonal regulariser: `regu_loss = 0`, then `regu_loss += torch.norm(...)` per
# LoRA matrix. The first `+=` turns the int into a new tensor (`0 + norm`), which nothing saved, and the later ones
# add into that sum: the norms' own outputs are never written. The analysis once took the sum for the norm's output.
# The wrapped model is a pair of LoRA-named linear layers (the `gather_params_ctx` branch for DeepSpeed left out).
import torch
from torch import nn


class AdaLoraLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.ModuleDict({"lora_A": nn.Linear(4, 3, bias=False), "lora_B": nn.Linear(3, 4, bias=False)})
        self.orth_reg_weight = 0.1

    def forward(self, x):
        loss = self.model["lora_B"](self.model["lora_A"](x)).pow(2).mean()
        regu_loss = 0
        num_param = 0
        for n, p in self.model.named_parameters():
            if "lora_A" in n or "lora_B" in n:
                para_cov = p @ p.T if "lora_A" in n else p.T @ p
                I = torch.eye(*para_cov.size(), out=torch.empty_like(para_cov))  # noqa: E741
                I.requires_grad = False
                num_param += 1
                regu_loss += torch.norm(para_cov - I, p="fro")
        if num_param > 0:
            regu_loss = regu_loss / num_param
        else:
            regu_loss = 0
        return loss + self.orth_reg_weight * regu_loss


torch.manual_seed(0)
model = AdaLoraLike()
model(torch.randn(2, 4)).backward()
