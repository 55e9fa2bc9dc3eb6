# case: inference-mode-view-of-normal-tensor-written-outside
# source: https://github.com/pytorch/rfcs/pull/17
# expect: markers
# torch: raises "A view was created in inference mode and is being modified inplace in normal mode"

# RFC-0011 (InferenceMode): "a view of normal tensor created in inference mode is still a normal tensor (but with
# special creation_meta!)". Written as a script: a slice of an activation taken under inference_mode to peek at it,
# later patched in place during training. (The RFC describes the behaviour; the script around it is ours.)
import torch

w = torch.ones(4, requires_grad=True)
h = w * 2
with torch.inference_mode():
    head = h[:2]
head.zero_()  # error: IPL010
h.sum().backward()
