# case: ctc-log-alpha-row-written-after-max-saved-previous-row
# source: https://github.com/vadimkantorov/ctc/issues/2
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The thread: running example.py of vadimkantorov/ctc (a pure-PyTorch CTC loss for speech
# recognition) fails in torch.autograd.grad with "modified by an inplace operation ... output 0 of
# SliceBackward, is at version 130; expected version 129"; the reporter suspects the slicing in
# ctc_loss.
# Kept: ctc_loss() filling the log_alpha table row by row, `log_alpha[t, :, 2:] = log_probs_[t] +
# logadd(log_alpha[t - 1, :, 2:], ...)`, with logadd written with torch.max as in the version the
# repository keeps commented out ("produces inplace modification error", pytorch#31819): max
# saves the previous row's slices, the next row's write bumps the table's version.
# Completed: random logits for 12 frames, 2 utterances, 5 symbols; the example's grad call.
import torch
import torch.nn.functional as F


def logadd(x0, x1, x2):
    m = torch.max(torch.max(x0, x1), x2)
    m = m.masked_fill(torch.isinf(m), 0)
    res = (x0 - m).exp() + (x1 - m).exp() + (x2 - m).exp()
    return res.log().add(m)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='none'):
    input_time_size, batch_size = log_probs.shape[:2]
    B = torch.arange(batch_size, device=input_lengths.device)

    _t_a_r_g_e_t_s_ = torch.cat([targets, targets[:, :1]], dim=-1)
    _t_a_r_g_e_t_s_ = torch.stack([torch.full_like(_t_a_r_g_e_t_s_, blank), _t_a_r_g_e_t_s_], dim=-1).flatten(start_dim=-2)

    diff_labels = torch.cat([torch.as_tensor([[False, False]], device=targets.device).expand(batch_size, -1), _t_a_r_g_e_t_s_[:, 2:] != _t_a_r_g_e_t_s_[:, :-2]], dim=1)

    zero_padding, zero = 2, torch.tensor(torch.finfo(log_probs.dtype).min, device=log_probs.device, dtype=log_probs.dtype)
    log_probs_ = log_probs.gather(-1, _t_a_r_g_e_t_s_.expand(input_time_size, -1, -1))
    log_alpha = torch.full((input_time_size, batch_size, zero_padding + _t_a_r_g_e_t_s_.shape[-1]), zero, device=log_probs.device, dtype=log_probs.dtype)
    log_alpha[0, :, zero_padding + 0] = log_probs[0, :, blank]
    log_alpha[0, :, zero_padding + 1] = log_probs[0, B, _t_a_r_g_e_t_s_[:, 1]]
    for t in range(1, input_time_size):
        log_alpha[t, :, 2:] = log_probs_[t] + logadd(log_alpha[t - 1, :, 2:], log_alpha[t - 1, :, 1:-1], torch.where(diff_labels, log_alpha[t - 1, :, :-2], zero))  # error: IPL003

    l1l2 = log_alpha[input_lengths - 1, B].gather(-1, torch.stack([zero_padding + target_lengths * 2 - 1, zero_padding + target_lengths * 2], dim=-1))
    loss = -torch.logsumexp(l1l2, dim=-1)
    return loss


torch.manual_seed(0)
T, N, C = 12, 2, 5
logits = torch.randn(T, N, C, requires_grad=True)
targets = torch.randint(1, C, (N, 4))
input_lengths = torch.full((N,), T, dtype=torch.long)
target_lengths = torch.tensor([4, 3])
log_probs = F.log_softmax(logits, dim=-1)
custom_ctc = ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0)
custom_ctc_grad, = torch.autograd.grad(custom_ctc.sum(), logits, retain_graph=True)
