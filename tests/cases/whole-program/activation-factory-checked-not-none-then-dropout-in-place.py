# case: activation-factory-checked-not-none-then-dropout-in-place
# source: https://github.com/luigibonati/mlcolvar/issues/118 (the shape of FeedForward: a factory that may return None, its result appended only when it is not None, then an in-place Dropout)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch


def get_activation(activation):
    activ = None
    if activation == "relu":
        activ = torch.nn.ReLU(True)
    elif activation == "tanh":
        activ = torch.nn.Tanh()
    return activ


class FeedForward(torch.nn.Module):
    def __init__(self, layers, activation="relu", dropout=None):
        super().__init__()
        modules = []
        for i in range(len(layers) - 1):
            modules.append(torch.nn.Linear(layers[i], layers[i + 1]))
            activ = get_activation(activation)
            if activ is not None:
                modules.append(activ)
            if dropout is not None:
                modules.append(torch.nn.Dropout(p=dropout, inplace=True))  # error: IPL003
        self.nn = torch.nn.Sequential(*modules)

    def forward(self, x):
        return self.nn(x)


model = FeedForward([4, 3, 2, 1], dropout=0.2)
model(torch.randn(8, 4)).sum().backward()
