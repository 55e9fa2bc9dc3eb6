# case: fchardnet-copy-weights-into-conv
# source: https://github.com/PingoLH/FCHarDNet/issues/61
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# test.py of FCHarDNet folds weights into a convolution before testing: `cconv.weight[:,:,:,:] = W[:,:,:,:]` on a
# module's weight. The surrounding fusion code is reduced to computing W from the conv and its batch norm. The issue
# reports "a view of a leaf Variable"; torch 2.13 gives the plain leaf message for an all-`:` index (the substring
# above matches both).
import torch
import torch.nn as nn

torch.manual_seed(0)
conv = nn.Conv2d(2, 2, 3, bias=False)
bn = nn.BatchNorm2d(2)
cconv = nn.Conv2d(2, 2, 3, bias=True)
W = conv.weight.detach() * (bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)).view(-1, 1, 1, 1)
cconv.weight[:, :, :, :] = W[:, :, :, :]  # error: IPL002
