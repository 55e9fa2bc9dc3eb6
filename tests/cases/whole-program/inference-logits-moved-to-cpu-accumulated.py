# case: inference-logits-moved-to-cpu-accumulated
# source: inplace-lint (the shape of https://github.com/MIC-DKFZ/nnUNet/issues/2364, reduced)
# expect: markers
# torch: raises "Inplace update to inference tensor outside InferenceMode"

# `.to("cpu")` of a CPU tensor returns the tensor itself: the sum starts as the first inference result, and the
# in-place add outside inference mode raises.
import torch
import torch.nn as nn


class Predictor:
    def __init__(self, net):
        self.net = net

    @torch.inference_mode()
    def logits(self, x):
        return self.net(x)

    def ensemble(self, x, n):
        with torch.no_grad():
            total = self.logits(x).to("cpu")
            for _ in range(n - 1):
                total += self.logits(x).to("cpu")  # error: IPL011
        return total


Predictor(nn.Linear(3, 2)).ensemble(torch.randn(4, 3), 2)
