# case: loop-matmul-into-plain-buffer-fixed
# source: https://github.com/pytorch/pytorch/issues/53348
# expect: clean
# torch: clean
# check: torch.allclose(ma.grad, ref_ma_grad, atol=1e-5) and torch.allclose(mb.grad, ref_mb_grad, atol=1e-5)

# Look-alike of loop-matmul-into-leaf-result: the same loops, but the result buffer is a
# plain zeros tensor that does not require grad. The indexed writes then record CopySlices
# nodes on a graph-interior tensor and the gradients of ma and mb match those of `ma @ mb`.
import torch

torch.manual_seed(0)


def loop_matmul(ma, mb):
    B, C, H, W = ma.shape
    B, C, W, K = mb.shape
    res_torch = torch.zeros((B, C, H, K))
    for b in range(B):
        for c in range(C):
            for h in range(H):
                for k in range(K):
                    for r in range(W):
                        res_torch[b][c][h][k] = res_torch[b][c][h][k] + ma[b][c][h][r] * mb[b][c][r][k]
    return res_torch


ma = torch.randn(2, 3, 3, 4).requires_grad_(True)
mb = torch.randn(2, 3, 4, 5).requires_grad_(True)
res = loop_matmul(ma, mb)
(res ** 2).sum().backward()

ma2 = ma.detach().clone().requires_grad_(True)
mb2 = mb.detach().clone().requires_grad_(True)
((ma2 @ mb2) ** 2).sum().backward()
ref_ma_grad, ref_mb_grad = ma2.grad, mb2.grad
