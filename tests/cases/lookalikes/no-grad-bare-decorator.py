# case: no-grad-bare-decorator
# expect: clean
# torch: clean
# check: torch.equal(w.detach(), torch.tensor([1.0, 0.0]))

import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)


@torch.no_grad
def project():
    w.clamp_(min=0.0)


project()
