# case: step-then-backward-through-slice-of-kept-logits
# source: inplace-lint (the shape of https://github.com/rungjoo/Stable-Style-Transformer/issues/1, reduced)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The logits are kept across an optimizer step and a slice of them feeds a second loss: the slice's graph is the
# logits' graph, whose saved weight the step changed.
import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 4)
        self.out = nn.Linear(4, 6)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def second_loss(logits):
    inner = logits[1:-1]
    return (inner.softmax(-1) * torch.arange(6.0)).sum()


head = Head()
opt = torch.optim.SGD(head.parameters(), lr=0.1)
logits = head(torch.randn(5, 4))
opt.zero_grad()
logits.pow(2).mean().backward(retain_graph=True)
opt.step()  # error: IPL003
second_loss(logits).backward()
