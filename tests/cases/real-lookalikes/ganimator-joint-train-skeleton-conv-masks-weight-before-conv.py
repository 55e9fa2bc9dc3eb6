# case: ganimator-joint-train-skeleton-conv-masks-weight-before-conv
# source: https://github.com/PeizhuoLi/ganimator/issues/5
# expect: clean
# torch: clean
# check: stepped and all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for g in gens for p in g.parameters() if p.requires_grad)

# The configuration the reporter switched away from: with skeleton_aware=1, GANimator's generators are built from
# SkeletonConv (models/skeleton.py), whose forward convolves with `weight_masked = self.weight * self.mask`. The
# convolution saves that product, a new tensor, not the Parameter, so stage 0's optimizerG.step() inside
# `list(map(optimize_lambda, gan_models))` rewrites a weight no saved tensor aliases, and stage 1's backward_G through
# stage 0's layers runs (with the product computed before the step). Same joint_train, draw_example and GAN_model as
# the bug case ganimator-joint-train-stage-gen-step-before-next-stage-backward; SkeletonConv kept without the offset
# branch, a three-joint neighbour list written out instead of find_neighbor_joint.
from types import SimpleNamespace

import functools
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SkeletonConv(nn.Module):
    def __init__(self, neighbour_list, in_channels, out_channels, kernel_size, joint_num, stride=1, padding=0,
                 bias=True, padding_mode='zeros'):
        super(SkeletonConv, self).__init__()

        if in_channels % joint_num != 0 or out_channels % joint_num != 0:
            raise Exception('in/out channels should be divided by joint_num')
        self.in_channels_per_joint = in_channels // joint_num
        self.out_channels_per_joint = out_channels // joint_num

        if padding_mode == 'zeros': padding_mode = 'constant'

        self.expanded_neighbour_list = []
        self.neighbour_list = neighbour_list
        self.joint_num = joint_num

        self.stride = stride
        self.dilation = 1
        self.groups = 1
        self.padding = padding
        self.padding_mode = padding_mode
        self._padding_repeated_twice = (padding, padding)

        for neighbour in neighbour_list:
            expanded = []
            for k in neighbour:
                for i in range(self.in_channels_per_joint):
                    expanded.append(k * self.in_channels_per_joint + i)
            self.expanded_neighbour_list.append(expanded)

        self.weight = torch.zeros(out_channels, in_channels, kernel_size)
        if bias:
            self.bias = torch.zeros(out_channels)
        else:
            self.register_parameter('bias', None)

        self.mask = torch.zeros_like(self.weight)
        for i, neighbour in enumerate(self.expanded_neighbour_list):
            self.mask[self.out_channels_per_joint * i: self.out_channels_per_joint * (i + 1), neighbour, ...] = 1
        self.mask = nn.Parameter(self.mask, requires_grad=False)

        self.reset_parameters()

    def reset_parameters(self):
        for i, neighbour in enumerate(self.expanded_neighbour_list):
            tmp = torch.zeros_like(self.weight[self.out_channels_per_joint * i: self.out_channels_per_joint * (i + 1),
                                   neighbour, ...])
            nn.init.kaiming_uniform_(tmp, a=math.sqrt(5))
            self.weight[self.out_channels_per_joint * i: self.out_channels_per_joint * (i + 1),
                        neighbour, ...] = tmp
            if self.bias is not None:
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(
                    self.weight[self.out_channels_per_joint * i: self.out_channels_per_joint * (i + 1), neighbour, ...])
                bound = 1 / math.sqrt(fan_in)
                tmp = torch.zeros_like(
                    self.bias[self.out_channels_per_joint * i: self.out_channels_per_joint * (i + 1)])
                nn.init.uniform_(tmp, -bound, bound)
                self.bias[self.out_channels_per_joint * i: self.out_channels_per_joint * (i + 1)] = tmp

        self.weight = nn.Parameter(self.weight)
        if self.bias is not None:
            self.bias = nn.Parameter(self.bias)

    def forward(self, input):
        weight_masked = self.weight * self.mask
        res = F.conv1d(F.pad(input, self._padding_repeated_twice, mode=self.padding_mode),
                       weight_masked, self.bias, self.stride,
                       0, self.dilation, self.groups)
        return res


class Conv1dModel(nn.Module):
    def __init__(self, channels, kernel_size, padding=-1, last_active=None, padding_mode='zeros', batch_norm=False,
                 skeleton_aware=False, neighbour_list=None, activation='LeakyReLU'):
        super(Conv1dModel, self).__init__()
        conv1d = functools.partial(SkeletonConv, neighbour_list=neighbour_list, joint_num=len(neighbour_list)) \
            if skeleton_aware else nn.Conv1d
        if padding == -1:
            if kernel_size % 2 == 0:
                raise Exception('Only support odd kernel size for now')
            padding = (kernel_size - 1) // 2
        self.layers = nn.ModuleList()
        for i in range(len(channels) - 1):
            in_c = channels[i]
            out_c = channels[i + 1]
            if i == len(channels) - 2 and out_c == 1:
                conv1d = nn.Conv1d
            bias = not batch_norm
            if i == len(channels) - 2:
                bias = True
            seq = [conv1d(in_channels=in_c, out_channels=out_c, kernel_size=kernel_size,
                          padding=padding, padding_mode=padding_mode, bias=bias)]
            if i < len(channels) - 2:
                if batch_norm:
                    seq.append(nn.BatchNorm1d(num_features=out_c))

                if activation == 'LeakyReLU':
                    seq.append(nn.LeakyReLU(negative_slope=0.2, inplace=True))
                elif activation == 'ReLU':
                    seq.append(nn.ReLU(inplace=True))
                else:
                    raise Exception('Unknown activation')
            else:
                if last_active is not None:
                    seq.append(last_active)
            self.layers.append(nn.Sequential(*seq))
        self.output = None

    def forward(self, input, prev_img=None, cond=None, cond_requires_mask=False):
        for layer in self.layers:
            input = layer(input)
        self.output = input
        return input


class GAN_loss(nn.Module):
    def forward(self, pred, target_is_real):
        target = torch.ones_like(pred) if target_is_real else torch.zeros_like(pred)
        return F.mse_loss(pred, target)


class ImagePool:
    def __init__(self, pool_size):
        self.pool_size = pool_size

    def query(self, images):
        return images


class GAN_model:
    def __init__(self, gen: nn.Module, disc: nn.Module, args):
        self.gen = gen
        self.disc = disc
        self.optimizerG = torch.optim.Adam(gen.parameters(), lr=args.lr_g)
        self.optimizerD = torch.optim.Adam(disc.parameters(), lr=args.lr_d)
        self.fake_pool = ImagePool(50)
        self.criterion_gan = GAN_loss()
        self.fake_res = None
        self.loss_D = torch.tensor(0.)
        self.loss_G = torch.tensor(0.)
        self.loss_rec = torch.tensor(0.)
        self.loss_consistency = torch.tensor(0.)
        self.loss_G_total = torch.tensor(0.)
        self.args = args

    def disc_requires_grad_(self, requires_grad):
        for para in self.disc.parameters():
            para.requires_grad = requires_grad

    def backward_D_basic(self, netD, real, fake):
        # Real
        pred_real = netD(real)
        loss_D_real = self.criterion_gan(pred_real, True)
        # Fake
        pred_fake = netD(fake.detach())
        loss_D_fake = self.criterion_gan(pred_fake, False)
        # Combined loss and calculate gradients
        loss_D = (loss_D_real + loss_D_fake) * 0.5
        loss_D.backward()
        return loss_D

    def backward_D(self):
        fake = self.fake_pool.query(self.fake_res.detach())
        self.loss_D = self.backward_D_basic(self.disc, self.real_res, fake)

    def backward_G(self):
        pred_fake = self.disc(self.fake_res)
        self.loss_G = self.criterion_gan(pred_fake, True)
        self.loss_consistency = torch.tensor(0.)
        loss_total = self.loss_G + \
                     self.loss_consistency * self.args.lambda_consistency
        self.loss_G_total = loss_total
        loss_total.backward(retain_graph=True)

    def forward_proxy(self, real, img_base=0):
        assert real.shape[-1] == img_base.shape[-1]
        self.delta = self.gen.output
        self.real_res = real
        self.fake_res = self.delta + img_base

    def optimize_parameters(self, gen=True, disc=True, rec=False):
        if gen:
            self.disc_requires_grad_(False)
            self.optimizerG.zero_grad()
            self.backward_G()
            self.optimizerG.step()

        if disc:
            self.disc_requires_grad_(True)
            self.optimizerD.zero_grad()
            self.backward_D()
            self.optimizerD.step()

        if rec:
            self.optimizerG.zero_grad()
            self.loss_rec = F.mse_loss(self.fake_res, self.real_res)
            loss_rec_back = self.loss_rec * self.args.lambda_rec
            loss_rec_back.backward(retain_graph=True)
            self.optimizerG.step()


def get_interpolator(args):
    return lambda img, size: F.interpolate(img, size=size, mode='linear', align_corners=False)


def draw_example(gens, mode, z_star, lengths, amps, batch_size, args, all_img=False, start_level=0,
                 conds=None, full_noise=False):
    interpolater = get_interpolator(args)
    imgs = []
    # with torch.no_grad():
    prev_img = torch.zeros((batch_size, z_star.shape[1], lengths[0]))
    for step, (gen, length, amp) in enumerate(zip(gens, lengths, amps)):
        current_mode = 'rec' if step < start_level else mode

        # Determine noise
        if current_mode == 'random':
            n_channel = z_star.shape[1] if full_noise else 1
            noise = torch.randn((batch_size, n_channel, length)) * amp
            if noise.shape[1] == 1:
                noise = noise.repeat(1, z_star.shape[1], 1)
        elif current_mode == 'rec':
            noise = z_star if step == 0 else 0
        else:
            raise Exception('Unknown generating mode')

        prev_img = gen(noise + prev_img, prev_img) + prev_img

        # Save result and upsample for next level
        imgs.append(prev_img)
        if len(lengths) >= step + 2:
            prev_img = interpolater(prev_img, size=lengths[step + 1])

    return prev_img if not all_img else imgs


def joint_train(all_reals, gens, gan_models, all_lengths, all_z_star, all_amps, args):
    interpolator = get_interpolator(args)
    for iters in range(args.num_iters):
        for i in range(args.D_fact + args.G_fact + 1):
            for m in range(len(all_reals)):
                reals = all_reals[m]
                z_star = all_z_star[m]
                amps = all_amps[m]
                lengths = all_lengths[m]
                mode = 'random' if i < args.D_fact + args.G_fact else 'rec'
                imgs = draw_example(gens, mode, z_star, lengths, amps, batch_size=1, args=args, all_img=True,
                                    full_noise=args.full_noise, conds=reals)
                imgs.append(torch.zeros_like(reals[0]))  # Trick for get the base image for stage_id = 0

                for j in range(len(gan_models)):
                    stage_id = j + len(gens) - len(gan_models)
                    gan_models[j].forward_proxy(reals[stage_id], interpolator(imgs[stage_id - 1], lengths[stage_id]))

                # Discriminator : Generator : Reconstruction = args.D_fact : args.G_fact : 1
                if i < args.D_fact:
                    optimize_lambda = lambda x: x.optimize_parameters(gen=False, disc=True, rec=False)
                elif i < args.D_fact + args.G_fact:
                    optimize_lambda = lambda x: x.optimize_parameters(gen=True, disc=False, rec=False)
                else:
                    optimize_lambda = lambda x: x.optimize_parameters(gen=False, disc=False, rec=True)
                list(map(optimize_lambda, gan_models))


torch.manual_seed(0)
args = SimpleNamespace(lr_g=1e-4, lr_d=1e-4, lambda_consistency=5., lambda_rec=50., num_iters=1, D_fact=1, G_fact=1,
                       full_noise=False, skeleton_aware=1, kernel_size=3)
n_channels, lengths = 6, [8, 16]
neighbour_list = [[0, 1], [0, 1, 2], [1, 2]]  # three joints, two channels each
gens = [Conv1dModel([n_channels, 12, 12, n_channels], args.kernel_size, skeleton_aware=args.skeleton_aware,
                    neighbour_list=neighbour_list) for _ in lengths]
gen_before = [[p.detach().clone() for p in g.parameters()] for g in gens]
discs = [Conv1dModel([n_channels, 12, 1], args.kernel_size) for _ in lengths]
gan_models = [GAN_model(g, d, args) for g, d in zip(gens, discs)]
motion = torch.randn(1, n_channels, lengths[-1])
reals = [F.interpolate(motion, size=length, mode='linear', align_corners=False) for length in lengths]
z_star = torch.randn(1, n_channels, lengths[0])
joint_train([reals], gens, gan_models, [lengths], [z_star], [[0.1, 0.1]], args)
stepped = all(not torch.equal(p, b) for g, before in zip(gens, gen_before)
              for p, b in zip(g.parameters(), before) if p.requires_grad)
