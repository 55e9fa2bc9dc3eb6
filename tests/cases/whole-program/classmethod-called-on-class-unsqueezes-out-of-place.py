# case: classmethod-called-on-class-unsqueezes-out-of-place
# expect: clean
# torch: clean
# check: xi.grad is not None and bool((xi.grad[:, :3] == 2).all())

# The helper of classmethod-called-on-class-unsqueezes-leaf-slice as later liegroups releases write it:
# `rho = rho.unsqueeze(dim=2)` makes a new view and leaves the leaf's slice alone.
import torch


class SE3:
    @classmethod
    def exp(cls, xi):
        rho = xi[:, :3]
        if rho.dim() < 3:
            rho = rho.unsqueeze(dim=2)
        return cls.scale(rho)

    @classmethod
    def scale(cls, rho):
        return 2 * rho


xi = torch.zeros(1, 6, requires_grad=True)
SE3.exp(xi).sum().backward()
