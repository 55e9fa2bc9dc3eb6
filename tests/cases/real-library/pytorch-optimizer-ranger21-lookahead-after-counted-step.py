# case: pytorch-optimizer-ranger21-lookahead-after-counted-step
# source: https://github.com/kozistr/pytorch_optimizer/blob/main/pytorch_optimizer/optimizer/ranger21.py
# expect: clean
# torch: clean
# check: w.grad is not None and not torch.equal(w.detach(), w0)

# pytorch_optimizer 4.1.0's Ranger21: `step` (under `@torch.no_grad()`) counts the parameters into `param_size: int
# = 0` with `param_size += group_size`, raises when the count is still 0, and ends with `lookahead_process_step()`,
# whose `p.lerp_(...)` writes the Parameters -- with grad off, since only `step` calls it. The analysis once kept
# `param_size` at 0 through the `+=`, decided that `step` always raises before the call, and analysed the helper
# with grad on (a false IPL001). The update is reduced to SGD; the lookahead merges every second step.
import torch


class Ranger(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1, lookahead_merge_time=2, lookahead_blending_alpha=0.5):
        super().__init__(params, dict(lr=lr))
        self.lookahead_merge_time = lookahead_merge_time
        self.lookahead_blending_alpha = lookahead_blending_alpha
        self.lookahead_step = 0

    def _preprocess_group(self, group):
        group_size = 0
        for p in group['params']:
            if p.grad is None:
                continue
            group_size += p.numel()
            state = self.state[p]
            if 'lookahead_params' not in state:
                state['lookahead_params'] = p.detach().clone()
        return group_size

    @torch.no_grad()
    def step(self, closure=None):
        param_size: int = 0
        for group in self.param_groups:
            group_size = self._preprocess_group(group)
            param_size += group_size
        if param_size == 0:
            raise ValueError("no parameter to update")
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group['lr'])
        self.lookahead_process_step()

    def lookahead_process_step(self):
        self.lookahead_step += 1
        if self.lookahead_step >= self.lookahead_merge_time:
            self.lookahead_step: int = 0
            for group in self.param_groups:
                for p in group['params']:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    p.lerp_(state['lookahead_params'], weight=1.0 - self.lookahead_blending_alpha)
                    state['lookahead_params'].copy_(p)


w = torch.nn.Parameter(torch.randn(4))
w0 = w.detach().clone()
opt = Ranger([w])
for _ in range(4):
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()
