# case: sparsellm-s-batch-rebound-loses-grad
# source: https://github.com/BaiTheBest/SparseLLM/issues/13
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# The maintainer's suggested fix, taken literally: `s_batch = s_batch - s_learning_rate * s_batch.grad`. The
# rebinding makes s_batch a non-leaf, so the next line reads .grad of a non-leaf: torch warns (an error here, since
# the cases run with UserWarnings as errors) and the .grad it returns is None, so s_batch.grad.zero_() would
# fail next.
import torch

torch.manual_seed(0)
s = torch.rand(4, 6, dtype=torch.float16)
chunk = slice(0, 3)
s_learning_rate = 0.1
target = torch.rand(4, 3)
for _ in range(2):
    s_batch = s[:, chunk].float().requires_grad_(True)
    loss_s = ((s_batch - target) ** 2).sum()
    loss_s.backward()
    s_batch = s_batch - s_learning_rate * s_batch.grad  # error: IPL005
    s_batch.grad.zero_()
    s[:, chunk] = s_batch.detach().to(dtype=torch.float16)
