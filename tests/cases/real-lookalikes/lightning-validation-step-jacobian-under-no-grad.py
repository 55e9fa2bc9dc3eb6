# case: lightning-validation-step-jacobian-under-no-grad
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/19910
# expect: clean
# torch: clean
# check: torch.allclose(jacobian, torch.diag(2 * x))

# The same Jacobian check in validation_step, which the user reports working: Lightning's validation loop runs
# under torch.no_grad() (inference mode off there), and torch.enable_grad() turns recording back on.
import torch
from torch import nn


class Model(nn.Module):
    def validation_step(self, batch, batch_idx):
        with torch.enable_grad():
            N = 5
            f = lambda x: x ** 2  # noqa: E731
            x = torch.randn(N, requires_grad=True)
            y = f(x)
            I_N = torch.eye(N)
            # Sequential approach
            jacobian_rows = [torch.autograd.grad(y, x, v, retain_graph=True, allow_unused=True)[0]
                             for v in I_N.unbind()]
            jacobian = torch.stack(jacobian_rows)
        return jacobian, x


torch.manual_seed(0)
with torch.no_grad():  # what Trainer.validate() wraps validation_step in
    jacobian, x = Model().validation_step(None, 0)
