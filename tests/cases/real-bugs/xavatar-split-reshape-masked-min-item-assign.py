# case: xavatar-split-reshape-masked-min-item-assign
# source: https://github.com/Skype-line/X-Avatar/issues/12
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# X-Avatar's forward queries the shape net once, torch.split's the result per chunk,
# reshapes each piece and hands it to the helper masked_softmax, whose 'min' mode
# writes invalid candidates by mask item assignment: the piece is a view of a split output.
# Reduced: the shape net is one Linear, the deformer returns fixed candidates and a mask.
import torch
import torch.nn as nn


def masked_softmax(vec, mask, dim=-1, mode='softmax', soft_blend=1):
    if mode == 'max':
        vec[~mask.bool()] = -100
        value, index = torch.max(vec, dim, keepdim=True)
    elif mode == 'min':
        vec[~mask.bool()] = 1  # warning: IPL009
        value, index = torch.min(vec, dim, keepdim=True)
    else:
        raise NotImplementedError
    return value, index


class XAVATARModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.shape_net = nn.Linear(3, 1)
        self.num_init = 3

    def deformer(self, pts_d_split):
        b, n, d = pts_d_split.shape
        pts_c = pts_d_split.unsqueeze(2).expand(b, n, self.num_init, d) * torch.tensor([1.0, 0.5, -1.0]).view(1, 1, 3, 1)
        valid_ids = torch.rand(b, n, self.num_init) > 0.3
        return pts_c, {'valid_ids': valid_ids}

    def forward(self, pts_d, split_numbers, eval_mode=True):
        accum_shape, pts_c_list, mask_list, split_num_list = [], [], [], []
        for pts_d_split in torch.split(pts_d, split_numbers, dim=1):
            pts_c, intermediates = self.deformer(pts_d_split)
            mask_list.append(intermediates['valid_ids'])
            num_batch, num_point, num_init, num_dim = pts_c.shape
            pts_c = pts_c.reshape(num_batch, num_point * num_init, num_dim)
            pts_c_list.append(pts_c)
            split_num_list.append(pts_c.shape[1])
        pts_c = torch.cat(pts_c_list, dim=1)
        shape_pd = self.shape_net(pts_c)
        shape_pd_list = torch.split(shape_pd, split_num_list, dim=1)
        for shape_pd, mask in zip(shape_pd_list, mask_list):
            num_batch, num_point, num_init = mask.shape
            shape_pd = shape_pd.reshape(num_batch, num_point, num_init)
            mode = 'min'
            shape_pd, index = masked_softmax(shape_pd, mask, dim=-1, mode=mode)
            accum_shape.append(shape_pd)
        return torch.cat(accum_shape, 1)


torch.manual_seed(0)
model = XAVATARModel()
pts_d = torch.randn(2, 6, 3)
shape_pd = model(pts_d, split_numbers=[4, 2])
loss = (shape_pd ** 2).mean()
loss.backward()
