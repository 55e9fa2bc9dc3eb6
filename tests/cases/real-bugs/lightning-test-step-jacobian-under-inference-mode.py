# case: lightning-test-step-jacobian-under-inference-mode
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/19910
# expect: markers
# torch: raises "element 0 of tensors does not require grad and does not have a grad_fn"

# The user's check, run inside test_step: a Jacobian by autograd.grad under torch.enable_grad(). The user found
# torch.is_inference_mode_enabled() True in test_step (Lightning's test loop runs under inference_mode, reduced here
# to that context manager) and False in validation_step.
import torch
from torch import nn


class Model(nn.Module):
    def test_step(self, batch, batch_idx):
        with torch.enable_grad():
            N = 5
            f = lambda x: x ** 2  # noqa: E731
            x = torch.randn(N, requires_grad=True)
            y = f(x)
            I_N = torch.eye(N)
            # Sequential approach
            jacobian_rows = [torch.autograd.grad(y, x, v, retain_graph=True, allow_unused=True)[0]  # error: IPL011
                             for v in I_N.unbind()]
            jacobian = torch.stack(jacobian_rows)
        return jacobian


torch.manual_seed(0)
with torch.inference_mode():  # what Trainer.test() wraps test_step in by default
    Model().test_step(None, 0)
