# case: svoice-sisnr-masks-unbound-stage-estimate-in-place
# source: https://github.com/facebookresearch/svoice/issues/53
# expect: markers
# torch: raises "is a view and is being modified inplace"

# svoice (speech separation of an unknown number of speakers). SWave.forward
# returns torch.stack(outputs), one separated estimate per RNN block; the
# solver's _run_one_epoch iterates `for c_idx, est_src in
# enumerate(estimate_source)`, which unbinds the stack, and passes each
# est_src to cal_loss -> cal_si_snr_with_pit, whose first step is
# `estimate_source *= mask` (svoice/models/sisnr_loss.py). With torch 1.9
# the reporter gets "Output 0 of UnbindBackward is a view and is being
# modified inplace"; the fix in the thread clones first. Kept: cal_loss,
# cal_si_snr_with_pit, reorder_source, get_mask as written, Encoder, the
# stack-of-stages output and the training loop's per-stage weighted loss.
# Completed: a tiny separator (one linear mask head per stage) and a
# transposed-conv decoder instead of the MulCat blocks and
# overlap_and_add; set_detect_anomaly dropped (it only warns); random
# mixtures; tiny sizes.
from itertools import permutations

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-8


def cal_loss(source, estimate_source, source_lengths):
    """
    Args:
        source: [B, C, T], B is batch size
        estimate_source: [B, C, T]
        source_lengths: [B]
    """
    max_snr, perms, max_snr_idx, snr_set = cal_si_snr_with_pit(source,
                                                               estimate_source,
                                                               source_lengths)
    B, C, T = estimate_source.shape
    loss = 0 - torch.mean(max_snr)

    reorder_estimate_source = reorder_source(
        estimate_source, perms, max_snr_idx)
    return loss, max_snr, estimate_source, reorder_estimate_source


def cal_si_snr_with_pit(source, estimate_source, source_lengths):
    """Calculate SI-SNR with PIT training.
    Args:
        source: [B, C, T], B is batch size
        estimate_source: [B, C, T]
        source_lengths: [B], each item is between [0, T]
    """
    assert source.size() == estimate_source.size()
    B, C, T = source.size()
    # mask padding position along T
    mask = get_mask(source, source_lengths)
    estimate_source *= mask  # error: IPL009

    # Step 1. Zero-mean norm
    num_samples = source_lengths.view(-1, 1, 1).float()  # [B, 1, 1]
    mean_target = torch.sum(source, dim=2, keepdim=True) / num_samples
    mean_estimate = torch.sum(estimate_source, dim=2,
                              keepdim=True) / num_samples
    zero_mean_target = source - mean_target
    zero_mean_estimate = estimate_source - mean_estimate
    # mask padding position along T
    zero_mean_target *= mask
    zero_mean_estimate *= mask

    # Step 2. SI-SNR with PIT
    # reshape to use broadcast
    s_target = torch.unsqueeze(zero_mean_target, dim=1)  # [B, 1, C, T]
    s_estimate = torch.unsqueeze(zero_mean_estimate, dim=2)  # [B, C, 1, T]
    # s_target = <s', s>s / ||s||^2
    pair_wise_dot = torch.sum(s_estimate * s_target,
                              dim=3, keepdim=True)  # [B, C, C, 1]
    s_target_energy = torch.sum(
        s_target ** 2, dim=3, keepdim=True) + EPS  # [B, 1, C, 1]
    pair_wise_proj = pair_wise_dot * s_target / s_target_energy  # [B, C, C, T]
    # e_noise = s' - s_target
    e_noise = s_estimate - pair_wise_proj  # [B, C, C, T]
    # SI-SNR = 10 * log_10(||s_target||^2 / ||e_noise||^2)
    pair_wise_si_snr = torch.sum(
        pair_wise_proj ** 2, dim=3) / (torch.sum(e_noise ** 2, dim=3) + EPS)
    pair_wise_si_snr = 10 * torch.log10(pair_wise_si_snr + EPS)  # [B, C, C]
    pair_wise_si_snr = torch.transpose(pair_wise_si_snr, 1, 2)

    # Get max_snr of each utterance
    # permutations, [C!, C]
    perms = source.new_tensor(list(permutations(range(C))), dtype=torch.long)
    # one-hot, [C!, C, C]
    index = torch.unsqueeze(perms, 2)
    perms_one_hot = source.new_zeros((*perms.size(), C)).scatter_(2, index, 1)
    # [B, C!] <- [B, C, C] einsum [C!, C, C], SI-SNR sum of each permutation
    snr_set = torch.einsum('bij,pij->bp', [pair_wise_si_snr, perms_one_hot])
    max_snr_idx = torch.argmax(snr_set, dim=1)  # [B]
    max_snr, _ = torch.max(snr_set, dim=1, keepdim=True)
    max_snr /= C
    return max_snr, perms, max_snr_idx, snr_set / C


def reorder_source(source, perms, max_snr_idx):
    B, C, *_ = source.size()
    max_snr_perm = torch.index_select(perms, dim=0, index=max_snr_idx)
    reorder_source = torch.zeros_like(source)
    for b in range(B):
        for c in range(C):
            reorder_source[b, c] = source[b, max_snr_perm[b][c]]
    return reorder_source


def get_mask(source, source_lengths):
    B, _, T = source.size()
    mask = source.new_ones((B, 1, T))
    for i in range(B):
        mask[i, :, source_lengths[i]:] = 0
    return mask


class Encoder(nn.Module):
    def __init__(self, L, N):
        super(Encoder, self).__init__()
        self.L, self.N = L, N
        # setting 50% overlap
        self.conv = nn.Conv1d(
            1, N, kernel_size=L, stride=L // 2, bias=False)

    def forward(self, mixture):
        mixture = torch.unsqueeze(mixture, 1)
        mixture_w = F.relu(self.conv(mixture))
        return mixture_w


class TinySeparator(nn.Module):
    """One mask head per stage (stands in for the MulCat RNN blocks)."""
    def __init__(self, N, C, R):
        super().__init__()
        self.C = C
        self.blocks = nn.ModuleList([nn.Conv1d(N, N, 3, padding=1) for _ in range(R)])
        self.heads = nn.ModuleList([nn.Conv1d(N, C * N, 1) for _ in range(R)])

    def forward(self, mixture_w):
        x = mixture_w
        output_all = []
        for block, head in zip(self.blocks, self.heads):
            x = torch.tanh(block(x)) + x
            masks = torch.sigmoid(head(x))                       # B, C*N, K
            output_all.append(masks * mixture_w.repeat(1, self.C, 1))
        return output_all


class SWave(nn.Module):
    def __init__(self, N, L, C, R):
        super(SWave, self).__init__()
        self.N, self.L, self.C = N, L, C
        self.encoder = Encoder(L, N)
        self.separator = TinySeparator(N, C, R)
        self.decoder = nn.ConvTranspose1d(N, 1, kernel_size=L, stride=L // 2, bias=False)

    def forward(self, mixture):
        mixture_w = self.encoder(mixture)
        output_all = self.separator(mixture_w)

        # fix time dimension, might change due to convolution operations
        T_mix = mixture.size(-1)
        # generate wav after each RNN block and optimize the loss
        outputs = []
        for ii in range(len(output_all)):
            output_ii = output_all[ii].view(
                mixture.shape[0] * self.C, self.N, mixture_w.shape[2])
            output_ii = self.decoder(output_ii).view(mixture.shape[0], self.C, -1)

            T_est = output_ii.size(-1)
            output_ii = F.pad(output_ii, (0, T_mix - T_est))
            outputs.append(output_ii)
        return torch.stack(outputs)


def run_one_epoch(dmodel, optimizer, batches, max_norm=5.0):
    total_loss = 0
    for i, data in enumerate(batches):
        mixture, lengths, sources = data
        estimate_source = dmodel(mixture)

        loss = 0
        cnt = len(estimate_source)
        # apply a loss function after each layer
        for c_idx, est_src in enumerate(estimate_source):
            coeff = ((c_idx+1)*(1/cnt))
            # SI-SNR loss
            sisnr_loss, snr, est_src, reorder_est_src = cal_loss(
                sources, est_src, lengths)
            loss += (coeff * sisnr_loss)
        loss /= len(estimate_source)

        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dmodel.parameters(), max_norm)
        optimizer.step()
        total_loss += loss.item()
    return total_loss / (i + 1)


torch.manual_seed(0)
model = SWave(N=16, L=8, C=2, R=2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
batches = []
for _ in range(2):
    sources = torch.randn(2, 2, 64)
    lengths = torch.tensor([64, 56])
    sources[1, :, 56:] = 0
    mixture = sources.sum(dim=1)
    batches.append((mixture, lengths, sources))
avg_loss = run_one_epoch(model, optimizer, batches)
