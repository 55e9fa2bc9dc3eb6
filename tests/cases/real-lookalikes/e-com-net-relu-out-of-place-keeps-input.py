# case: e-com-net-relu-out-of-place-keeps-input
# source: https://e-com-net.com/article/1305288637134442496.htm
# expect: clean
# torch: clean
# check: torch.equal(input, input_before) and torch.equal(output, input_before.clamp(min=0))

# The blog post's script with the default `nn.ReLU()` (inplace=False), the contrast it draws: the
# layer allocates a new output and the input printed afterwards is unchanged.

import torch
import torch.nn as nn

torch.manual_seed(0)

relu = nn.ReLU()
input = torch.randn(7)
input_before = input.clone()

print("输入数据:", input)

output = relu(input)
print("ReLU输出:", output)

print("ReLU处理后,输入数据:")
print(input)
