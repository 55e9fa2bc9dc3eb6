# case: megablocks-router-normalizes-topk-weights-in-place
# source: https://github.com/databricks/megablocks/pull/70
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# megablocks/layers/router.py, LearnedRouter.forward before the PR ("Change router weight norm from in-place"):
# with moe_normalize_expert_weights set, the top-k expert weights are divided in place by their own norm, which
# torch.norm saved for its backward (the PR's error: "output 0 of DivBackward0, is at version 1; expected version
# 0"). The PR replaced it with `expert_weights = expert_weights / torch.norm(...)`; the `/=` spelling of the old
# line is our reading of the PR's title and error. The router is kept (args as a namespace, jitter, _top_k); a dense
# loop over a few nn.Linear experts stands in for megablocks' sparse MoE kernels.
from types import SimpleNamespace

import torch


class LearnedRouter(torch.nn.Module):

    def __init__(self, args):
        super().__init__()
        self.args = args
        self.layer = torch.nn.Linear(args.hidden_size, args.moe_num_experts, bias=False)
        args.init_method(self.layer.weight)

    def jitter(self, x):
        low = 1.0 - self.args.moe_jitter_eps
        high = 1.0 + self.args.moe_jitter_eps
        noise = torch.rand(x.size(), dtype=x.dtype, device=x.device)
        return low + noise * (high - low)

    def _top_k(self, scores):
        if self.args.moe_top_k == 1:
            return scores.max(dim=-1, keepdim=True)
        return torch.topk(scores, self.args.moe_top_k, dim=-1)

    def forward(self, x):
        if self.training and self.args.moe_jitter_eps is not None:
            x = x * self.jitter(x)

        scores = self.layer(x.view(-1, x.shape[-1])).softmax(dim=-1)
        expert_weights, expert_indices = self._top_k(scores)
        if self.args.moe_normalize_expert_weights:
            expert_weights /= torch.norm(  # error: IPL003
                expert_weights, p=self.args.moe_normalize_expert_weights, dim=-1, keepdim=True)
        if self.args.moe_top_k == 1:
            expert_indices = expert_indices.squeeze(-1)
        return scores, expert_weights, expert_indices


class DenseMoE(torch.nn.Module):
    def __init__(self, args):
        super().__init__()
        self.router = LearnedRouter(args)
        self.experts = torch.nn.ModuleList(
            torch.nn.Linear(args.hidden_size, args.hidden_size) for _ in range(args.moe_num_experts))

    def forward(self, x):
        scores, expert_weights, expert_indices = self.router(x)
        tokens = x.view(-1, x.shape[-1])
        out = torch.zeros_like(tokens)
        for k in range(expert_indices.shape[-1]):
            for e, expert in enumerate(self.experts):
                routed = (expert_indices[:, k] == e).unsqueeze(-1)
                out = out + routed * expert_weights[:, k:k + 1] * expert(tokens)
        return out.view_as(x)


torch.manual_seed(0)
args = SimpleNamespace(hidden_size=8, moe_num_experts=4, moe_top_k=2, moe_jitter_eps=0.01,
                       moe_normalize_expert_weights=1, init_method=torch.nn.init.xavier_uniform_)
moe = DenseMoE(args).train()
optimizer = torch.optim.SGD(moe.parameters(), lr=0.1)
x, target = torch.randn(2, 5, 8), torch.randn(2, 5, 8)
optimizer.zero_grad()
loss = torch.nn.functional.mse_loss(moe(x), target)
loss.backward()
optimizer.step()
