# case: neuralstyletransfer-save-image-scales-optimized-noise-in-place
# source: https://github.com/halahup/NeuralStyleTransfer/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
# known-miss: `noise.cpu().detach()` is taken for `noise` itself on the CPU (a warning: on a GPU `.cpu()` copies), VGG19's features are built layer by layer and sliced (`self.vgg[:23]`), so the first convolution's save of the image is known; but `make_grid`'s branches on `tensor.dim()` and `tensor.size(0)` are not decided, so the grid may be a new tensor (`torch.cat`, `new_full`) rather than a view of the image, and a write must reach a saved tensor on every path (with those branches cut to the single-image return, the write is found)

# halahup/NeuralStyleTransfer, nst.py: the image being optimised is the leaf `noise` (requires_grad, the only
# parameter of Adam). Each `save_every` iterations, between the forward passes and `total_loss.backward()`, it is
# written out with `save_image(noise.cpu().detach(), ...)`. On CPU (the reporter ran on a Mac) `.cpu()` returns
# the same tensor and `.detach()` an alias sharing its storage and version counter; torchvision 0.4's make_grid
# returns `tensor.squeeze(0)` for a single image, and save_image then did `grid.mul_(255).add_(0.5).clamp_(0, 255)`
# -- three in-place ops on `noise`, which the first VGG conv saved: "[torch.FloatTensor [1, 3, 512, 512]] is at
# version 3; expected version 0" at iteration 0 (torchvision later changed mul_ to mul, pytorch/vision#1244).
# Kept: main()'s loop, VGG.get_content_activations / get_style_activations slicing the features Sequential, the
# MaxPool->AvgPool swap, losses.py, and torchvision 0.4's make_grid/save_image (the PIL write and the mkdir dropped,
# no file is written). Reduced: VGG19's layer layout with 1/16 of the channels and random weights instead of the
# pretrained ones (content activations viewed as 32 rows instead of 512), 32x32 images, 2 iterations.
import math

import torch
import torch.nn as nn
from torch import optim


def make_grid(tensor, nrow=8, padding=2, normalize=False, range=None, scale_each=False, pad_value=0):
    # torchvision 0.4 utils.make_grid (normalize/range branch left out: not used here)
    if tensor.dim() == 2:  # single image H x W
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # single image
        if tensor.size(0) == 1:  # if single-channel, convert to 3-channel
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)

    if tensor.dim() == 4 and tensor.size(1) == 1:  # single-channel images
        tensor = torch.cat((tensor, tensor, tensor), 1)

    if tensor.size(0) == 1:
        return tensor.squeeze(0)

    # make the mini-batch of images into a grid
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((3, height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding)\
                .narrow(2, x * width + padding, width - padding)\
                .copy_(tensor[k])
            k = k + 1
    return grid


def save_image(tensor, filename, nrow=8, padding=2, normalize=False, range=None, scale_each=False, pad_value=0):
    # torchvision 0.4 utils.save_image, up to the array handed to PIL
    grid = make_grid(tensor, nrow=nrow, padding=padding, pad_value=pad_value,
                     normalize=normalize, range=range, scale_each=scale_each)
    # Add 0.5 after unnormalizing to [0, 255] to round to nearest integer
    ndarr = grid.mul_(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to('cpu', torch.uint8)  # warning: IPL003
    return ndarr


def gram(tensor):
    """
        Constructs the Gramian matrix out of the tensor
    """
    return torch.mm(tensor, tensor.t())


def gram_loss(noise_img_gram, style_img_gram, N, M):
    """
        Gramian loss: the SSE between Gramian matrices of a layer
    """
    return torch.sum(torch.pow(noise_img_gram - style_img_gram, 2)).div(float((N*M*2) ** 2))


def total_variation_loss(image):
    """
        Variation loss makes the images smoother, defined over spacial dimensions
    """
    loss = torch.mean(torch.abs(image[:, :, :, :-1] - image[:, :, :, 1:])) + \
        torch.mean(torch.abs(image[:, :, :-1, :] - image[:, :, 1:, :]))
    return loss


def content_loss(noise: torch.Tensor, image: torch.Tensor):
    """
        Simple SSE loss over the generated image and the content image
    """
    return 1/2. * torch.sum(torch.pow(noise - image, 2))


def vgg19_features(width=4):
    # torchvision's vgg19().features layout (conv / ReLU(inplace=True) / MaxPool indices), narrower
    cfg = [1, 1, 'M', 2, 2, 'M', 4, 4, 4, 4, 'M', 8, 8, 8, 8, 'M', 8, 8, 8, 8, 'M']
    layers, in_channels = [], 3
    for v in cfg:
        if v == 'M':
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            layers += [nn.Conv2d(in_channels, v * width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            in_channels = v * width
    return nn.Sequential(*layers)


# define the VGG
class VGG(nn.Module):
    def __init__(self):
        super(VGG, self).__init__()

        # load the vgg model's features
        self.vgg = vgg19_features()

    def get_content_activations(self, x: torch.Tensor) -> torch.Tensor:
        features = self.vgg[:23](x)
        return features

    def get_style_activations(self, x):
        features = [self.vgg[:4](x)] + [self.vgg[:7](x)] + [self.vgg[:12](x)] + [self.vgg[:21](x)] + [self.vgg[:30](x)]
        return features

    def forward(self, x):
        return self.vgg(x)


def main(content_image, style_image, img_dim, num_iter, style_weight, content_weight, variation_weight,
         print_every, save_every):
    device = torch.device('cpu')

    # init the network
    vgg = VGG().to(device).eval()

    # replace the MaxPool with the AvgPool layers
    for name, child in vgg.vgg.named_children():
        if isinstance(child, nn.MaxPool2d):
            vgg.vgg[int(name)] = nn.AvgPool2d(kernel_size=2, stride=2)

    # lock the gradients
    for param in vgg.parameters():
        param.requires_grad = False

    # get the content activations of the content image and detach them from the graph
    content_activations = vgg.get_content_activations(content_image).detach()

    # unroll the content activations
    content_activations = content_activations.view(32, -1)

    # get the style activations of the style image
    style_activations = vgg.get_style_activations(style_image)

    # for every layer in the style activations
    for i in range(len(style_activations)):

        # unroll the activations and detach them from the graph
        style_activations[i] = style_activations[i].squeeze().view(style_activations[i].shape[1], -1).detach()

    # calculate the gram matrices of the style image
    grams = [gram(style_activations[i]) for i in range(len(style_activations))]

    # generate the Gaussian noise
    noise = torch.randn(1, 3, img_dim, img_dim, device=device, requires_grad=True)

    # define the adam optimizer
    # pass the fearture map pixels to the optimnizer as parameters
    adam = optim.Adam(params=[noise], lr=0.01, betas=(0.9, 0.999))

    # run the iteration
    for iteration in range(num_iter):

        # zero the gradient
        adam.zero_grad()

        # get the content activations of the Gaussian noise
        noise_content_activations = vgg.get_content_activations(noise)

        # unroll the feature maps of the noise
        noise_content_activations = noise_content_activations.view(32, -1)

        # calculate the content loss
        content_loss_ = content_loss(noise_content_activations, content_activations)

        # get the style activations of the noise image
        noise_style_activations = vgg.get_style_activations(noise)

        # for every layer
        for i in range(len(noise_style_activations)):

            # unroll the the noise style activations
            noise_style_activations[i] = noise_style_activations[i].squeeze().view(noise_style_activations[i].shape[1], -1)

        # calculate the noise gram matrices
        noise_grams = [gram(noise_style_activations[i]) for i in range(len(noise_style_activations))]

        # calculate the total weighted style loss
        style_loss = 0
        for i in range(len(style_activations)):
            N, M = noise_style_activations[i].shape[0], noise_style_activations[i].shape[1]
            style_loss += (gram_loss(noise_grams[i], noise_grams[i], N, M) / 5.)

        # put the style loss on device
        style_loss = style_loss.to(device)

        # calculate the total variation loss
        variation_loss = total_variation_loss(noise).to(device)

        # weight the final losses and add them together
        total_loss = content_weight * content_loss_ + style_weight * style_loss + variation_weight * variation_loss

        if iteration % print_every == 0:
            print("Iteration: {}, Content Loss: {:.3f}, Style Loss: {:.3f}, Var Loss: {:.3f}".format(
                iteration, content_weight * content_loss_.item(), style_weight * style_loss.item(),
                variation_weight * variation_loss.item()))

        # generate the image
        if iteration % save_every == 0:
            save_image(noise.cpu().detach(), filename='./generated/iter_{}.png'.format(iteration))

        # backprop
        total_loss.backward()

        # update parameters
        adam.step()

    return noise


torch.manual_seed(0)
content_image, style_image = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)
noise = main(content_image, style_image, img_dim=32, num_iter=2, style_weight=10e6, content_weight=10e-4,
             variation_weight=10e3, print_every=1000, save_every=100)
