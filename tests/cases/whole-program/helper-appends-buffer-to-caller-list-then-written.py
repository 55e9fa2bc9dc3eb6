# case: helper-appends-buffer-to-caller-list-then-written
# source: inplace-lint issue #13 (look-alike: the helper fills the caller's list with plain buffers)
# expect: clean
# torch: clean
# check: bool((buffers[0] != 0).any())
import torch


def add_buffer(buffers, dim):
    buffers.append(torch.zeros(dim))


buffers = []
add_buffer(buffers, 4)
buffers[0].add_(torch.randn(4))
