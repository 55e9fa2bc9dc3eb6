# case: homography-stn-chunk-output-clamped-by-mask
# source: https://github.com/kail8/UnsupDIS-pytorch/issues/26
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# The spatial transformer of UnsupDIS-pytorch (`transformer(image2_tensor, H_tf)`): t_s is one of the chunks of
# the transformed grid (the homography H_tf is predicted, so it requires grad), `t_s.reshape(-1)` is a view of it
# (batch of one), and masking small values with `t_s_flat[t_s_flat.abs() < eps] = eps` writes that view in
# place. The bilinear _interpolate is replaced by a simple differentiable use of the sampling coordinates. Whether
# `reshape` returns a view depends on the shapes (with a batch of two it copies and backward runs clean): a warning.
import torch
import torch.nn as nn


def transformer(image2_tensor, H_tf):
    def _meshgrid(height, width):
        x_t = torch.mm(torch.ones(height, 1), torch.linspace(-1.0, 1.0, width).unsqueeze(0))
        y_t = torch.mm(torch.linspace(-1.0, 1.0, height).unsqueeze(1), torch.ones(1, width))

        x_t_flat = x_t.reshape(1, -1)
        y_t_flat = y_t.reshape(1, -1)

        ones = torch.ones_like(x_t_flat)
        grid = torch.cat([x_t_flat, y_t_flat, ones], dim=0)
        return grid

    bs, nc, height, width = image2_tensor.shape
    device = image2_tensor.device

    H_tf = H_tf.reshape(-1, 3, 3).float()
    # grid of (x_t, y_t, 1)
    grid = _meshgrid(height, width).unsqueeze(0).expand(bs, -1, -1).to(device)

    # Transform A x (x_t, y_t, 1)^T -> (x_s, y_s)
    T_g = torch.bmm(H_tf, grid)  # [bs,3,3] x [bs,3,w*h] -> [bs,3,w*h]
    x_s, y_s, t_s = torch.chunk(T_g, 3, dim=1)
    t_s_flat = t_s.reshape(-1)
    eps = 1e-2
    t_s_flat[t_s_flat.abs() < eps] = eps  # warning: IPL009

    #  batchsize * width * height
    x_s_flat = x_s.reshape(-1) / t_s_flat
    y_s_flat = y_s.reshape(-1) / t_s_flat

    # bilinear sampling (_interpolate) replaced by a differentiable stand-in of the same inputs
    input_transformed = image2_tensor.reshape(bs, nc, -1).permute(0, 2, 1).reshape(-1, nc) * \
        (x_s_flat + y_s_flat).unsqueeze(1)
    output = input_transformed.reshape(bs, height, width, nc).permute(0, 3, 1, 2)
    return output


torch.manual_seed(0)
regressor = nn.Linear(4, 9)
H = regressor(torch.randn(1, 4)) + torch.eye(3).reshape(1, 9)
image2 = torch.rand(1, 2, 3, 3)
transformer(image2, H).sum().backward()
