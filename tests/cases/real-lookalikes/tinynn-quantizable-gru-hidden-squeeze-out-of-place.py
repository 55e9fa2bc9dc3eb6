# case: tinynn-quantizable-gru-hidden-squeeze-out-of-place
# source: https://github.com/alibaba/TinyNeuralNetwork/issues/238
# expect: clean
# torch: clean
# check: gru.layers[0].weight_hh.grad is not None and torch.isfinite(hidden_grad).all()

# The look-alike of real-bugs/tinynn-quantizable-gru-hidden-squeeze: the unbound hidden states are squeezed out of
# place (squeeze instead of squeeze_), the fix for the reported error.
from typing import Optional

import torch
from torch import Tensor, nn


class GRU(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.layers = nn.ModuleList(
            [nn.GRUCell(input_size if i == 0 else hidden_size, hidden_size) for i in range(num_layers)])

    def forward(self, x: Tensor, hidden: Optional[Tensor] = None):
        max_batch_size = x.size(1)
        num_directions = 1
        hx = hidden.reshape(self.num_layers, num_directions, max_batch_size, self.hidden_size).unbind(0)
        hx = [(hx[idx].squeeze(0)) for idx in range(self.num_layers)]

        hx_list = []
        inp = x[0]
        for idx, layer in enumerate(self.layers):
            inp = layer(inp, hx[idx])
            hx_list.append(inp)
        return x, torch.stack(hx_list)


torch.manual_seed(0)
gru = GRU(3, 4, num_layers=2)
fake_quant = nn.Linear(4, 4)
hidden = fake_quant(torch.rand(2, 1, 2, 4))
out, h = gru(torch.rand(1, 2, 3), hidden)
h.sum().backward()
hidden_grad = fake_quant.weight.grad
