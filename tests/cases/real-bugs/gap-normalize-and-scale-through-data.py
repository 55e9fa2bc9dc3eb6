# case: gap-normalize-and-scale-through-data
# source: https://github.com/OmidPoursaeed/Generative_Adversarial_Perturbations/issues/4
# expect: markers
# torch: clean
# check: not torch.allclose(netG[0].weight.grad, reference_grad)

# GAP_clf.py, normalize_and_scale(delta_im): the generator's output is rescaled and clipped by writing through
# .data. The generator ends in a Tanh, which saves its output for backward, so backward silently uses the rescaled
# values (the "unexact gradients" of the issue). opt/mean_arr/stddev_arr/mag_in are the script's globals, given
# small values; the reference gradient is the same step with the Tanh output intact (the writes are still invisible
# to autograd, as the author intends).
import torch
import torch.nn as nn

mean_arr = [0.485, 0.456, 0.406]
stddev_arr = [0.229, 0.224, 0.225]
mag_in = 10.0


def normalize_and_scale(delta_im, bs):
    delta_im.data += 1  # error: IPL004
    delta_im.data *= 0.5  # error: IPL004

    # normalize image color channels
    for c in range(3):
        delta_im.data[:, c, :, :] = (delta_im.data[:, c, :, :] - mean_arr[c]) / stddev_arr[c]  # error: IPL004

    # threshold each channel of each image in deltaIm according to inf norm
    for i in range(bs):
        # do per channel l_inf normalization
        for ci in range(3):
            l_inf_channel = delta_im[i, ci, :, :].data.abs().max()
            mag_in_scaled_c = mag_in / (255.0 * stddev_arr[ci])
            delta_im[i, ci, :, :].data *= min(1.0, float(mag_in_scaled_c / l_inf_channel))  # error: IPL004

    return delta_im


torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(2, 3 * 2 * 2), nn.Tanh(), nn.Unflatten(1, (3, 2, 2)))
noise = torch.rand(2, 2)
image = torch.rand(2, 3, 2, 2)

delta_im = netG(noise)
delta_im = normalize_and_scale(delta_im, 2)
recons = image + delta_im
loss = (recons ** 2).sum()
loss.backward()

grad = netG[0].weight.grad.clone()
netG.zero_grad()
delta = netG(noise)
scaled = normalize_and_scale(delta.detach().clone(), 2)
(image + delta + (scaled - delta.detach())).pow(2).sum().backward()
reference_grad = netG[0].weight.grad
netG[0].weight.grad = grad
