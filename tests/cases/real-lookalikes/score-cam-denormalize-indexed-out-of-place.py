# case: score-cam-denormalize-indexed-out-of-place
# source: https://github.com/haofanwang/Score-CAM/issues/28
# expect: clean
# torch: clean
# check: torch.allclose(shown[0, 2], input_[0, 2] * 0.225 + 0.406)

# The fix posted in the thread (hayleeXinyi): each channel is recomputed out of place and assigned back by index,
# `denormalized[0][count] = denormalized[0][count].mul(std)`, instead of mul_/add_ on the loop variable.
import torch


def denormalize(tensor):
    means = [0.485, 0.456, 0.406]
    stds = [0.229, 0.224, 0.225]

    denormalized = tensor.clone()

    count = 0
    for channel, mean, std in zip(denormalized[0], means, stds):
        denormalized[0][count] = denormalized[0][count].mul(std)
        denormalized[0][count] = denormalized[0][count].add(mean)
        count += 1

    return denormalized


def basic_visualize(input_, gradients):
    input_ = denormalize(input_)
    return input_, gradients


torch.manual_seed(0)
input_ = torch.rand(1, 3, 4, 4, requires_grad=True)
scorecam_map = torch.rand(1, 1, 4, 4)
shown, _ = basic_visualize(input_.cpu(), scorecam_map.type(torch.FloatTensor).cpu())
