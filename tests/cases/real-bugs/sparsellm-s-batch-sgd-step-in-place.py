# case: sparsellm-s-batch-sgd-step-in-place
# source: https://github.com/BaiTheBest/SparseLLM/issues/13
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# The loop quoted in the issue: a manual gradient step on s_batch, a slice of s made into a leaf that requires grad.
# The loss is a stand-in.
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
    s_batch -= s_learning_rate * s_batch.grad  # error: IPL001
    s_batch.grad.zero_()
    s[:, chunk] = s_batch.detach().to(dtype=torch.float16)
