# case: qat-observer-scale-set-under-inference-mode-then-trained
# source: https://github.com/neuralmagic/sparseml/pull/1492
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"
# known-miss: the scale is stored by `observe`, four calls deep under `evaluate`'s `@torch.inference_mode()` (the Sequential, `QATLinear.forward`, `FakeQuantize.forward`, `observe`), and read by the later training forward; calls that deep go through summaries, which carry no attribute writes

# sparseml's QAT flow for image classification ran its evaluation / calibration passes under
# torch.inference_mode(); the PR "Replaces inference_mode by no_grad. It prevents setting observer
# attributes in inference mode, which can't be changed during training afterwards."
# Kept: a fake-quantize wrapper whose observer sets its attributes (min_val / max_val / scale /
# zero_point) by assignment while it observes, an evaluation helper decorated with
# @torch.inference_mode() that runs before training, observers then disabled for training (the
# modifier's disable-observer epoch), and a training step through the quantized model.
# Completed: a two-layer MLP in place of ResNet-50, per-tensor affine 8-bit fake quantization with
# a straight-through estimator written out (x / scale is what autograd saves the scale for),
# random data. Where the scale is used the attribute is an inference tensor, so the training
# forward cannot save it.
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
        xs = x / self.scale  # error: IPL011
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


@torch.inference_mode()
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
evaluate(model, loader)          # calibration / baseline eval under inference_mode
disable_observer(model)          # observers frozen for QAT
train_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
