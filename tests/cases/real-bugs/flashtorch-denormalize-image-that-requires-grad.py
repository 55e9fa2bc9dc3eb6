# case: flashtorch-denormalize-image-that-requires-grad
# source: https://github.com/MisaOgura/flashtorch/issues/45
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# flashtorch.utils: apply_transforms() returns the image with `tensor.requires_grad = True` (for saliency maps),
# and denormalize() clones it and writes each channel, got by iterating over `denormalized[0]` (unbind), in place.
# The PIL/torchvision steps of apply_transforms are replaced by a random tensor.
import torch


def apply_transforms(image):
    tensor = image.unsqueeze(0)
    tensor.requires_grad = True
    return tensor


def denormalize(tensor):
    means = [0.485, 0.456, 0.406]
    stds = [0.229, 0.224, 0.225]

    denormalized = tensor.clone()

    for channel, mean, std in zip(denormalized[0], means, stds):
        channel.mul_(std).add_(mean)  # error: IPL009

    return denormalized


torch.manual_seed(0)
image = apply_transforms(torch.rand(3, 4, 4))
shown = denormalize(image)
