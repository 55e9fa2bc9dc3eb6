# case: torchvision-rcnn-transform-batch-images-copies-into-unbound-rows
# source: https://github.com/pytorch/vision/issues/4153
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# The thread: the Adversarial Robustness Toolbox needs the loss gradient with respect to the input images of
# torchvision's fasterrcnn_resnet50_fpn; since torchvision 0.8, GeneralizedRCNNTransform.batch_images raises "A view
# was created in no_grad mode and is being modified inplace with grad mode enabled. This view is the output of a
# function that returns multiple views." batch_images allocates the padded batch with
# `images[0].new_full(batch_shape, 0)` and fills it with
# `for img, pad_img in zip(images, batched_imgs): pad_img[...].copy_(img)`: iterating the batch unbinds it, and
# copying an image that requires grad (the attacked input, normalised) into one of those rows is refused. The fix
# in torchvision indexes the batch instead: `batched_imgs[i, : img.shape[0], ...].copy_(img)`.
# Reduced: GeneralizedRCNNTransform keeps normalize/batch_images/max_by_axis (resizing left out, size_divisible 4);
# the detector is a one-conv backbone whose mean activation stands in for the detection loss; the ART loss_gradient
# is a few lines on two small images of different sizes.

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
        for img, pad_img in zip(images, batched_imgs):
            pad_img[: img.shape[0], : img.shape[1], : img.shape[2]].copy_(img)  # error: IPL009

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
