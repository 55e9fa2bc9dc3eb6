# case: snntorch-zeros-helper-detached-alias-fixed
# source: https://github.com/jeshraghian/snntorch/pull/443
# expect: clean
# torch: clean
# check: float(init_mem1.detach().abs().sum()) == 0.0 and all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in fc1.parameters())

# PR #443's SpikingNeuron.zeros: `state.detach().zero_()` zeroes the caller's storage through a
# detached alias, so resetting a grad-requiring leaf hidden state before the first forward
# works (the initial state really is zero afterwards) and training proceeds. Same reduced
# Linear -> Leaky network, ATan surrogate and two-batch loop as the bug file.
import torch
import torch.nn as nn


class SpikingNeuron(nn.Module):
    """Parent class for the leaky integrate-and-fire neurons (snntorch/_neurons/neurons.py)."""

    def __init__(self, threshold=1.0, spike_grad=None, reset_mechanism="subtract"):
        super().__init__()
        self.threshold = threshold
        self.spike_grad = self.ATan.apply if spike_grad is None else spike_grad
        self.reset_mechanism = reset_mechanism

    def fire(self, mem):
        mem_shift = mem - self.threshold
        return self.spike_grad(mem_shift)

    def mem_reset(self, mem):
        mem_shift = mem - self.threshold
        return self.spike_grad(mem_shift).detach()

    @staticmethod
    def zeros(*args):
        """Used to clear hidden state variables to zero."""
        for state in args:
            state.detach().zero_()

    class ATan(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input_, alpha=2.0):
            ctx.save_for_backward(input_)
            ctx.alpha = alpha
            return (input_ > 0).float()

        @staticmethod
        def backward(ctx, grad_output):
            (input_,) = ctx.saved_tensors
            grad = ctx.alpha / 2 / (1 + (torch.pi / 2 * ctx.alpha * input_).pow_(2)) * grad_output
            return grad, None


class Leaky(SpikingNeuron):
    def __init__(self, beta, threshold=1.0):
        super().__init__(threshold=threshold)
        self.beta = beta

    def forward(self, input_, mem):
        reset = self.mem_reset(mem)
        mem = self.beta * mem + input_ - reset * self.threshold
        spk = self.fire(mem)
        return spk, mem


torch.manual_seed(0)
num_steps, batch_size, num_inputs, num_hidden = 5, 2, 3, 4
fc1 = nn.Linear(num_inputs, num_hidden)
lif1 = Leaky(beta=0.9)
optimizer = torch.optim.Adam(fc1.parameters(), lr=1e-3)

mem1 = torch.ones(batch_size, num_hidden, requires_grad=True)  # hidden state, pre-first-forward
init_mem1 = mem1
for batch in range(2):
    data = torch.rand(num_steps, batch_size, num_inputs)
    SpikingNeuron.zeros(mem1)  # reset the hidden state at the start of the batch
    spk_rec = []
    for step in range(num_steps):
        cur1 = fc1(data[step])
        spk1, mem1 = lif1(cur1, mem1)
        spk_rec.append(spk1)
    loss = (torch.stack(spk_rec).mean() - 0.2) ** 2 + (mem1 ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    mem1 = mem1.detach()
