# case: mlcolvar-feedforward-dropout-after-inplace-relu
# source: https://github.com/luigibonati/mlcolvar/issues/118
# expect: clean
# torch: clean
# check: all(torch.allclose(p.grad, r) for p, r in zip(model.parameters(), ref_grads))

# The look-alike of mlcolvar-feedforward-inplace-dropout-after-inplace-relu: mlcolvar's later FeedForward, which
# appends `torch.nn.Dropout(p=drop)` without `inplace=True`; `get_activation("relu")` still returns an in-place
# `torch.nn.ReLU(True)`, which is fine right after a Linear. The reference gradients come from a copy of the
# network with every ReLU made out of place, run with the same seed (same dropout masks).

import copy

import torch


def get_activation(activation: str):
    """Return activation module given string."""
    activ = None
    if activation == "relu":
        activ = torch.nn.ReLU(True)
    elif activation == "elu":
        activ = torch.nn.ELU(True)
    elif activation == "tanh":
        activ = torch.nn.Tanh()
    elif activation == "softplus":
        activ = torch.nn.Softplus()
    elif activation == "linear":
        print("WARNING: no activation selected")
    elif activation is None:
        pass
    else:
        raise ValueError(f"Unknown activation: {activation}.")
    return activ


def parse_nn_options(options, n_layers: int, last_layer_activation: bool):
    if hasattr(options, "__iter__") and not isinstance(options, str):
        if len(options) != n_layers:
            raise ValueError(f"Length of options: {options} should be equal to number of layers ({n_layers}).")
        options_list = options
    else:
        if last_layer_activation:
            options_list = [options for _ in range(n_layers)]
        else:
            options_list = [options for _ in range(n_layers - 1)]
            options_list.append(None)
    return options_list


class FeedForward(torch.nn.Module):
    def __init__(self, layers, activation="relu", dropout=None, batchnorm=False, last_layer_activation=False):
        super().__init__()
        n_layers = len(layers) - 1
        activation_list = parse_nn_options(activation, n_layers, last_layer_activation)
        dropout_list = parse_nn_options(dropout, n_layers, last_layer_activation)
        batchnorm_list = parse_nn_options(batchnorm, n_layers, last_layer_activation)

        modules = []
        for i in range(len(layers) - 1):
            modules.append(torch.nn.Linear(layers[i], layers[i + 1]))
            activ, drop, norm = activation_list[i], dropout_list[i], batchnorm_list[i]

            if activ is not None:
                modules.append(get_activation(activ))

            if drop is not None:
                modules.append(torch.nn.Dropout(p=drop))

            if norm:
                modules.append(torch.nn.BatchNorm1d(layers[i + 1]))

        self.nn = torch.nn.Sequential(*modules)
        self.in_features = layers[0]
        self.out_features = layers[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.nn(x)


torch.manual_seed(0)
model = FeedForward([4, 3, 2, 1], dropout=[0.2, 0.4, 0.6])
x = torch.randn(8, 4)
target_center = torch.ones(8, 1)
reference = copy.deepcopy(model)
for m in reference.modules():
    if isinstance(m, torch.nn.ReLU):
        m.inplace = False

torch.manual_seed(1)
loss = ((model(x) - target_center) ** 2).mean()
loss.backward()

torch.manual_seed(1)
ref_loss = ((reference(x) - target_center) ** 2).mean()
ref_grads = torch.autograd.grad(ref_loss, list(reference.parameters()))
