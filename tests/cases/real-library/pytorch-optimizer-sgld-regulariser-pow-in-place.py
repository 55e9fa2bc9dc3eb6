# case: pytorch-optimizer-sgld-regulariser-pow-in-place
# source: https://github.com/kozistr/pytorch_optimizer/blob/main/pytorch_optimizer/optimizer/utils/model.py
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in net1.parameters())

# pytorch_optimizer 4.1.0's `reg_noise` (utils/model.py): `(param1 - param2).pow_(2).mul_(reg_coef).sum()`. With a
# Python number for the exponent, `pow_` is torch's Scalar overload: it keeps a copy of its input, not its result,
# so the `mul_` after it changes nothing backward needs (as `x ** 2` then an in-place op). The analysis once read
# the tensor-exponent overload, which does save its result (a false IPL003). Also `torch.pow(x, 2)` and `x.pow(2)`.
import math

import torch
from torch import nn


def reg_noise(network1, network2, num_data, lr, eta=8e-3, temperature=1e-4):
    reg_coef = 0.5 / (eta * num_data)
    noise_coef = math.sqrt(2.0 / lr / num_data * temperature)
    loss = torch.tensor(0.0, device=next(network1.parameters()).device)
    for param1, param2 in zip(network1.parameters(), network2.parameters()):
        reg = (param1 - param2).pow_(2).mul_(reg_coef).sum()
        noise = param1 * torch.randn_like(param1)
        noise.add_(param2 * torch.randn_like(param2))
        loss.add_(reg - noise.mul_(noise_coef).sum())
    return loss


torch.manual_seed(0)
net1, net2 = nn.Linear(3, 2), nn.Linear(3, 2)
x = torch.randn(5, 3)
y = torch.pow(net1(x), 2)
y.add_(1)
z = net1(x).pow(exponent=2)
z.mul_(0.5)
loss = y.sum() + z.sum() + reg_noise(net1, net2, num_data=10, lr=0.1)
loss.backward()
