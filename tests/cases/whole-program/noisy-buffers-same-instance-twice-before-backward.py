# case: noisy-buffers-same-instance-twice-before-backward
# source: inplace-lint (the bug beside noisy-buffers-two-instances-and-target-copy)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The same network run twice before backward (double DQN's next-state actions from the online net): the second
# forward redraws the noise the first forward's product saved.
import torch
import torch.nn as nn
import torch.nn.functional as F


class NoisyLinear(nn.Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        self.sigma = nn.Parameter(torch.full((n_out, n_in), 0.017))
        self.register_buffer("eps", torch.zeros(n_out, n_in))

    def forward(self, x):
        self.eps.normal_()  # error: IPL003
        return F.linear(x, self.weight + self.sigma * self.eps, self.bias)


torch.manual_seed(0)
net = NoisyLinear(4, 3)
q = net(torch.randn(2, 4))
q_next = net(torch.randn(2, 4))
(q - q_next).pow(2).mean().backward()
