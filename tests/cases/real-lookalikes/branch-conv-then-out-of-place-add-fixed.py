# case: branch-conv-then-out-of-place-add-fixed
# source: https://discuss.pytorch.org/t/when-would-the-error-one-of-the-variables-needed-for-gradient-computation-has-been-modified-occur/11976/2
# expect: clean
# torch: clean
# check: torch.allclose(block.conv1_p.weight.grad, ref_grad, atol=1e-5)

# Look-alike of branch-conv-then-inplace-add-main: the answer's version, `x = x + some_layer`
# creates a new tensor, so the x that conv1_p saved is untouched; the side conv's weight
# gradient equals the one from a run where the main branch is not added to at all.
import torch
import torch.nn as nn

torch.manual_seed(0)


class TwoBranchBlock(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, c, 3, padding=1)
        self.conv1_p = nn.Conv2d(c, c, 1)
        self.shortcut = nn.Conv2d(3, c, 1)

    def forward(self, input):
        x = self.conv1(input)  # main branch
        x_p = self.conv1_p(x)  # another branch
        some_layer = self.shortcut(input)
        x = x + some_layer  # main branch
        return x, x_p


block = TwoBranchBlock()
inp = torch.randn(2, 3, 6, 6)
x, x_p = block(inp)
(x.sum() + x_p.sum()).backward()

ref = TwoBranchBlock()
ref.load_state_dict(block.state_dict())
ref.conv1_p(ref.conv1(inp)).sum().backward()
ref_grad = ref.conv1_p.weight.grad
