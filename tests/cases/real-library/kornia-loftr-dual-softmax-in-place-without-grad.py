# case: kornia-loftr-dual-softmax-in-place-without-grad
# source: https://github.com/kornia/kornia/blob/main/kornia/feature/loftr/utils/coarse_matching.py
# expect: clean
# torch: clean
# check: feat0.grad is not None and bool(torch.isfinite(feat0.grad).all()) and torch.allclose(conf_eval, conf_train.detach(), atol=1e-6)

# kornia 0.9.0's LoFTR CoarseMatching dual-softmax (the branch as in the library, the rest of the module reduced).
# `conf_matrix = F.softmax(sim_matrix, 2)` saves its output only when `sim_matrix` requires grad; the in-place
# `conf_matrix.mul_(...)` runs only under `if sim_matrix.requires_grad: ... else:`, where nothing was saved. Run
# both ways: with features that require grad (trained) and under no_grad (inference).
import torch
import torch.nn.functional as F


def dual_softmax(feat_c0, feat_c1, temperature=0.1):
    feat_c0, feat_c1 = (feat / feat.shape[-1] ** 0.5 for feat in [feat_c0, feat_c1])
    sim_matrix = torch.einsum("nlc,nsc->nls", feat_c0, feat_c1).div_(temperature)
    if sim_matrix.dtype == torch.float16:
        conf_matrix = F.softmax(sim_matrix, 1) * F.softmax(sim_matrix, 2)
    else:
        conf_matrix = F.softmax(sim_matrix, 2)
        if sim_matrix.requires_grad:
            col_exp = torch.exp(sim_matrix - sim_matrix.amax(dim=1, keepdim=True))
            conf_matrix = col_exp / col_exp.sum(dim=1, keepdim=True) * conf_matrix
        else:
            col_exp = sim_matrix.sub_(sim_matrix.amax(dim=1, keepdim=True)).exp_()
            conf_matrix.mul_(col_exp.div_(col_exp.sum(dim=1, keepdim=True)))
    return conf_matrix


torch.manual_seed(0)
feat0 = torch.randn(1, 6, 8, requires_grad=True)
feat1 = torch.randn(1, 5, 8)
conf_train = dual_softmax(feat0, feat1)
conf_train.sum().backward()
with torch.no_grad():
    conf_eval = dual_softmax(feat0, feat1)
