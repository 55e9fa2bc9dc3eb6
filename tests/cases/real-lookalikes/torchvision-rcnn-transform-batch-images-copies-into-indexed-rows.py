# case: torchvision-rcnn-transform-batch-images-copies-into-indexed-rows
# source: https://github.com/pytorch/vision/issues/4153
# expect: clean
# torch: clean
# check: all(torch.allclose(g, r) for g, r in zip(grads, ref_grads))

# The look-alike of torchvision-rcnn-transform-batch-images-copies-into-unbound-rows: torchvision's fix for the
# thread, batch_images fills the padded batch through an index, `batched_imgs[i, : img.shape[0], ...].copy_(img)`,
# a single view per image rather than the rows of an unbind, so copying the attacked (grad-requiring) images in is
# recorded normally and the loss gradient reaches the input. The reference gradients come from the same model
# with the padding done out of place (F.pad and torch.stack).

import math

import torch
from torch import nn


class GeneralizedRCNNTransform(nn.Module):
    def __init__(self, image_mean, image_std, size_divisible=32):
        super().__init__()
        self.image_mean = image_mean
        self.image_std = image_std
        self.size_divisible = size_divisible

    def forward(self, images):
        images = [img for img in images]
        for i in range(len(images)):
            image = images[i]
            image = self.normalize(image)
            images[i] = image
        image_sizes = [img.shape[-2:] for img in images]
        images = self.batch_images(images, size_divisible=self.size_divisible)
        return images, image_sizes

    def normalize(self, image):
        dtype, device = image.dtype, image.device
        mean = torch.as_tensor(self.image_mean, dtype=dtype, device=device)
        std = torch.as_tensor(self.image_std, dtype=dtype, device=device)
        return (image - mean[:, None, None]) / std[:, None, None]

    def max_by_axis(self, the_list):
        maxes = the_list[0]
        for sublist in the_list[1:]:
            for index, item in enumerate(sublist):
                maxes[index] = max(maxes[index], item)
        return maxes

    def batch_images(self, images, size_divisible=32):
        max_size = self.max_by_axis([list(img.shape) for img in images])
        stride = float(size_divisible)
        max_size = list(max_size)
        max_size[1] = int(math.ceil(float(max_size[1]) / stride) * stride)
        max_size[2] = int(math.ceil(float(max_size[2]) / stride) * stride)

        batch_shape = [len(images)] + max_size
        batched_imgs = images[0].new_full(batch_shape, 0)
        for i in range(batched_imgs.shape[0]):
            img = images[i]
            batched_imgs[i, : img.shape[0], : img.shape[1], : img.shape[2]].copy_(img)

        return batched_imgs


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.transform = GeneralizedRCNNTransform([0.485, 0.456, 0.406], [0.229, 0.224, 0.225], size_divisible=4)
        self.backbone = nn.Conv2d(3, 2, 3, padding=1)

    def forward(self, images):
        batched, image_sizes = self.transform(images)
        return self.backbone(batched).mean()


def loss_gradient(model, x):
    x = [img.clone().requires_grad_(True) for img in x]
    loss = model(x)
    loss.backward()
    return [img.grad for img in x]


torch.manual_seed(0)
model = Detector()
images = [torch.rand(3, 5, 6), torch.rand(3, 6, 4)]
grads = loss_gradient(model, images)

xs = [img.clone().requires_grad_(True) for img in images]
normed = [model.transform.normalize(img) for img in xs]
padded = torch.stack([torch.nn.functional.pad(img, (0, 8 - img.shape[2], 0, 8 - img.shape[1])) for img in normed])
ref_grads = torch.autograd.grad(model.backbone(padded).mean(), xs)
