# case: tinynn-quantizable-gru-hidden-squeeze
# source: https://github.com/alibaba/TinyNeuralNetwork/issues/238
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# tinynn/graph/quantization/quantizable/gru.py, GRU.forward: the hidden state arrives as a forward() argument (the
# output of an earlier layer, so it requires grad), is reshaped and unbound per layer, and each piece is squeezed in
# place. The per-layer cells are replaced by nn.GRUCell.
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
        hx = [(hx[idx].squeeze_(0)) for idx in range(self.num_layers)]  # error: IPL009

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
