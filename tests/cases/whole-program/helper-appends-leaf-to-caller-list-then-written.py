# case: helper-appends-leaf-to-caller-list-then-written
# source: inplace-lint issue #13 (a helper fills the caller's list with learnable tensors; the caller then writes one in place)
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"
import torch


def add_prompt(prompts, dim):
    prompts.append(torch.zeros(dim, requires_grad=True))


prompts = []
add_prompt(prompts, 4)
prompts[0].add_(torch.randn(4))  # error: IPL001
