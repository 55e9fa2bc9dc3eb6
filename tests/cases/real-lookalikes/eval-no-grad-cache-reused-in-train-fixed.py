# case: eval-no-grad-cache-reused-in-train-fixed
# source: https://github.com/snowflakedb/ArcticTraining/pull/265
# expect: clean
# torch: clean
# check: torch.allclose(grad, ref_grad) and not trainer.model._cos_cached.is_inference()

# Look-alike of eval-inference-mode-cache-reused-in-train: the PR's fix, `evaluate()` runs
# under `torch.no_grad()` instead of inference mode, so the lazily built cache is a normal
# tensor that does not require grad, and the training forward may save it.
import torch
import torch.nn as nn

torch.manual_seed(0)


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
        return q * self._cos(h.shape[1])


class Trainer:
    def __init__(self, model):
        self.model = model
        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)

    @torch.no_grad()
    def evaluate(self, batch):
        self.model.eval()
        return self.model(batch).pow(2).mean()

    def train_step(self, batch):
        self.model.train()
        loss = self.model(batch).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        return loss


trainer = Trainer(RotaryAttentionProj())
batch = torch.randn(2, 5, 8)
trainer.evaluate(batch)
trainer.train_step(batch)
grad = trainer.model.q_proj.weight.grad

ref = RotaryAttentionProj()
ref.load_state_dict(trainer.model.state_dict())
ref(batch).pow(2).mean().backward()
ref_grad = ref.q_proj.weight.grad
