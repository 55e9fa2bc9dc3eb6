# case: sparsellm-s-batch-update-from-read-grad
# source: https://github.com/BaiTheBest/SparseLLM/issues/13
# expect: clean
# torch: clean
# check: float(((s[:, chunk].float() - target) ** 2).sum()) < start

# The maintainer's out-of-place update, kept working: the gradient is read before s_batch is rebound, and the
# rebound value is only written back into s (nobody reads s_batch.grad again).
import torch

torch.manual_seed(0)
s = torch.rand(4, 6, dtype=torch.float16)
chunk = slice(0, 3)
s_learning_rate = 0.1
target = torch.rand(4, 3)
start = float(((s[:, chunk].float() - target) ** 2).sum())
for _ in range(2):
    s_batch = s[:, chunk].float().requires_grad_(True)
    loss_s = ((s_batch - target) ** 2).sum()
    loss_s.backward()
    grad = s_batch.grad
    s_batch = s_batch.detach() - s_learning_rate * grad
    s[:, chunk] = s_batch.to(dtype=torch.float16)
