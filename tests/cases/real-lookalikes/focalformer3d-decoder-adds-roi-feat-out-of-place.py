# case: focalformer3d-decoder-adds-roi-feat-out-of-place
# source: https://github.com/NVlabs/FocalFormer3D/issues/25
# expect: clean
# torch: clean
# check: roi_grads_ok and head_grads_ok and torch.isfinite(loss)

# The reporter's fix to FocalFormer3D's decoder loop (focal_decoder.py line 922): the pooled RoI features are added
# to the query out of place, `query_feat = query_feat + roi_feat`, so the permuted decoder output that the previous
# stage's prediction head saved stays as it was, and the RoI MLP now gets gradients through the second stage. Same
# reduced decoder, heads, RoI pooling and loss as the bug case focalformer3d-decoder-adds-roi-feat-into-head-input.
import torch
from torch import nn
import torch.nn.functional as F


class ConvModule(nn.Module):
    """Conv1d + BN1d + ReLU, as mmcv's ConvModule(conv_cfg=Conv1d, norm_cfg=BN1d)."""

    def __init__(self, in_channels, out_channels, kernel_size, padding=0, bias=False):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, padding=padding, bias=bias)
        self.bn = nn.BatchNorm1d(out_channels)
        self.activate = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.activate(self.bn(self.conv(x)))


class SeparateHead(nn.Module):
    def __init__(self, in_channels, heads, head_conv=16, final_kernel=1):
        super(SeparateHead, self).__init__()
        self.heads = heads
        for head in self.heads:
            classes, num_conv = self.heads[head]

            conv_layers = []
            c_in = in_channels
            for i in range(num_conv - 1):
                conv_layers.append(
                    ConvModule(c_in, head_conv, kernel_size=final_kernel, padding=final_kernel // 2))
                c_in = head_conv

            conv_layers.append(
                nn.Conv1d(head_conv, classes, kernel_size=final_kernel, stride=1,
                          padding=final_kernel // 2, bias=True))
            conv_layers = nn.Sequential(*conv_layers)

            self.__setattr__(head, conv_layers)

    def forward(self, x):
        ret_dict = dict()
        for head in self.heads:
            ret_dict[head] = self.__getattr__(head)(x)

        return ret_dict


class DecoderLayer(nn.Module):
    """Post-norm ('self_attn', 'norm', 'cross_attn', 'norm', 'ffn', 'norm') stand-in for the deformable layer."""

    def __init__(self, embed_dims=32, num_heads=4, feedforward_channels=64):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(embed_dims, num_heads)
        self.cross_attn = nn.MultiheadAttention(embed_dims, num_heads)
        self.ffn = nn.Sequential(nn.Linear(embed_dims, feedforward_channels), nn.ReLU(inplace=True),
                                 nn.Linear(feedforward_channels, embed_dims))
        self.norms = nn.ModuleList([nn.LayerNorm(embed_dims) for _ in range(3)])

    def forward(self, query, key, value, query_pos, reference_points, **kwargs):
        q = query + query_pos
        query = self.norms[0](query + self.self_attn(q, q, query)[0])
        query = self.norms[1](query + self.cross_attn(query + query_pos, value, value)[0])
        query = self.norms[2](query + self.ffn(query))
        return query, reference_points


class FocalDecoder(nn.Module):
    def __init__(self, num_proposals=6, hidden_channel=32, num_classes=3, num_decoder_layers=2, roi_feats=3,
                 hidden_channel_roi=48):
        super().__init__()
        self.num_proposals = num_proposals
        self.num_classes = num_classes
        self.num_decoder_layers = num_decoder_layers
        self.roi_feats = roi_feats
        self.heatmap_head = nn.Conv2d(hidden_channel, num_classes, kernel_size=3, padding=1)
        self.class_encoding = nn.Conv1d(num_classes, hidden_channel, 1)

        fc_list = []
        pre_channel = self.roi_feats ** 2 * hidden_channel
        num_roi_layers = 3
        for i in range(num_roi_layers):
            chl = hidden_channel_roi if i < num_roi_layers - 1 else hidden_channel
            fc_list.extend([
                nn.Linear(pre_channel, chl, bias=False),
                nn.BatchNorm1d(chl),
                nn.ReLU(inplace=True)
            ])
            pre_channel = chl
        self.roi_mlp = nn.Sequential(*fc_list)

        self.decoder = nn.ModuleList()
        self.pos_embed_learned = nn.ModuleList()
        self.prediction_heads = nn.ModuleList()
        heads = dict(center=(2, 2), height=(1, 2), dim=(3, 2), rot=(2, 2), heatmap=(num_classes, 2))
        for i in range(self.num_decoder_layers):
            self.decoder.append(DecoderLayer(hidden_channel))
            self.pos_embed_learned.append(nn.Linear(2, hidden_channel))
            self.prediction_heads.append(SeparateHead(hidden_channel, heads))

    def forward(self, lidar_feat):
        batch_size, _, H, W = lidar_feat.shape
        lidar_feat_flatten = lidar_feat.view(batch_size, lidar_feat.shape[1], -1)  # [BS, C, H*W]
        ys, xs = torch.meshgrid(torch.arange(H), torch.arange(W), indexing='ij')
        bev_pos = torch.stack([xs, ys], -1).view(1, -1, 2).float().repeat(batch_size, 1, 1) + 0.5

        # query initialisation from the heatmap (top proposals)
        dense_heatmap = self.heatmap_head(lidar_feat)
        heatmap = dense_heatmap.detach().sigmoid().view(batch_size, self.num_classes, -1)
        top_proposals = heatmap.view(batch_size, -1).argsort(dim=-1, descending=True)[..., :self.num_proposals]
        top_proposals_class = top_proposals // heatmap.shape[-1]
        top_proposals_index = top_proposals % heatmap.shape[-1]
        query_feat = lidar_feat_flatten.gather(
            index=top_proposals_index[:, None, :].expand(-1, lidar_feat_flatten.shape[1], -1), dim=-1)
        one_hot = F.one_hot(top_proposals_class, num_classes=self.num_classes).permute(0, 2, 1)
        query_feat = query_feat + self.class_encoding(one_hot.float())
        query_pos = bev_pos.gather(index=top_proposals_index[:, None, :].permute(0, 2, 1).expand(-1, -1, 2), dim=1)
        query_box = None
        num_proposals_new = self.num_proposals

        ret_dicts = []
        for i in range(self.num_decoder_layers):
            reference_points = query_pos / torch.tensor([W, H])
            query_pos_embed = self.pos_embed_learned[i](reference_points)  # bs, nq, C

            if self.roi_feats and query_box is not None:
                center = query_box[:, 0:2]
                offsets = torch.linspace(-1., 1., self.roi_feats)
                grid = torch.stack(torch.meshgrid(offsets, offsets, indexing='ij'), -1).view(-1, 2)
                grid_points = center.permute(0, 2, 1)[:, :, None, :] + grid[None, None]  # B, P, R*R, 2
                grid_points = grid_points / torch.tensor([W, H])
                grid_points = grid_points * 2. - 1.
                grid_points = grid_points.clip(min=-2., max=2.)

                roi_feat = F.grid_sample(lidar_feat_flatten.view(batch_size, -1, *lidar_feat.shape[-2:]), grid_points,
                                         align_corners=False)  # W, H
                roi_feat = roi_feat.permute(0, 2, 1, 3).reshape(batch_size * num_proposals_new,
                                                                lidar_feat_flatten.shape[1] * self.roi_feats**2)
                roi_feat = self.roi_mlp(roi_feat)
                roi_feat = roi_feat.view(batch_size, num_proposals_new, lidar_feat_flatten.shape[1]).transpose(1, 2)
                query_feat = query_feat + roi_feat

            # Transformer Decoder Layer
            query_feat, reference_points = self.decoder[i](
                query=query_feat.permute(2, 0, 1),
                key=None,
                value=lidar_feat_flatten.permute(2, 0, 1),
                query_pos=query_pos_embed.permute(1, 0, 2),
                reference_points=reference_points)

            query_feat = query_feat.permute(1, 2, 0)
            query_pos = reference_points * torch.tensor([W, H])

            # Prediction
            res_layer = self.prediction_heads[i](query_feat)
            res_layer['center'] = res_layer['center'] + query_pos.permute(0, 2, 1)
            # for next level positional embedding
            query_pos = res_layer['center'].detach().clone().permute(0, 2, 1)

            query_box = [res_layer['center'], res_layer['height'], res_layer['dim'], res_layer['rot']]
            query_box = torch.cat(query_box, dim=1).detach()
            ret_dicts.append(res_layer)

        return ret_dicts, dense_heatmap


torch.manual_seed(0)
head = FocalDecoder()
optimizer = torch.optim.AdamW(head.parameters(), lr=1e-4)
bev_feat = torch.randn(2, 32, 8, 8)
ret_dicts, dense_heatmap = head(bev_feat)
loss = dense_heatmap.sigmoid().mean()
for res in ret_dicts:
    loss = loss + res['center'].mean().abs() + res['height'].abs().mean() + res['dim'].abs().mean() \
        + res['rot'].abs().mean() + res['heatmap'].sigmoid().mean()
optimizer.zero_grad()
loss.backward()
roi_grads_ok = all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in head.roi_mlp.parameters())
head_grads_ok = all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in head.prediction_heads.parameters())
optimizer.step()
