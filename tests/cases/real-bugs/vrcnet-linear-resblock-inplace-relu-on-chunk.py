# case: vrcnet-linear-resblock-inplace-relu-on-chunk
# source: https://github.com/paul007pl/VRCNet/issues/33
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# models/vrcnet.py: in training, Model.forward splits the encoder feature with feat.chunk(2) and hands feat_x to
# self.posterior_infer1, a Linear_ResBlock whose self.af = nn.ReLU(inplace=True) is applied to its `feature`
# argument first; the in-place ReLU on a chunk output raises (the traceback ends in Linear_ResBlock.forward,
# line 97). The same call also overwrites `feature`, which self.conv_res(feature) reads next. Model kept down to the
# encoder, the three Linear_ResBlocks and the KL terms; PCN_encoder reduced (fewer channels), a linear decoder and
# an MSE loss stand in for MSAP_SKN_decoder and the Chamfer distance (pointnet2 CUDA ops are not available here).
import torch
import torch.nn as nn
import torch.nn.functional as F


class PCN_encoder(nn.Module):
    def __init__(self, output_size=1024):
        super(PCN_encoder, self).__init__()
        self.conv1 = nn.Conv1d(3, 16, 1)
        self.conv2 = nn.Conv1d(16, 32, 1)
        self.conv3 = nn.Conv1d(64, 64, 1)
        self.conv4 = nn.Conv1d(64, output_size, 1)

    def forward(self, x):
        batch_size, _, num_points = x.size()
        x = F.relu(self.conv1(x))
        x = self.conv2(x)
        global_feature, _ = torch.max(x, 2)
        x = torch.cat((x, global_feature.view(batch_size, -1, 1).repeat(1, 1, num_points).contiguous()), 1)
        x = F.relu(self.conv3(x))
        x = self.conv4(x)
        global_feature, _ = torch.max(x, 2)
        return global_feature.view(batch_size, -1)


class Linear_ResBlock(nn.Module):
    def __init__(self, input_size=1024, output_size=256):
        super(Linear_ResBlock, self).__init__()
        self.conv1 = nn.Linear(input_size, input_size)
        self.conv2 = nn.Linear(input_size, output_size)
        self.conv_res = nn.Linear(input_size, output_size)

        self.af = nn.ReLU(inplace=True)

    def forward(self, feature):
        return self.conv2(self.af(self.conv1(self.af(feature)))) + self.conv_res(feature)  # error: IPL009, IPL008


class Model(nn.Module):
    def __init__(self, num_points=16, size_z=8, global_feature_size=32):
        super(Model, self).__init__()
        self.size_z = size_z
        self.encoder = PCN_encoder(output_size=global_feature_size)
        self.posterior_infer1 = Linear_ResBlock(input_size=global_feature_size, output_size=global_feature_size)
        self.posterior_infer2 = Linear_ResBlock(input_size=global_feature_size, output_size=size_z * 2)
        self.prior_infer = Linear_ResBlock(input_size=global_feature_size, output_size=size_z * 2)
        self.generator = Linear_ResBlock(input_size=size_z, output_size=global_feature_size)
        self.decoder = nn.Linear(global_feature_size, num_points * 3)

    def forward(self, x, gt, is_training=True):
        num_input = x.size()[2]
        y = gt.transpose(1, 2)[:, :, :num_input]  # stands in for furthest point sampling of gt
        gt = torch.cat([gt, gt], dim=0)
        points = torch.cat([x, y], dim=0)
        x = torch.cat([x, x], dim=0)
        feat = self.encoder(points)

        feat_x, feat_y = feat.chunk(2)
        o_x = self.posterior_infer2(self.posterior_infer1(feat_x))
        q_mu, q_std = torch.split(o_x, self.size_z, dim=1)
        o_y = self.prior_infer(feat_y)
        p_mu, p_std = torch.split(o_y, self.size_z, dim=1)
        q_std = F.softplus(q_std)
        p_std = F.softplus(p_std)
        q_distribution = torch.distributions.Normal(q_mu, q_std)
        p_distribution = torch.distributions.Normal(p_mu, p_std)
        p_distribution_fix = torch.distributions.Normal(p_mu.detach(), p_std.detach())
        m_distribution = torch.distributions.Normal(torch.zeros_like(p_mu), torch.ones_like(p_std))
        z_q = q_distribution.rsample()
        z_p = p_distribution.rsample()
        z = torch.cat([z_q, z_p], dim=0)
        feat = torch.cat([feat_x, feat_x], dim=0)

        feat += self.generator(z)

        fine = self.decoder(feat).view(feat.size(0), -1, 3)
        dl_rec = torch.distributions.kl_divergence(m_distribution, p_distribution)
        dl_g = torch.distributions.kl_divergence(p_distribution_fix, q_distribution)
        loss4 = F.mse_loss(fine, gt)
        total_train_loss = loss4 + (dl_rec.mean() + dl_g.mean()) * 20
        return fine, loss4, total_train_loss


torch.manual_seed(0)
net = Model()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
partial_pc = torch.rand(2, 3, 12)  # B x 3 x N partial input
gt = torch.rand(2, 16, 3)  # B x N x 3 complete shape
optimizer.zero_grad()
out2, loss2, net_loss = net(partial_pc, gt)
net_loss.backward()
optimizer.step()
