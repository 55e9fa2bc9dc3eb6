# case: effdet-bifpn-full-backward-hooks-inplace-act
# source: https://github.com/rwightman/efficientdet-pytorch/issues/298
# expect: markers
# known-miss: the full backward hooks are registered in a `named_modules()` loop filtered by `isinstance(module, FpnCombine)`, and the combine node's output reaches the in-place activation through SequentialAppend (an nn.Sequential subclass iterating `self`) and OrderedDicts filled key by key: the analysis does not follow it there
# torch: raises "This view was created inside a custom Function"

# effdet/efficientdet.py: each BiFPN node is nn.Sequential(combine=FpnCombine, after_combine=nn.Sequential(
# act=act_layer(inplace=True), conv=SeparableConv2d)). The reporter adds full backward hooks to the model to plot
# gradients, and the forward fails in the node (the traceback: BiFpnLayer -> SequentialAppend ->
# `x.append(module(x))`): with a hook, the combined feature comes out of BackwardHookFunction and the in-place
# activation (ReLU6 in the title) may not write it. SequentialAppend, FpnCombine ('attn' edge weights),
# BiFpnLayer and SeparableConv2d kept; two input levels and two nodes, plain max-pool / nearest resampling; the
# hook helper is our reconstruction of "add backward hooks" (the issue does not show it).
from collections import OrderedDict
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F


class SequentialAppend(nn.Sequential):
    def __init__(self, *args):
        super(SequentialAppend, self).__init__(*args)

    def forward(self, x: List[torch.Tensor]):
        for module in self:
            x.append(module(x))
        return x


class SeparableConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, act_layer=None, norm_layer=nn.BatchNorm2d):
        super(SeparableConv2d, self).__init__()
        self.conv_dw = nn.Conv2d(in_channels, in_channels, kernel_size, padding=kernel_size // 2, groups=in_channels)
        self.conv_pw = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn = None if norm_layer is None else norm_layer(out_channels)
        self.act = None if act_layer is None else act_layer(inplace=True)

    def forward(self, x):
        x = self.conv_dw(x)
        x = self.conv_pw(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.act is not None:
            x = self.act(x)
        return x


class ResampleFeatureMap(nn.Sequential):
    def __init__(self, reduction_ratio=1.):
        super(ResampleFeatureMap, self).__init__()
        if reduction_ratio > 1:
            stride_size = int(reduction_ratio)
            self.add_module('downsample', nn.MaxPool2d(kernel_size=stride_size + 1, stride=stride_size, padding=1))
        elif reduction_ratio < 1:
            self.add_module('upsample', nn.Upsample(scale_factor=int(1 // reduction_ratio), mode='nearest'))


class FpnCombine(nn.Module):
    def __init__(self, feature_info, fpn_nodes, inputs_offsets, target_reduction, weight_method='attn'):
        super(FpnCombine, self).__init__()
        self.inputs_offsets = inputs_offsets
        self.weight_method = weight_method

        self.resample = nn.ModuleDict()
        for idx, offset in enumerate(inputs_offsets):
            if offset < len(feature_info):
                input_reduction = feature_info[offset]['reduction']
            else:
                input_reduction = fpn_nodes[offset - len(feature_info)]['reduction']
            self.resample[str(offset)] = ResampleFeatureMap(reduction_ratio=target_reduction / input_reduction)
        self.edge_weights = nn.Parameter(torch.ones(len(inputs_offsets)), requires_grad=True)

    def forward(self, x):
        dtype = x[0].dtype
        nodes = []
        for offset in self.inputs_offsets:
            input_node = x[offset]
            input_node = self.resample[str(offset)](input_node)
            nodes.append(input_node)

        normalized_weights = torch.softmax(self.edge_weights.type(dtype), dim=0)
        x = torch.stack(nodes, dim=-1) * normalized_weights
        x = torch.sum(x, dim=-1)
        return x


class BiFpnLayer(nn.Module):
    def __init__(self, feature_info, fpn_nodes, fpn_channels, num_levels=2, act_layer=nn.ReLU6):
        super(BiFpnLayer, self).__init__()
        self.num_levels = num_levels
        self.fnode = SequentialAppend()
        for i, fnode_cfg in enumerate(fpn_nodes):
            fnode_layers = OrderedDict()
            fnode_layers['combine'] = FpnCombine(
                feature_info, fpn_nodes, fnode_cfg['inputs_offsets'], target_reduction=fnode_cfg['reduction'])
            after_combine = OrderedDict()
            after_combine['act'] = act_layer(inplace=True)  # error: IPL012
            after_combine['conv'] = SeparableConv2d(fpn_channels, fpn_channels, kernel_size=3)
            fnode_layers['after_combine'] = nn.Sequential(after_combine)
            self.fnode.add_module(str(i), nn.Sequential(fnode_layers))

    def forward(self, x):
        x = self.fnode(x)
        return x[-self.num_levels::]


def add_gradient_hooks(model, store):
    def make_hook(name):
        def hook(module, grad_input, grad_output):
            store[name] = grad_output[0].detach().norm()
        return hook
    for name, module in model.named_modules():
        if isinstance(module, FpnCombine):
            module.register_full_backward_hook(make_hook(name))


torch.manual_seed(0)
feature_info = [dict(num_chs=4, reduction=8), dict(num_chs=4, reduction=16)]
fpn_nodes = [dict(reduction=8, inputs_offsets=[0, 1]), dict(reduction=16, inputs_offsets=[1, 2])]
bifpn = BiFpnLayer(feature_info, fpn_nodes, fpn_channels=4)
grad_norms = {}
add_gradient_hooks(bifpn, grad_norms)
p3 = torch.randn(2, 4, 8, 8, requires_grad=True)
p4 = torch.randn(2, 4, 4, 4, requires_grad=True)
outputs = bifpn([p3, p4])
loss = sum(o.pow(2).mean() for o in outputs)
loss.backward()
