# case: fchardnet-copy-weights-into-conv-under-no-grad
# source: https://github.com/PingoLH/FCHarDNet/issues/61
# expect: clean
# torch: clean
# check: torch.equal(cconv.weight, W) and cconv.weight.requires_grad

# The fused weights copied into the conv under torch.no_grad() (the fix for loading weights into a parameter).
import torch
import torch.nn as nn

torch.manual_seed(0)
conv = nn.Conv2d(2, 2, 3, bias=False)
bn = nn.BatchNorm2d(2)
cconv = nn.Conv2d(2, 2, 3, bias=True)
W = conv.weight.detach() * (bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)).view(-1, 1, 1, 1)
with torch.no_grad():
    cconv.weight[:, :, :, :] = W[:, :, :, :]
