# case: rnn-docstring-hidden-slot-assignment
# source: https://github.com/pytorch/pytorch/issues/165621
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The "efficient implementation equivalent to" example of the torch.nn.RNN docstring,
# run with backward, as the reporter posted it (sizes kept). The stored copy of the
# report stops at `target = torch.ones_like(output)`; the loss is completed as the fix
# PR's test plan describes it (CrossEntropyLoss, then backward). `forward` is a plain helper
# that reads the weights out of `params`, a dict of the RNN's parameters. Inside the
# time/layer loop, layer 1 takes `input_t = h_t[0]`, a view of `h_t`, and its matmul
# saves that view for backward; the next write `h_t[layer] = ...` (and the same write
# at the next time step) modifies `h_t` in place, so MmBackward finds the saved input
# at a newer version.
import torch
import torch.nn as nn

# Efficient implementation equivalent to the following with bidirectional=False
rnn = nn.RNN(10, 20, 2)
params = dict(rnn.named_parameters())


def forward(x, hx=None, batch_first=False):
    if batch_first:
        x = x.transpose(0, 1)
    seq_len, batch_size, _ = x.size()
    if hx is None:
        hx = torch.zeros(rnn.num_layers, batch_size, rnn.hidden_size)
    h_t_minus_1 = hx.clone()
    h_t = hx.clone()
    output = []
    for t in range(seq_len):
        for layer in range(rnn.num_layers):
            input_t = x[t] if layer == 0 else h_t[layer - 1]
            h_t[layer] = torch.tanh(  # error: IPL003
                input_t @ params[f"weight_ih_l{layer}"].T
                + h_t_minus_1[layer] @ params[f"weight_hh_l{layer}"].T
                + params[f"bias_hh_l{layer}"]
                + params[f"bias_ih_l{layer}"]
            )
        output.append(h_t[-1].clone())
        h_t_minus_1 = h_t.clone()
    output = torch.stack(output)
    if batch_first:
        output = output.transpose(0, 1)
    return output, h_t


input = torch.randn(5, 3, 10)
h0 = torch.randn(2, 3, 20)
output, hn = forward(input, h0)

target = torch.ones_like(output)
loss = nn.CrossEntropyLoss()(output, target)
loss.backward()
