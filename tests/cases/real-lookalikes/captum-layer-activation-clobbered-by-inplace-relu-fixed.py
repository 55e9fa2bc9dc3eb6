# case: captum-layer-activation-clobbered-by-inplace-relu-fixed
# source: https://github.com/meta-pytorch/captum/issues/156
# expect: clean
# torch: clean
# check: float(torch.norm(mylayer(input).detach() - attribution, p=2)) < 1e-5

# The same script with the fix captum adopted in its layer-evaluation hook: the hook
# stores a clone of the layer's output (`tuple(eval_tsr.clone() for eval_tsr in
# eval_tsrs)` in `_forward_layer_distributed_eval`), so the in-place ReLU that follows
# overwrites the model's tensor and not the saved activation.
import torch
import torch.nn as nn


def _forward_layer_eval(forward_func, inputs, layer):
    saved_layer_output = None

    def forward_hook(module, inp, out):
        nonlocal saved_layer_output
        saved_layer_output = out.clone()

    hook = layer.register_forward_hook(forward_hook)
    forward_func(inputs)
    hook.remove()
    return saved_layer_output


class LayerActivation:
    def __init__(self, forward_func, layer):
        self.forward_func = forward_func
        self.layer = layer

    def attribute(self, inputs):
        with torch.no_grad():
            return _forward_layer_eval(self.forward_func, inputs, self.layer)


torch.manual_seed(23)
model = nn.Sequential(nn.Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)),
                      nn.ReLU(inplace=True),
                      nn.Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)),
                      nn.ReLU(inplace=True))

layer_act = LayerActivation(model, model[0])
input = torch.randn(1, 3, 5, 5)
mylayer = model[0]
attribution = layer_act.attribute(input)
print(torch.norm(mylayer(input) - attribution, p=2))
