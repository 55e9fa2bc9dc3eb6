# case: eval-inference-mode-cache-reused-in-train
# source: https://github.com/snowflakedb/ArcticTraining/pull/265
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"

# The PR: the trainer's `evaluate()` was decorated with `@torch.inference_mode()`; when
# evaluation and training were mixed (with ZeRO-3, whose linear Function saves the weight),
# the next training step failed with "Inference tensors cannot be saved for backward":
# tensors made during evaluation were reused and saved by autograd. The PR swaps the
# decorator for `torch.no_grad()`. Completed plausibly without DeepSpeed: the model builds a
# rotary cos/sin cache lazily on first use; evaluation runs first, so the cache is an
# inference tensor, and the training forward multiplies by it (the mul saves it).
import torch
import torch.nn as nn


class RotaryAttentionProj(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.q_proj = nn.Linear(dim, dim)
        self.dim = dim
        self._cos_cached = None

    def _cos(self, seq_len):
        if self._cos_cached is None or self._cos_cached.shape[0] < seq_len:
            pos = torch.arange(seq_len, dtype=torch.float32)[:, None]
            inv = 1.0 / (10000 ** (torch.arange(self.dim, dtype=torch.float32) / self.dim))
            self._cos_cached = torch.cos(pos * inv)
        return self._cos_cached[:seq_len]

    def forward(self, h):
        q = self.q_proj(h)
        return q * self._cos(h.shape[1])  # warning: IPL011


class Trainer:
    def __init__(self, model):
        self.model = model
        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)

    @torch.inference_mode()
    def evaluate(self, batch):
        self.model.eval()
        return self.model(batch).pow(2).mean()

    def train_step(self, batch):
        self.model.train()
        loss = self.model(batch).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss


trainer = Trainer(RotaryAttentionProj())
batch = torch.randn(2, 5, 8)
trainer.evaluate(batch)  # eval before training, as in a run with eval at step 0
trainer.train_step(batch)
