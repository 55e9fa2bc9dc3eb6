# case: singd-full-backward-hook-inplace-activation
# source: https://github.com/f-dangel/singd/issues/56
# expect: markers
# torch: raises "is a view and is being modified inplace. This view was created inside a custom Function"

# The minimum example with TRIGGER_BUG = True. SINGD's constructor installs full backward hooks on the
# model's Conv2d/Linear layers; singd is not installed here, so the optimizer is reduced to that step.
from torch import rand
from torch.nn import Conv2d, Linear, ReLU, Sequential

TRIGGER_BUG = True


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
    ReLU(inplace=TRIGGER_BUG),  # error: IPL012
)
optim = SINGD(model)  # install hooks

batch_size = 2
X = rand(2, 1, 5, 5)

output = model(X)
