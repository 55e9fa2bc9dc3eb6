# case: captum-layer-activation-clobbered-by-inplace-relu
# source: https://github.com/meta-pytorch/captum/issues/156
# expect: markers
# torch: clean
# check: float(torch.norm(mylayer(input).detach() - attribution, p=2)) > 1e-3

# The reporter's script: captum's LayerActivation on the first conv of an nn.Sequential
# whose next module is nn.ReLU(inplace=True), compared with calling the conv directly.
# captum's layer evaluation of the time is kept in substance (`_forward_layer_eval`): a
# forward hook on the layer stores the layer's output tensor itself, the whole model is
# run, and the stored tensor is returned. The in-place ReLU that follows in the Sequential takes that very
# tensor as its input and overwrites it, so the "activation" handed back is
# relu(conv(x)), not conv(x): no error, silently wrong values (norm 3.46 in the report).
# The marker is on that ReLU, the module whose in-place write does the damage.
import torch
import torch.nn as nn


def _forward_layer_eval(forward_func, inputs, layer):
    saved_layer_output = None

    def forward_hook(module, inp, out):
        nonlocal saved_layer_output
        saved_layer_output = out

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
                      nn.ReLU(inplace=True),  # error: IPL008
                      nn.Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)),
                      nn.ReLU(inplace=True))

layer_act = LayerActivation(model, model[0])
input = torch.randn(1, 3, 5, 5)
mylayer = model[0]
attribution = layer_act.attribute(input)
print(torch.norm(mylayer(input) - attribution, p=2))
