# case: fast-neural-style-scaled-tanh-output-mean-subtracted-in-place
# source: https://github.com/abhiskk/fast-neural-style/issues/12
# expect: clean
# torch: clean
# check: torch.allclose(transformer_grad, reference_grad, rtol=1e-4, atol=1e-6) and float(reference_grad.abs().sum()) > 0

# The repository's own TransformerNet.forward (neural_style/transformer_net.py) ends with the Tanh too, but returns
# `y = y * 150.0`: the scaled copy is a new tensor and a product by a Python number saves nothing, so
# utils.subtract_imagenet_mean_batch can subtract the mean from it in place while Tanh's saved output stays intact.
# Same reduced helpers, layers and training step as real-bugs/fast-neural-style-tanh-output-mean-subtracted-in-place;
# the check recomputes the step with an out-of-place mean subtraction on a copy of the net made before training.
import copy

import torch
import torch.nn as nn
from torch.autograd import Variable


# ---- neural_style/utils.py ----
def gram_matrix(y):
    (b, ch, h, w) = y.size()
    features = y.view(b, ch, w * h)
    features_t = features.transpose(1, 2)
    gram = features.bmm(features_t) / (ch * h * w)
    return gram


def subtract_imagenet_mean_batch(batch):
    """Subtract ImageNet mean pixel-wise from a BGR image."""
    mean = batch.data.new(batch.data.size())
    mean[:, 0, :, :] = 103.939
    mean[:, 1, :, :] = 116.779
    mean[:, 2, :, :] = 123.680
    batch -= Variable(mean)


def preprocess_batch(batch):
    batch = batch.transpose(0, 1)
    (r, g, b) = torch.chunk(batch, 3)
    batch = torch.cat((b, g, r))
    batch = batch.transpose(0, 1)
    return batch


# ---- neural_style/transformer_net.py, with the Tanh output the issue adds ----
class TransformerNet(torch.nn.Module):
    def __init__(self):
        super(TransformerNet, self).__init__()
        self.conv1 = ConvLayer(3, 8, 9, 1)
        self.in1 = InstanceNormalization(8)
        self.conv2 = ConvLayer(8, 16, 3, 2)
        self.in2 = InstanceNormalization(16)
        self.res1 = ResidualBlock(16)
        self.deconv1 = UpsampleConvLayer(16, 8, 3, 1, upsample=2)
        self.in4 = InstanceNormalization(8)
        self.deconv3 = ConvLayer(8, 3, 9, 1)
        self.relu = nn.ReLU()
        self.tanh = nn.Tanh()

    def forward(self, X):
        in_X = X
        y = self.relu(self.in1(self.conv1(in_X)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.res1(y)
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.tanh(self.deconv3(y))
        y = y * 150.0
        return y


class ResidualBlock(torch.nn.Module):
    def __init__(self, channels):
        super(ResidualBlock, self).__init__()
        self.conv1 = ConvLayer(channels, channels, 3, 1)
        self.in1 = InstanceNormalization(channels)
        self.conv2 = ConvLayer(channels, channels, 3, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.in1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out += residual
        return out


class ConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super(ConvLayer, self).__init__()
        reflection_padding = kernel_size // 2
        self.reflection_pad = nn.ReflectionPad2d(reflection_padding)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        out = self.reflection_pad(x)
        out = self.conv2d(out)
        return out


class UpsampleConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
        super(UpsampleConvLayer, self).__init__()
        self.upsample = upsample
        if upsample:
            self.upsample_layer = torch.nn.UpsamplingNearest2d(scale_factor=upsample)
        reflection_padding = kernel_size // 2
        self.reflection_pad = nn.ReflectionPad2d(reflection_padding)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        x_in = x
        if self.upsample:
            x_in = self.upsample_layer(x_in)
        out = self.reflection_pad(x_in)
        out = self.conv2d(out)
        return out


class InstanceNormalization(torch.nn.Module):
    def __init__(self, dim):
        super(InstanceNormalization, self).__init__()
        self.scale = nn.Parameter(torch.empty(dim))
        self.shift = nn.Parameter(torch.empty(dim))
        self._reset_parameters()

    def _reset_parameters(self):
        self.scale.data.uniform_()
        self.shift.data.zero_()

    def forward(self, x):
        n = x.size(2) * x.size(3)
        t = x.view(x.size(0), x.size(1), n)
        mean = torch.mean(t, 2).unsqueeze(2).unsqueeze(3).expand_as(x)
        var = torch.var(t, 2).unsqueeze(2).unsqueeze(3).expand_as(x) * ((n - 1) / float(n))
        scale_broadcast = self.scale.unsqueeze(1).unsqueeze(1).unsqueeze(0)
        scale_broadcast = scale_broadcast.expand_as(x)
        shift_broadcast = self.shift.unsqueeze(1).unsqueeze(1).unsqueeze(0)
        shift_broadcast = shift_broadcast.expand_as(x)
        out = (x - mean) / torch.sqrt(var + 1e-9)
        out = (out * scale_broadcast) + shift_broadcast
        return out


class FeatureNet(torch.nn.Module):
    """Stands in for the frozen Vgg16: returns the features of two stages."""

    def __init__(self):
        super(FeatureNet, self).__init__()
        self.slice1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.slice2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())

    def forward(self, X):
        h_relu1 = self.slice1(X)
        h_relu2 = self.slice2(h_relu1)
        return [h_relu1, h_relu2]


# ---- the training step of neural_style.train() ----
torch.manual_seed(42)
transformer = TransformerNet()
reference = copy.deepcopy(transformer)
optimizer = torch.optim.Adam(transformer.parameters(), 1e-3)
mse_loss = torch.nn.MSELoss()
vgg = FeatureNet().requires_grad_(False)
content_weight, style_weight = 1.0, 5.0

style = torch.rand(3, 16, 16).mul(255).repeat(2, 1, 1, 1)
style = preprocess_batch(style)
with torch.no_grad():
    subtract_imagenet_mean_batch(style)
    features_style = vgg(style)
    gram_style = [gram_matrix(y) for y in features_style]

x = torch.rand(2, 3, 16, 16).mul(255)
n_batch = len(x)
optimizer.zero_grad()
x = Variable(preprocess_batch(x))

y = transformer(x)

with torch.no_grad():
    xc = x.data.clone()

subtract_imagenet_mean_batch(y)
with torch.no_grad():
    subtract_imagenet_mean_batch(xc)

features_y = vgg(y)
with torch.no_grad():
    features_xc = vgg(xc)

f_xc_c = features_xc[1].detach()
content_loss = content_weight * mse_loss(features_y[1], f_xc_c)

style_loss = 0.
for m in range(len(features_y)):
    gram_s = gram_style[m].detach()
    gram_y = gram_matrix(features_y[m])
    style_loss += style_weight * mse_loss(gram_y, gram_s[:n_batch, :, :])

total_loss = content_loss + style_loss
total_loss.backward()
optimizer.step()

transformer_grad = transformer.conv1.conv2d.weight.grad.clone()

mean = torch.tensor([103.939, 116.779, 123.680]).view(1, 3, 1, 1)
y_ref = reference(x) - mean
features_ref = vgg(y_ref)
loss_ref = content_weight * mse_loss(features_ref[1], f_xc_c)
for m in range(len(features_ref)):
    loss_ref = loss_ref + style_weight * mse_loss(gram_matrix(features_ref[m]), gram_style[m][:n_batch, :, :])
loss_ref.backward()
reference_grad = reference.conv1.conv2d.weight.grad
