# case: mm-param-loop-clone-before-row-add-fixed
# source: https://www.yongfengli.tk/2018/04/13/inplace-operation-in-pytorch.html
# expect: clean
# torch: clean
# check: torch.allclose(m.param.grad, ref_grad, atol=1e-5)

# Look-alike of mm-param-loop-index-add: the post's clone() fix, each iteration writes the
# row into a fresh clone of b, so the b that the previous mm saved is never modified. The
# gradient matches the post's other fix (adding a one-hot column out of place).
import torch
import torch.nn as nn

torch.manual_seed(0)


class RowShift(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.n = n
        self.param = nn.Parameter(torch.randn(n, n) * 0.1)

    def forward(self, a):
        y = 0
        b = torch.mm(self.param, a)
        for i in range(self.n):
            c = b.clone()
            c[i] = c[i] + 1
            b = c
            y = y + torch.mm(self.param, b)
        return y


def forward_onehot(m, a):
    y = 0
    b = torch.mm(m.param, a)
    for i in range(m.n):
        bione = torch.zeros(m.n, 1)
        bione[i] = 1
        b = b + bione
        y = y + torch.mm(m.param, b)
    return y


m = RowShift()
a = torch.randn(4, 1)
m(a).sum().backward()

ref = RowShift()
ref.load_state_dict(m.state_dict())
forward_onehot(ref, a).sum().backward()
ref_grad = ref.param.grad
