# case: ptq-encodings-computed-in-inference-mode-then-qat
# source: https://github.com/luxonis/luxonis-train/pull/406
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"
# known-miss: the quantizers' encodings are stored in module attributes by a calibration call that `Trainer.test` runs under `torch.inference_mode()` (a context chosen at run time), and read by the later training forward; the analysis does not carry attributes set under inference mode in one call into a later one

# luxonis-train ran AIMET's PTQ calibration through a Lightning evaluation loop, which runs under
# torch.inference_mode(); the quantizers kept the min/max encodings computed there as attributes, and QAT then
# trained through them, so the fake-quant clamp tried to save inference tensors. The trainer, the quantsim
# wrapper and the quantizer are reduced to a few lines each.
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
        return torch.clamp(x, min=self.encoding_min, max=self.encoding_max)  # error: IPL011


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
    Trainer().test(sim, calib_loader)
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
