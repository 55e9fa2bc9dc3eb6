# case: activation-factory-gelu-then-dropout-in-place
# source: inplace-lint issue #13 (look-alike: an activation chosen by name, then an in-place dropout)
# expect: clean
# torch: clean
# check: x.grad is not None

# The factory returns F.gelu for "gelu"; GELU saves its input, not its output, so the dropout made in place by
# the .modules() loop may overwrite the activation's result. (With "relu" it would overwrite what ReLU saved.)
import torch
import torch.nn.functional as F
from torch import nn


def get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}.")


class FeedForward(nn.Module):
    def __init__(self, d_model, activation="gelu"):
        super().__init__()
        self.linear1 = nn.Linear(d_model, 2 * d_model)
        self.linear2 = nn.Linear(2 * d_model, d_model)
        self.dropout = nn.Dropout(0.1)
        self.activation = get_activation_fn(activation)
        for m in self.modules():
            if isinstance(m, nn.Dropout):
                m.inplace = True

    def forward(self, x):
        return x + self.linear2(self.dropout(self.activation(self.linear1(x))))


torch.manual_seed(0)
model = FeedForward(8)
model.train()
x = torch.randn(3, 8, requires_grad=True)
model(x).sum().backward()
