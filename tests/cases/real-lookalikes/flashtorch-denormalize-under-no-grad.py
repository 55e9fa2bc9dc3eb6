# case: flashtorch-denormalize-under-no-grad
# source: https://github.com/MisaOgura/flashtorch/issues/45
# expect: clean
# torch: clean
# check: torch.allclose(shown[0, 1], image[0, 1].detach() * 0.224 + 0.456)

# The look-alike of real-bugs/flashtorch-denormalize-image-that-requires-grad: the same channel loop, run under
# torch.no_grad() (the image is only being prepared for plotting), so the unbind views are made and written with
# grad mode off.
import torch


def apply_transforms(image):
    tensor = image.unsqueeze(0)
    tensor.requires_grad = True
    return tensor


def denormalize(tensor):
    means = [0.485, 0.456, 0.406]
    stds = [0.229, 0.224, 0.225]

    with torch.no_grad():
        denormalized = tensor.clone()

        for channel, mean, std in zip(denormalized[0], means, stds):
            channel.mul_(std).add_(mean)

    return denormalized


torch.manual_seed(0)
image = apply_transforms(torch.rand(3, 4, 4))
shown = denormalize(image)
