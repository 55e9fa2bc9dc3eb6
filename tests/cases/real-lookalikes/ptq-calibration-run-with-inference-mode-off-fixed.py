# case: ptq-calibration-run-with-inference-mode-off-fixed
# source: https://github.com/luxonis/luxonis-train/pull/406
# expect: clean
# torch: clean
# check: bool(grad_ok)

# The fix of the PR: the quantization evaluation passes run with a trainer configured with
# inference_mode=False (plain no_grad), so the encodings the quantizers keep are normal tensors that the
# QAT forward may save for backward. Same quantizer and loop otherwise.
import torch
import torch.nn as nn


class QuantizeDequantize(nn.Module):
    def __init__(self, bitwidth=8):
        super().__init__()
        self.bitwidth = bitwidth
        self.encoding_min = None
        self.encoding_max = None
        self.compute_encodings = False

    def forward(self, x):
        if self.compute_encodings:
            mn, mx = x.min(), x.max()
            if self.encoding_min is None:
                self.encoding_min, self.encoding_max = mn, mx
            else:
                self.encoding_min = torch.minimum(self.encoding_min, mn)
                self.encoding_max = torch.maximum(self.encoding_max, mx)
            return x
        return torch.clamp(x, min=self.encoding_min, max=self.encoding_max)


class QuantSimModel(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.input_quantizer = QuantizeDequantize()
        self.output_quantizer = QuantizeDequantize()

    def forward(self, x):
        return self.output_quantizer(self.model(self.input_quantizer(x)))

    def set_compute_encodings(self, flag):
        for m in self.modules():
            if isinstance(m, QuantizeDequantize):
                m.compute_encodings = flag


class Trainer:
    def __init__(self, inference_mode=True):
        self.inference_mode = inference_mode

    def test(self, model, loader):
        ctx = torch.inference_mode() if self.inference_mode else torch.no_grad()
        with ctx:
            for batch in loader:
                model(batch)


def quantize(model, calib_loader, train_loader, epochs=1):
    sim = QuantSimModel(model)
    sim.set_compute_encodings(True)
    Trainer(inference_mode=False).test(sim, calib_loader)
    sim.set_compute_encodings(False)
    optimizer = torch.optim.SGD(sim.parameters(), lr=0.01)
    for _ in range(epochs):
        for x in train_loader:
            optimizer.zero_grad()
            loss = sim(x).pow(2).mean()
            loss.backward()
            optimizer.step()
    return sim


torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
data = [torch.randn(3, 4) for _ in range(2)]
sim = quantize(net, data, data)
w = sim.model[0].weight
grad_ok = w.grad is not None and torch.isfinite(w.grad).all() and not sim.input_quantizer.encoding_min.is_inference()
