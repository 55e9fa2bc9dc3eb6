# case: score-cam-denormalize-channel-loop
# source: https://github.com/haofanwang/Score-CAM/issues/28
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# utils/__init__.py of Score-CAM: basic_visualize(input_, ...) -> denormalize(input_) with the input image of the
# saliency run, which requires grad. The plotting is left out.
import torch


def denormalize(tensor):
    means = [0.485, 0.456, 0.406]
    stds = [0.229, 0.224, 0.225]

    denormalized = tensor.clone()

    for channel, mean, std in zip(denormalized[0], means, stds):
        channel.mul_(std).add_(mean)  # error: IPL009

    return denormalized


def basic_visualize(input_, gradients):
    input_ = denormalize(input_)
    return input_, gradients


torch.manual_seed(0)
input_ = torch.rand(1, 3, 4, 4, requires_grad=True)
scorecam_map = torch.rand(1, 1, 4, 4)
basic_visualize(input_.cpu(), scorecam_map.type(torch.FloatTensor).cpu())
