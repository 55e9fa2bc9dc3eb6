# case: inference-logits-cloned-to-cpu-accumulated
# source: inplace-lint (the look-alike of inference-logits-moved-to-cpu-accumulated: the fix of the thread)
# expect: clean
# torch: clean
# check: out.shape == (4, 2) and not out.is_inference()

# `.clone()` outside inference mode makes a normal tensor: the in-place add is allowed.
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
            total = self.logits(x).to("cpu").clone()
            for _ in range(n - 1):
                total += self.logits(x).to("cpu").clone()
        return total


out = Predictor(nn.Linear(3, 2)).ensemble(torch.randn(4, 3), 2)
