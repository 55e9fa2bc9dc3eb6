# case: loop-matmul-into-leaf-result
# source: https://github.com/pytorch/pytorch/issues/53348
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# The report: to get the gradient of a batched matmul written as explicit loops, the user
# allocates the result with `torch.zeros(..., requires_grad=True)` and accumulates every
# entry through chained indexing `res_torch[b][c][h][k] = res_torch[b][c][h][k] + ...`.
# res_torch is a leaf that requires grad, so each indexed write is an in-place write through
# a view of that leaf. (torch 1.8 said "leaf variable has been moved into the graph
# interior"; torch 2.x rejects the first write.) Wrapped in a helper; sizes from the thread.
import torch


def loop_matmul(ma, mb):
    B, C, H, W = ma.shape
    B, C, W, K = mb.shape
    res_torch = torch.zeros((B, C, H, K), requires_grad=True)
    for b in range(B):
        for c in range(C):
            for h in range(H):
                for k in range(K):
                    for r in range(W):
                        res_torch[b][c][h][k] = res_torch[b][c][h][k] + ma[b][c][h][r] * mb[b][c][r][k]  # error: IPL002
    return res_torch


ma = torch.randn(2, 3, 3, 4).requires_grad_(True)
mb = torch.randn(2, 3, 4, 5).requires_grad_(True)
res = loop_matmul(ma, mb)
res.sum().backward()
print(ma.grad)
