# case: qat-observer-scale-set-under-no-grad-then-trained-fixed
# source: https://github.com/neuralmagic/sparseml/pull/1492
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.parameters()) and not torch.is_inference(model[0].input_quant.scale)

# Look-alike of qat-observer-scale-set-under-inference-mode-then-trained: the PR's fix, the
# evaluation helper runs under torch.no_grad() instead of torch.inference_mode(). The observer's
# attributes set there are ordinary tensors that do not require grad, so the training forward can
# save the frozen scale for backward.
import torch
import torch.nn as nn


class FakeQuantize(nn.Module):
    def __init__(self):
        super().__init__()
        self.observer_enabled = True
        self.min_val = None
        self.max_val = None
        self.scale = torch.tensor(1.0)
        self.zero_point = torch.tensor(0.0)

    def observe(self, x):
        x = x.detach()
        mn, mx = x.min(), x.max()
        self.min_val = mn if self.min_val is None else torch.minimum(self.min_val, mn)
        self.max_val = mx if self.max_val is None else torch.maximum(self.max_val, mx)
        self.scale = (self.max_val - self.min_val).clamp(min=1e-8) / 255.0
        self.zero_point = torch.round(-self.min_val / self.scale)

    def forward(self, x):
        if self.observer_enabled:
            self.observe(x)
        xs = x / self.scale
        q = torch.clamp(torch.round(xs) + self.zero_point, 0, 255) - self.zero_point
        xq = xs + (q - xs).detach()
        return xq * self.scale


class QATLinear(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.linear = nn.Linear(i, o)
        self.input_quant = FakeQuantize()

    def forward(self, x):
        return self.linear(self.input_quant(x))


def disable_observer(model):
    for m in model.modules():
        if isinstance(m, FakeQuantize):
            m.observer_enabled = False


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()
    return correct


def train_epoch(model, loader, optimizer, loss_fn):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()


torch.manual_seed(0)
model = nn.Sequential(QATLinear(8, 16), nn.ReLU(), QATLinear(16, 3))
loader = [(torch.randn(4, 8), torch.randint(0, 3, (4,))) for _ in range(2)]
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
evaluate(model, loader)
disable_observer(model)
train_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
