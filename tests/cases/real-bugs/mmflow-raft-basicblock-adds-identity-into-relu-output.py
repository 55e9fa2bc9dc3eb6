# case: mmflow-raft-basicblock-adds-identity-into-relu-output
# source: https://github.com/open-mmlab/mmflow/pull/252
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
# known-miss: the block's activation comes from `build_activation_layer(act_cfg)`, a registry lookup by `cfg.pop('type')` on a copy of a config dict; the analysis does not evaluate config dicts, so it does not know that `self.relu` is an `nn.ReLU` saving its output

# MMFlow's RAFT encoder (mmflow/models/encoders/raft_encoder.py, net_type 'Basic') stacks ResLayers of the BasicBlock
# of mmflow/models/utils/res_layer.py. Before the PR (which fixes issue 248: "Runtime error gradient computation"
# when training RAFT with tools/train.py), BasicBlock._inner_forward ended with `out = self.relu(out)` followed by
# `out += identity`: the ReLU (built from act_cfg by build_activation_layer) saved its output, and the residual add
# overwrote it. Kept: BasicBlock (with its _inner_forward closure and the with_cp branch), ResLayer and RAFTEncoder
# (stem, make_res_layer, res_layers by name) as in the files. Completed/reduced: small build_conv_layer /
# build_norm_layer / build_activation_layer stand-ins for mmcv's registries, nn.Module for BaseModule, no plugins, no
# deep stem, channels (8, 12, 16) and a 16x16 frame pair; a 1x1 conv flow head on the feature difference and an L1
# loss stand in for RAFT's correlation, GRU decoder and sequence loss.
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp


def build_conv_layer(cfg, *args, **kwargs):
    return nn.Conv2d(*args, **kwargs)


def build_norm_layer(cfg, num_features, postfix=''):
    cfg = dict(cfg)
    layer_type = cfg.pop('type')
    cfg.pop('requires_grad', None)
    abbr = {'BN': 'bn', 'IN': 'in'}[layer_type]
    layer = {'BN': nn.BatchNorm2d, 'IN': nn.InstanceNorm2d}[layer_type](num_features, **cfg)
    return abbr + str(postfix), layer


def build_activation_layer(cfg):
    cfg = dict(cfg)
    layer_type = cfg.pop('type')
    return {'ReLU': nn.ReLU, 'LeakyReLU': nn.LeakyReLU}[layer_type](**cfg)


class BasicBlock(nn.Module):
    """Basic block for ResNet."""

    expansion = 1

    def __init__(self,
                 inplanes,
                 planes,
                 stride=1,
                 dilation=1,
                 downsample=None,
                 style='pytorch',
                 with_cp=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 dcn=None,
                 plugins=None):
        super(BasicBlock, self).__init__()
        assert dcn is None, 'Not implemented yet.'
        assert plugins is None, 'Not implemented yet.'

        self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, planes, postfix=2)

        self.conv1 = build_conv_layer(
            conv_cfg,
            inplanes,
            planes,
            3,
            stride=stride,
            padding=1,
            dilation=dilation,
            bias=True)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(
            conv_cfg, planes, planes, 3, padding=1, bias=True)
        self.add_module(self.norm2_name, norm2)

        self.relu = build_activation_layer(act_cfg)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    @property
    def norm1(self):
        """nn.Module: normalization layer after the first convolution layer"""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self):
        """nn.Module: normalization layer after the second convolution layer"""
        return getattr(self, self.norm2_name)

    def forward(self, x):
        """Forward function."""

        def _inner_forward(x):
            identity = x

            out = self.conv1(x)
            out = self.norm1(out)
            out = self.relu(out)

            out = self.conv2(out)
            out = self.norm2(out)
            out = self.relu(out)

            if self.downsample is not None:
                identity = self.downsample(x)

            out += identity  # error: IPL003

            return out

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(_inner_forward, x)
        else:
            out = _inner_forward(x)

        out = self.relu(out)

        return out


class ResLayer(nn.Sequential):
    """ResLayer to build ResNet style backbone."""

    def __init__(self,
                 block,
                 inplanes,
                 planes,
                 num_blocks,
                 stride=1,
                 dilation=1,
                 avg_down=False,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 multi_grid=None,
                 contract_dilation=False,
                 **kwargs):
        self.block = block

        downsample = None
        if stride != 1 or inplanes != planes * block.expansion:
            downsample = []
            conv_stride = stride
            downsample.extend([
                build_conv_layer(
                    conv_cfg,
                    inplanes,
                    planes * block.expansion,
                    kernel_size=1,
                    stride=conv_stride,
                    bias=True),
                build_norm_layer(norm_cfg, planes * block.expansion)[1]
            ])
            downsample = nn.Sequential(*downsample)

        layers = []
        first_dilation = dilation
        layers.append(
            block(
                inplanes=inplanes,
                planes=planes,
                stride=stride,
                dilation=first_dilation,
                downsample=downsample,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                **kwargs))
        inplanes = planes * block.expansion
        for i in range(1, num_blocks):
            layers.append(
                block(
                    inplanes=inplanes,
                    planes=planes,
                    stride=1,
                    dilation=dilation,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    **kwargs))
        super(ResLayer, self).__init__(*layers)


class RAFTEncoder(nn.Module):
    """The feature extraction sub-module in RAFT."""

    _arch_settings = {
        'Basic': (BasicBlock, (2, 2, 2)),
    }

    def __init__(self,
                 in_channels,
                 out_channels,
                 net_type='Basic',
                 stem_channels=8,
                 base_channels=(8, 12, 16),
                 strides=(1, 2, 2),
                 dilations=(1, 1, 1),
                 conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True),
                 with_cp=False):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stem_channels = stem_channels
        self.base_channels = base_channels
        self.num_stages = len(base_channels)
        self.strides = strides
        self.dilations = dilations
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.with_cp = with_cp
        self.block, stage_blocks = self._arch_settings[net_type]
        self.stage_blocks = stage_blocks[:self.num_stages]
        self.inplanes = self.stem_channels

        self._make_stem_layer(self.in_channels, self.stem_channels)

        self.res_layers = []

        for i, num_blocks in enumerate(self.stage_blocks):
            stride = self.strides[i]
            dilation = self.dilations[i]
            planes = self.base_channels[i]
            res_layer = self.make_res_layer(
                block=self.block,
                inplanes=self.inplanes,
                planes=planes,
                num_blocks=num_blocks,
                stride=stride,
                dilation=dilation,
                with_cp=with_cp,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg)
            self.inplanes = planes if net_type == 'Basic' else planes * 4
            layer_name = f'res_layer{i+1}'
            self.add_module(layer_name, res_layer)
            self.res_layers.append(layer_name)

            last_channel = (
                self.base_channels[-1]
                if net_type == 'Basic' else self.base_channels[-1] * 4)
            self.conv2 = build_conv_layer(
                self.conv_cfg, last_channel, out_channels, kernel_size=1)

    def _make_stem_layer(self, in_channels, stem_channels):
        """Make stem layer for ResNet."""
        self.conv1 = build_conv_layer(
            self.conv_cfg,
            in_channels,
            stem_channels,
            kernel_size=7,
            stride=2,
            padding=3,
            bias=True)
        self.norm1_name, norm1 = build_norm_layer(
            self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

    def make_res_layer(self, **kwargs):
        """Pack all blocks in a stage into a ``ResLayer``."""
        return ResLayer(**kwargs)

    @property
    def norm1(self):
        """nn.Module: the normalization layer named "norm1" """
        return getattr(self, self.norm1_name)

    def forward(self, x):
        x = self.conv1(x)
        x = self.norm1(x)
        x = self.relu(x)
        for layer_name in self.res_layers:
            res_layer = getattr(self, layer_name)
            x = res_layer(x)
        out = self.conv2(x)
        return out


torch.manual_seed(0)
fnet = RAFTEncoder(3, 16, net_type='Basic', norm_cfg=dict(type='IN'))
flow_head = nn.Conv2d(16, 2, 1)
optimizer = torch.optim.AdamW(list(fnet.parameters()) + list(flow_head.parameters()), lr=1e-4)
img1, img2 = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
flow_gt = torch.randn(2, 2, 16, 16)
feat1, feat2 = fnet(img1), fnet(img2)
flow = F.interpolate(flow_head(feat1 - feat2), size=(16, 16), mode='bilinear', align_corners=False)
loss = (flow - flow_gt).abs().mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
