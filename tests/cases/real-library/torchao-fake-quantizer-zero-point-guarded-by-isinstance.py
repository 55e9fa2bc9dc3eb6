# case: torchao-fake-quantizer-zero-point-guarded-by-isinstance
# source: https://github.com/pytorch/ao/blob/main/torchao/quantization/qat/fake_quantizer.py
# expect: clean
# torch: clean
# check: isinstance(fq.scale, nn.Parameter) and fq.scale.grad is not None

# torchao 0.18's IntxFakeQuantizer._maybe_update_qparams_for_range_learning returns early when
# `isinstance(self.zero_point, torch.nn.Parameter)`, so its `self.zero_point.zero_()` (symmetric case) writes the
# plain tensor the qparams computation made, never the Parameter the other branch makes on a later call. The
# analysis once took the attribute for that Parameter there (a false IPL001). Reduced: per-tensor qparams, a
# straight-through rounding.
import torch
from torch import nn


class FakeQuantizer(nn.Module):
    def __init__(self, symmetric, range_learning=True):
        super().__init__()
        self.symmetric = symmetric
        self.range_learning = range_learning
        self.scale = None
        self.zero_point = None

    def _maybe_update_qparams_for_range_learning(self):
        if not self.range_learning or isinstance(self.scale, nn.Parameter) or isinstance(self.zero_point, nn.Parameter):
            return
        scale, zero_point = self.scale, self.zero_point
        scale = torch.clamp(scale, min=1e-6)
        self.scale = nn.Parameter(scale, requires_grad=True)
        if self.symmetric:
            self.zero_point.zero_()
        else:
            self.zero_point = nn.Parameter(zero_point.round(), requires_grad=True)

    def forward(self, x):
        if self.scale is None or self.zero_point is None:
            self.scale = x.detach().abs().max() / 127
            self.zero_point = torch.zeros(())
            self._maybe_update_qparams_for_range_learning()
        q = x / self.scale + self.zero_point
        q = q + (q.round() - q).detach()
        return (q - self.zero_point) * self.scale


torch.manual_seed(0)
for symmetric in (False, True):
    fq = FakeQuantizer(symmetric)
    for _ in range(2):
        fq(torch.randn(4, 3, requires_grad=True)).sum().backward()
