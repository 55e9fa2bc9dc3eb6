# case: pytorch-optimizer-lora-rite-pairs-list-slices
# source: https://github.com/kozistr/pytorch_optimizer/blob/main/pytorch_optimizer/optimizer/lora_rite.py
# expect: clean
# torch: clean
# check: left.grad is not None and right.grad is not None and not torch.equal(left.detach(), left0)

# pytorch_optimizer 4.1.0's LoRARite pairs the parameters of a group with `params = list(group['params'])` and
# `zip(params[::2], params[1::2])`: slices of a Python list, which are lists of the Parameters themselves, not views
# of a tensor. The analysis once took a slice of a list for its elements and the loop over the zip for rows of a
# Parameter (IPL005 "binds a view of a leaf" on `.grad`). The update is reduced to plain SGD on each pair.
import torch


class PairOptimizer(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    @staticmethod
    def iter_lora_pairs(group):
        params = list(group['params'])
        return list(zip(params[::2], params[1::2]))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for param_left, param_right in self.iter_lora_pairs(group):
                if param_left.grad is None or param_right.grad is None:
                    continue
                param_left.add_(param_left.grad, alpha=-group['lr'])
                param_right.add_(param_right.grad, alpha=-group['lr'])


left = torch.nn.Parameter(torch.randn(3, 2))
right = torch.nn.Parameter(torch.randn(2, 3))
left0 = left.detach().clone()
opt = PairOptimizer([left, right])
(left @ right).pow(2).sum().backward()
opt.step()
