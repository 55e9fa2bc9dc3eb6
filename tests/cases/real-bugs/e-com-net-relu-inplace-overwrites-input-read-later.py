# case: e-com-net-relu-inplace-overwrites-input-read-later
# source: https://e-com-net.com/article/1305288637134442496.htm
# expect: markers
# torch: clean
# check: torch.equal(input, output) and not torch.equal(input, input_before)

# A blog post on what `inplace=True` means: `relu = nn.ReLU(inplace=True)` is applied to
# `input = torch.randn(7)`, the output is printed, and then the input is printed again "after ReLU"
# to show that the layer overwrote the tensor passed to it ("会修改输入数据"). Reproduced as posted
# (seeded); `input_before` only keeps a copy for the check: the caller reads `input` again after
# the call and silently gets the ReLU output instead of its data.

import torch
import torch.nn as nn

torch.manual_seed(0)

relu = nn.ReLU(inplace=True)
input = torch.randn(7)
input_before = input.clone()

print("输入数据:", input)

output = relu(input)  # error: IPL008
print("ReLU输出:", output)

print("ReLU处理后,输入数据:")
print(input)
