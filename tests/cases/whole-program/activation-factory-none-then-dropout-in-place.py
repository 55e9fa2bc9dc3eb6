# case: activation-factory-none-then-dropout-in-place
# source: https://github.com/luigibonati/mlcolvar/issues/118 (the look-alike: the factory returns None for "linear", so each in-place Dropout follows a Linear, which does not save its output)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.parameters())
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
                modules.append(torch.nn.Dropout(p=dropout, inplace=True))
        self.nn = torch.nn.Sequential(*modules)

    def forward(self, x):
        return self.nn(x)


model = FeedForward([4, 3, 2, 1], activation="linear", dropout=0.2)
model(torch.randn(8, 4)).sum().backward()
