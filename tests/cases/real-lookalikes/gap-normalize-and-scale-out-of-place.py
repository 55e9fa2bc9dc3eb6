# case: gap-normalize-and-scale-out-of-place
# source: https://github.com/OmidPoursaeed/Generative_Adversarial_Perturbations/issues/4
# expect: clean
# torch: clean
# check: netG[0].weight.grad is not None and float(delta_im.detach().abs().max()) < 10

# The normalisation of the generator output written out of place (the differentiable version the issue asks for):
# the Tanh's saved output is never touched. The per-image l_inf clip is a clamp by a detached scale.
import torch
import torch.nn as nn

mean_arr = [0.485, 0.456, 0.406]
stddev_arr = [0.229, 0.224, 0.225]
mag_in = 10.0


def normalize_and_scale(delta_im, bs):
    delta_im = (delta_im + 1) * 0.5  # now 0..1
    mean = torch.tensor(mean_arr).view(1, 3, 1, 1)
    std = torch.tensor(stddev_arr).view(1, 3, 1, 1)
    delta_im = (delta_im - mean) / std
    l_inf = delta_im.detach().abs().amax(dim=(2, 3), keepdim=True)
    scale = torch.clamp((mag_in / (255.0 * std)) / l_inf, max=1.0)
    return delta_im * scale


torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(2, 3 * 2 * 2), nn.Tanh(), nn.Unflatten(1, (3, 2, 2)))
noise = torch.rand(2, 2)
image = torch.rand(2, 3, 2, 2)

delta_im = netG(noise)
delta_im = normalize_and_scale(delta_im, 2)
recons = image + delta_im
loss = (recons ** 2).sum()
loss.backward()
