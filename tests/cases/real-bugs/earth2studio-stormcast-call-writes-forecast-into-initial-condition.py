# case: earth2studio-stormcast-call-writes-forecast-into-initial-condition
# source: https://github.com/NVIDIA/earth2studio/issues/1133
# expect: markers
# torch: clean
# check: torch.equal(steps[0], steps[2]) and not torch.allclose(steps[0], initial_condition)
# known-miss: `__call__` of a plain class writes each forecast into the caller's tensor (`x[i, j, k : k + 1] = ...`) and the generator `create_iterator` yields that same tensor at every step; the analysis does not follow a tensor through a generator's yields, nor report a callee's writes into an argument the caller keeps (IPL008 covers modules)

# earth2studio, the StormCast v1 prognostic model (km-scale weather forecasting), models/px/stormcast.py. __call__
# loops over batch/time/lead_time and writes each step's forecast back into the tensor the caller passed,
# `x[i, j, k : k + 1] = self._forward(x[i, j, k : k + 1], ...)`, then returns that same tensor. Nothing raises (all of
# it runs under torch.inference_mode), but the caller's initial condition is overwritten, and create_iterator, which
# yields x and feeds it back into __call__, hands out the same storage at every step: a kept step 0 reads as the
# latest forecast. StormCastCONUS already did `x = x.clone()  # prevent editing of argument`; PR #1134 added it here
# (the look-alike). Kept: _forward's normalisation, regression model on (x, conditioning, invariants), the diffusion
# correction added with `out +=`, denormalisation; __call__'s loops and in-place write; _default_generator and
# create_iterator. Reduced: the regression and diffusion networks are one convolution each and the EDM sampler is a
# single call of the diffusion network on its conditioning; conditioning data come from a fixed tensor instead of
# GFS_FX fetch/interpolation; coordinates are a small OrderedDict, the @batch_func decorator and coordinate handshakes
# are left out; a 3-variable 8x8 grid. The check: after iterating two steps, the kept initial state equals step 2 and
# no longer equals a copy of the initial condition taken before.
from collections import OrderedDict

import torch
import torch.nn as nn


class StormCast(nn.Module):
    def __init__(self, regression_model, diffusion_model, means, stds, invariants, conditioning):
        super().__init__()
        self.regression_model = regression_model
        self.diffusion_model = diffusion_model
        self.register_buffer("means", means)
        self.register_buffer("stds", stds)
        self.register_buffer("invariants", invariants)
        self.conditioning = conditioning  # stands in for conditioning_data_source

    def front_hook(self, x, coords):
        return x, coords

    def rear_hook(self, x, coords):
        return x, coords

    def output_coords(self, input_coords):
        output_coords = input_coords.copy()
        output_coords["lead_time"] = [lt + 1 for lt in input_coords["lead_time"]]
        return output_coords

    @torch.inference_mode()
    def _forward(self, x: torch.Tensor, conditioning: torch.Tensor) -> torch.Tensor:

        x = (x - self.means) / self.stds

        # Run regression model
        invariant_tensor = self.invariants.repeat(x.shape[0], 1, 1, 1)
        concats = torch.cat((x, conditioning, invariant_tensor), dim=1)

        out = self.regression_model(concats)

        # Concat for diffusion conditioning
        condition = torch.cat((x, out, invariant_tensor), dim=1)
        edm_out = 0.1 * self.diffusion_model(condition)  # the EDM sampler, reduced to one call

        out += edm_out

        out = out * self.stds + self.means

        return out

    @torch.inference_mode()
    def __call__(
        self,
        x: torch.Tensor,
        coords,
    ):
        """Runs prognostic model 1 step"""
        conditioning = self.conditioning.repeat(x.shape[0], 1, 1, 1, 1, 1)

        output_coords = self.output_coords(coords)

        for i, _ in enumerate(coords["batch"]):
            for j, _ in enumerate(coords["time"]):
                for k, _ in enumerate(coords["lead_time"]):
                    x[i, j, k : k + 1] = self._forward(  # error: IPL008
                        x[i, j, k : k + 1], conditioning[i, j, k : k + 1]
                    )

        return x, output_coords

    def _default_generator(self, x, coords):

        coords = coords.copy()
        self.output_coords(coords)
        yield x, coords

        while True:
            # Front hook
            x, coords = self.front_hook(x, coords)
            # Forward
            x, coords = self.__call__(x, coords)
            # Rear hook
            x, coords = self.rear_hook(x, coords)
            yield x, coords.copy()

    def create_iterator(self, x, coords):
        yield from self._default_generator(x, coords)


torch.manual_seed(0)
n_var, n_cond, ny, nx = 3, 2, 8, 8
model = StormCast(
    regression_model=nn.Conv2d(n_var + n_cond + 1, n_var, 3, padding=1),
    diffusion_model=nn.Conv2d(n_var + n_var + 1, n_var, 3, padding=1),
    means=torch.randn(1, n_var, 1, 1),
    stds=torch.rand(1, n_var, 1, 1) + 0.5,
    invariants=torch.randn(1, 1, ny, nx),
    conditioning=torch.randn(1, 1, 1, n_cond, ny, nx),
)
model.eval()

coords = OrderedDict(batch=[0], time=[0], lead_time=[0], variable=["u10m", "v10m", "t2m"],
                     hrrr_y=list(range(ny)), hrrr_x=list(range(nx)))
x = torch.randn(1, 1, 1, n_var, ny, nx)  # HRRR initial condition
initial_condition = x.clone()

steps = []
iterator = model.create_iterator(x, coords)
for step, (x_step, coords_step) in enumerate(iterator):
    steps.append(x_step)
    if step == 2:
        break
