# case: mlcolvar-feedforward-inplace-dropout-after-inplace-relu
# source: https://github.com/luigibonati/mlcolvar/issues/118
# expect: markers
# torch: raises "is at version 2; expected version 1 instead"
# known-miss: the activation and dropout options reach the loop through lists that `parse_nn_options` builds (`[options for _ in range(n)]`); the analysis does not carry constants through lists, so `get_activation(activ)` may return any of its modules and which layer follows which is not known

# The thread: a DeepTDA collective variable built with `options={'nn': {'dropout': [0.2, 0.4, 0.6]}}` fails at
# backward with "one of the variables needed for gradient computation has been modified by an inplace operation:
# ..., which is output 0 of ReluBackward0, is at version 2; expected version 1 instead"; the user points at
# `torch.nn.Dropout(p=drop, inplace=True)` in mlcolvar's FeedForward (mlcolvar/core/nn/feedforward.py). FeedForward
# appends, layer by layer, a Linear, the activation returned by `get_activation` (for "relu" an in-place
# `torch.nn.ReLU(True)`, which saves its output) and the in-place Dropout, then wraps the list in
# `torch.nn.Sequential(*modules)`: the Dropout rewrites the ReLU's output.
# Reduced: FeedForward is an nn.Module instead of a LightningModule; the DeepTDA loss is replaced by a squared
# distance to a target centre; layers [4, 3, 2, 1] and a batch of 8.

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
                modules.append(torch.nn.Dropout(p=drop, inplace=True))  # error: IPL003

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
loss = ((model(x) - target_center) ** 2).mean()
loss.backward()
