# case: step-after-both-losses-through-slice-of-kept-logits
# source: inplace-lint (the look-alike of step-then-backward-through-slice-of-kept-logits)
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in head.parameters())

# Both losses are backpropagated before the step.
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
second_loss(logits).backward()
opt.step()
