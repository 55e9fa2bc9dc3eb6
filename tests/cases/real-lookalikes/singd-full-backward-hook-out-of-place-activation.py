# case: singd-full-backward-hook-out-of-place-activation
# source: https://github.com/f-dangel/singd/issues/56
# expect: clean
# torch: clean
# check: len(optim.grads) == 1 and model[0].weight.grad is not None

# The minimum example with TRIGGER_BUG = False (the out-of-place ReLU), plus a backward pass: the full
# backward hook on the conv then sees its gradient. The input requires grad: otherwise torch 2.13 warns that the
# hook fires with respect to the module outputs, since no input of the first layer requires grad.
from torch import rand
from torch.nn import Conv2d, Linear, ReLU, Sequential

TRIGGER_BUG = False


class SINGD:
    def __init__(self, model):
        self.grads = {}
        for module in model.modules():
            if isinstance(module, (Conv2d, Linear)):
                module.register_full_backward_hook(self._save_grad_output)

    def _save_grad_output(self, module, grad_input, grad_output):
        self.grads[module] = grad_output[0]


model = Sequential(
    Conv2d(1, 1, 3),
    ReLU(inplace=TRIGGER_BUG),
)
optim = SINGD(model)  # install hooks

batch_size = 2
X = rand(2, 1, 5, 5, requires_grad=True)

output = model(X)
output.sum().backward()
