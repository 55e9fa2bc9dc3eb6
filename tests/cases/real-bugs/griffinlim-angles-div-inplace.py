# case: griffinlim-angles-div-inplace
# source: https://github.com/pytorch/audio/issues/729
# expect: markers
# torch: raises "modified by an inplace operation"

# torchaudio (mid-2020) transforms.GriffinLim -> functional.griffinlim(): each iteration updates
# the phase estimate with `angles = angles.div_(complex_norm(angles).add_(1e-16)...)`. The
# helper complex_norm() is torch.norm, which saves both its input (angles) and its result; the
# same line then writes both in place (add_ on the norm, div_ on angles), so backpropagating a
# loss through the module (the reproduction: a Linear before GriffinLim) fails.
# Reduced: n_fft 64, 4 iterations, power=1 (the Linear output can be negative); torchaudio's real-valued istft/stft of that time are
# emulated with view_as_complex/view_as_real. IPL003 twice on that line, one marker a write.
import math
from typing import Optional

import torch
from torch import Tensor


def istft(stft_matrix, n_fft, hop_length=None, win_length=None, window=None, length=None):
    # torchaudio's own istft of that time took a real (..., freq, frames, 2) tensor
    return torch.istft(torch.view_as_complex(stft_matrix.contiguous()), n_fft, hop_length,
                       win_length, window, center=True, normalized=False, onesided=True,
                       length=length)


def complex_norm(complex_tensor: Tensor, power: float = 1.0) -> Tensor:
    if power == 1.0:
        return torch.norm(complex_tensor, 2, -1)
    return torch.norm(complex_tensor, 2, -1).pow(power)


def griffinlim(specgram: Tensor, window: Tensor, n_fft: int, hop_length: int, win_length: int,
               power: float, normalized: bool, n_iter: int, momentum: float,
               length: Optional[int], rand_init: bool) -> Tensor:
    assert momentum < 1, 'momentum=%s > 1 can be unstable' % momentum
    assert momentum > 0, 'momentum=%s < 0' % momentum

    # pack batch
    shape = specgram.size()
    specgram = specgram.reshape([-1] + list(shape[-2:]))

    specgram = specgram.pow(1 / power)

    # randomly initialize the phase
    batch, freq, frames = specgram.size()
    if rand_init:
        angles = 2 * math.pi * torch.rand(batch, freq, frames)
    else:
        angles = torch.zeros(batch, freq, frames)
    angles = torch.stack([angles.cos(), angles.sin()], dim=-1) \
        .to(dtype=specgram.dtype, device=specgram.device)
    specgram = specgram.unsqueeze(-1).expand_as(angles)

    # And initialize the previous iterate to 0
    rebuilt = torch.tensor(0.)

    for _ in range(n_iter):
        # Store the previous iterate
        tprev = rebuilt

        # Invert with our current estimate of the phases
        inverse = istft(specgram * angles, n_fft=n_fft, hop_length=hop_length,
                        win_length=win_length, window=window, length=length).float()

        # Rebuild the spectrogram
        rebuilt = torch.view_as_real(torch.stft(inverse, n_fft, hop_length, win_length, window,
                                                True, 'reflect', False, True, return_complex=True))

        # Update our phase estimates
        angles = rebuilt - tprev.mul_(momentum / (1 + momentum))
        angles = angles.div_(complex_norm(angles).add_(1e-16).unsqueeze(-1).expand_as(angles))  # error: IPL003, IPL003

    # Return the final phase estimates
    waveform = istft(specgram * angles, n_fft=n_fft, hop_length=hop_length,
                     win_length=win_length, window=window, length=length)

    # unpack batch
    waveform = waveform.view(shape[:-2] + waveform.shape[-1:])
    return waveform


class GriffinLim(torch.nn.Module):
    def __init__(self, n_fft=400, n_iter=32, win_length=None, hop_length=None,
                 window_fn=torch.hann_window, power=2., normalized=False, wkwargs=None,
                 momentum=0.99, length=None, rand_init=True):
        super(GriffinLim, self).__init__()
        self.n_fft = n_fft
        self.n_iter = n_iter
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        window = window_fn(self.win_length) if wkwargs is None else window_fn(self.win_length, **wkwargs)
        self.register_buffer('window', window)
        self.normalized = normalized
        self.length = length
        self.power = power
        self.momentum = momentum / (1 + momentum)
        self.rand_init = rand_init

    def forward(self, specgram: Tensor) -> Tensor:
        return griffinlim(specgram, self.window, self.n_fft, self.hop_length, self.win_length,
                          self.power, self.normalized, self.n_iter, self.momentum, self.length,
                          self.rand_init)


# the reproduction from the issue, sizes reduced
torch.manual_seed(0)
x = torch.rand(1, 2000)
spec = torch.view_as_real(torch.stft(x, n_fft=64, hop_length=16, win_length=32,
                                     window=torch.ones(32), return_complex=True))
mag = spec.pow(2).sum(-1).transpose(1, -1)
model = torch.nn.Linear(33, 33)
out = model(mag).transpose(1, -1)
resyn = GriffinLim(n_fft=64, hop_length=16, win_length=32, n_iter=4, power=1.)  # power=1: a raw Linear output is not a valid power spectrogram
wav = resyn(out)
optimizer = torch.optim.Adam(model.parameters(), lr=0.0001)
loss = torch.nn.functional.mse_loss(wav, x[:, :wav.shape[-1]])
loss.backward()
optimizer.step()
