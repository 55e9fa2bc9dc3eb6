# case: classmethod-called-on-class-unsqueezes-leaf-slice
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# A Lie-group helper class (liegroups' `SE3.exp`, a classmethod called on the class) takes the translation part of a
# pose vector that is being optimised, `rho = xi[:, :3]`, and reshapes it in place with `rho.unsqueeze_(dim=2)`:
# `rho` is a view of the leaf `xi`.
import torch


class SE3:
    @classmethod
    def exp(cls, xi):
        rho = xi[:, :3]
        if rho.dim() < 3:
            rho.unsqueeze_(dim=2)  # error: IPL002
        return cls.scale(rho)

    @classmethod
    def scale(cls, rho):
        return 2 * rho


xi = torch.zeros(1, 6, requires_grad=True)
SE3.exp(xi).sum().backward()
