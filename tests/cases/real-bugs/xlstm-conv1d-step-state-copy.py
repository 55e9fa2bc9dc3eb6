# case: xlstm-conv1d-step-state-copy
# source: https://github.com/NX-AI/xlstm/pull/82
# expect: markers
# torch: raises "modified by an inplace operation"

# NX-AI/xlstm, xlstm/components/conv.py: CausalConv1d.step() hands the carried conv_state to
# the helper conv1d_step(), which shifts it with conv_state.copy_(torch.roll(...)) and writes
# the new input with conv_state[:, -1:, :] = x, then computes conv_state * conv1d_weight (the
# mul saves conv_state for backward). When the model is trained step by step with the state
# carried across calls (the case PR #82 describes: gradient flow through time), the next copy_ rewrites
# the tensor the previous step saved, so backward fails. Reduced: one depthwise CausalConv1d of
# width 6, a Linear in front, 5 steps. IPL003 on the copy_ line (state kept across iterations).
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class CausalConv1dConfig:
    feature_dim: int = None  # F
    kernel_size: int = 4
    causal_conv_bias: bool = True
    channel_mixing: bool = False
    conv1d_kwargs: dict = field(default_factory=dict)


def conv1d_step(x, conv_state, conv1d_weight, conv1d_bias=None):
    """
    x (torch.Tensor): (B, S, D)
    conv_state (torch.Tensor): (B, KS, D)
    conv1d_weight (torch.Tensor): (KS, D)
    """
    assert x.shape[0] == conv_state.shape[0]
    assert x.shape[2] == conv_state.shape[2]
    assert x.shape[1] == 1, f"x has sequence length {x.shape[1]} but it should be 1"
    conv_state.copy_(torch.roll(conv_state, shifts=-1, dims=1))  # error: IPL003
    conv_state[:, -1:, :] = x  # error: IPL003
    y = torch.sum(conv_state * conv1d_weight, dim=1, keepdim=True)
    if conv1d_bias is not None:
        y += conv1d_bias
    return y, conv_state


class CausalConv1d(nn.Module):
    config_class = CausalConv1dConfig

    def __init__(self, config: CausalConv1dConfig):
        super().__init__()
        self.config = config
        self.groups = self.config.feature_dim
        if self.config.channel_mixing:
            self.groups = 1
        self.pad = self.config.kernel_size - 1
        self.conv = nn.Conv1d(
            in_channels=self.config.feature_dim,
            out_channels=self.config.feature_dim,
            kernel_size=self.config.kernel_size,
            padding=self.pad,
            groups=self.groups,
            bias=self.config.causal_conv_bias,
            **self.config.conv1d_kwargs,
        )

    def step(self, x, conv_state=None):
        if self.config.kernel_size == 0:
            return x, conv_state
        B, S, D = x.shape
        if conv_state is None:
            conv_state = (torch.zeros(size=(B, self.config.kernel_size, D), device=x.device, dtype=x.dtype),)
        y, conv_state = conv1d_step(
            x,
            conv_state[0],
            self.conv.weight[:, 0, :].transpose(0, 1),  # rearrange(, "D 1 KS -> KS D")
            conv1d_bias=self.conv.bias if self.config.causal_conv_bias else None,
        )
        return y, (conv_state,)


# stateful training: the sequence is fed one step at a time, the conv state is carried along
torch.manual_seed(0)
conv = CausalConv1d(CausalConv1dConfig(feature_dim=6, kernel_size=4))
proj = nn.Linear(6, 6)
feats = torch.randn(2, 5, 6)
state = None
outs = []
for t in range(feats.shape[1]):
    x_t = proj(feats[:, t : t + 1, :])
    y_t, state = conv.step(x_t, state)
    outs.append(y_t)
loss = torch.cat(outs, dim=1).pow(2).mean()
loss.backward()
