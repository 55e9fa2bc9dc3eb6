# case: dcgru-fc-gate-bias-added-in-place-to-sigmoid
# source: https://github.com/Rose-STL-Lab/torchTS/pull/59
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# torchTS's DCGRUCell (from DCRNN) computes its reset/update gates with `_fc` when
# use_gc_for_ru=False: `_fc` takes a lazily registered weight from a LayerParams helper,
# applies sigmoid, then adds the bias with `value += biases`, which rewrites the output
# sigmoid saved. Reduced: dense support matrix instead of sparse, 3 nodes, one step.
import torch
from torch import nn


class LayerParams:
    def __init__(self, rnn_network, layer_type):
        self._rnn_network = rnn_network
        self._params_dict = {}
        self._biases_dict = {}
        self._type = layer_type

    def get_weights(self, shape):
        if shape not in self._params_dict:
            nn_param = nn.Parameter(torch.empty(*shape))
            nn.init.xavier_normal_(nn_param)
            self._params_dict[shape] = nn_param
            self._rnn_network.register_parameter(
                "{}_weight_{}".format(self._type, str(shape)), nn_param)
        return self._params_dict[shape]

    def get_biases(self, length, bias_start=0.0):
        if length not in self._biases_dict:
            biases = nn.Parameter(torch.empty(length))
            nn.init.constant_(biases, bias_start)
            self._biases_dict[length] = biases
            self._rnn_network.register_parameter(
                "{}_biases_{}".format(self._type, str(length)), biases)
        return self._biases_dict[length]


class DCGRUCell(nn.Module):
    def __init__(self, num_units, support, num_nodes, input_dim, use_gc_for_ru=False):
        super().__init__()
        self._num_nodes = num_nodes
        self._num_units = num_units
        self._use_gc_for_ru = use_gc_for_ru
        self.register_buffer("_support", support)
        self._fc_params = LayerParams(self, "fc")
        self._gconv_params = LayerParams(self, "gconv")
        # parameters are created lazily; create them once so the optimizer could see them
        self(torch.zeros(1, num_nodes * input_dim), torch.zeros(1, num_nodes * num_units))

    def forward(self, inputs, hx):
        output_size = 2 * self._num_units
        fn = self._gconv if self._use_gc_for_ru else self._fc
        value = torch.sigmoid(fn(inputs, hx, output_size, bias_start=1.0))
        value = torch.reshape(value, (-1, self._num_nodes, output_size))
        r, u = torch.split(value, self._num_units, dim=-1)
        r = torch.reshape(r, (-1, self._num_nodes * self._num_units))
        u = torch.reshape(u, (-1, self._num_nodes * self._num_units))
        c = torch.tanh(self._gconv(inputs, r * hx, self._num_units))
        return u * hx + (1.0 - u) * c

    def _fc(self, inputs, state, output_size, bias_start=0.0):
        batch_size = inputs.shape[0]
        inputs = torch.reshape(inputs, (batch_size * self._num_nodes, -1))
        state = torch.reshape(state, (batch_size * self._num_nodes, -1))
        inputs_and_state = torch.cat([inputs, state], dim=-1)
        input_size = inputs_and_state.shape[-1]
        weights = self._fc_params.get_weights((input_size, output_size))
        value = torch.sigmoid(torch.matmul(inputs_and_state, weights))
        biases = self._fc_params.get_biases(output_size, bias_start)
        value += biases  # error: IPL003
        return value

    def _gconv(self, inputs, state, output_size, bias_start=0.0):
        batch_size = inputs.shape[0]
        inputs = torch.reshape(inputs, (batch_size, self._num_nodes, -1))
        state = torch.reshape(state, (batch_size, self._num_nodes, -1))
        x = torch.cat([inputs, state], dim=2)
        x = torch.cat([x, torch.matmul(self._support, x)], dim=2)
        input_size = x.shape[2]
        x = torch.reshape(x, (batch_size * self._num_nodes, input_size))
        weights = self._gconv_params.get_weights((input_size, output_size))
        x = torch.matmul(x, weights)
        biases = self._gconv_params.get_biases(output_size, bias_start)
        x = x + biases
        return torch.reshape(x, [batch_size, self._num_nodes * output_size])


torch.manual_seed(0)
adj = torch.rand(3, 3)
cell = DCGRUCell(num_units=4, support=adj, num_nodes=3, input_dim=2)
opt = torch.optim.SGD(cell.parameters(), lr=0.01)
inputs = torch.randn(2, 3 * 2)
hx = torch.zeros(2, 3 * 4)
out = cell(inputs, hx)
loss = out.pow(2).mean()
opt.zero_grad()
loss.backward()
opt.step()
