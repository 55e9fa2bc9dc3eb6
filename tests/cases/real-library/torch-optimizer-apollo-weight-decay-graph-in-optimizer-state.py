# case: torch-optimizer-apollo-weight-decay-graph-in-optimizer-state
# source: https://github.com/jettify/pytorch-optimizer/blob/master/torch_optimizer/apollo.py
# expect: markers
# torch: clean
# check: not torch.equal(net.weight.detach(), w0) and opt.state[net.weight]['approx_hessian'].requires_grad

# torch_optimizer 0.3.0's Apollo.step has no `@torch.no_grad()`: with weight decay, `grad = grad.add(p, alpha=wd)`
# requires grad, so `delta_grad.div_(denom).mul_(d_p)` records a graph that saves `d_p`, which `d_p.copy_(...)` then
# overwrites. Nothing ever backpropagates through an optimizer's own computations (the state `B` silently joins a
# graph, which the check shows, but training runs clean), so the analysis records no save inside a
# `torch.optim.Optimizer` subclass (it once reported IPL003 on the `copy_`). Reduced: the step as in the library,
# without its warmup and rectification options.
import torch
from torch.optim.optimizer import Optimizer


class Apollo(Optimizer):
    def __init__(self, params, lr=1e-2, beta=0.9, eps=1e-4, weight_decay=0):
        defaults = dict(lr=lr, beta=beta, eps=eps, weight_decay=weight_decay)
        super(Apollo, self).__init__(params, defaults)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = 0
                    state['exp_avg_grad'] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state['approx_hessian'] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state['update'] = torch.zeros_like(p, memory_format=torch.preserve_format)
                grad = p.grad.data
                if group['weight_decay'] != 0:
                    grad = grad.add(p, alpha=group['weight_decay'])
                beta = group['beta']
                exp_avg_grad = state['exp_avg_grad']
                B = state['approx_hessian']
                d_p = state['update']
                state['step'] += 1
                bias_correction = 1 - beta ** state['step']
                alpha = (1 - beta) / bias_correction
                delta_grad = grad - exp_avg_grad
                exp_avg_grad.add_(delta_grad, alpha=alpha)
                denom = d_p.norm(p=4).add(group['eps'])
                d_p.div_(denom)
                v_sq = d_p.mul(d_p)
                delta = delta_grad.div_(denom).mul_(d_p).sum().mul(-alpha) - B.mul(v_sq).sum()
                B.addcmul_(v_sq, delta)
                denom = B.abs().clamp_(min=1)
                d_p.copy_(exp_avg_grad.div(denom))
                p.data.add_(d_p, alpha=-group['lr'])  # warning: IPL004
        return loss


torch.manual_seed(0)
net = torch.nn.Linear(4, 2)
w0 = net.weight.detach().clone()
opt = Apollo(net.parameters(), lr=0.01, weight_decay=0.1)
for _ in range(3):
    opt.zero_grad()
    net(torch.randn(5, 4)).pow(2).sum().backward()
    opt.step()
