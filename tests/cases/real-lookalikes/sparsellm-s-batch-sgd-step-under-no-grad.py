# case: sparsellm-s-batch-sgd-step-under-no-grad
# source: https://github.com/BaiTheBest/SparseLLM/issues/13
# expect: clean
# torch: clean
# check: float(((s[:, chunk].float() - target) ** 2).sum()) < start

# The loop with the gradient step under torch.no_grad(), the usual fix for a manual update of a leaf.
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
    with torch.no_grad():
        s_batch -= s_learning_rate * s_batch.grad
    s_batch.grad.zero_()
    s[:, chunk] = s_batch.detach().to(dtype=torch.float16)
