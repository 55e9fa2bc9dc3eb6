# case: nnr-gcn-residual-inplace-add
# source: https://github.com/Veason-silverbullet/NNR/issues/3
# expect: markers
# torch: raises "modified by an inplace operation"

# Veason-silverbullet/NNR (news recommendation), layers.py GCNLayer.forward before the fix
# named in the thread: `out = F.relu(out)` then, with residual=True, `out += feature`, an
# in-place add on the ReLU output that ReluBackward saved. The layers are built by GCN into an
# nn.ModuleList and run in a loop with a shared nn.Dropout(inplace=True); the feature tensor
# comes in as a forward parameter. Reduced: 2 layers of width 8, random graph. IPL003 on the
# `out += feature` line, and on the shared in-place Dropout applied to the layer's output: that output is the
# tensor F.relu saved (the residual add wrote into it in place), so the Dropout's write breaks the same save (with
# residual=False it alone would).
import torch
import torch.nn as nn
import torch.nn.functional as F


class GCNLayer(nn.Module):
    def __init__(self, in_dim, out_dim, residual=False, layer_norm=False):
        super(GCNLayer, self).__init__()
        self.residual = residual
        self.layer_norm = layer_norm
        if self.residual and in_dim != out_dim:
            raise Exception('To facilitate residual connection, in_dim must equal to out_dim')
        self.W = nn.Linear(in_dim, out_dim, bias=True)
        if self.layer_norm:
            self.layer_normalization = nn.LayerNorm(normalized_shape=[out_dim])

    def initialize(self):
        nn.init.xavier_uniform_(self.W.weight, gain=nn.init.calculate_gain('relu'))
        nn.init.zeros_(self.W.bias)

    # feature : [batch_size, node_num, feature_dim]
    # graph   : [batch_size, node_num, node_num]
    def forward(self, feature, graph):
        out = self.W(torch.bmm(graph, feature)) # [batch_size, node_num, feature_num]
        if self.layer_norm:
            out = self.layer_normalization(out) # [batch_size, node_num, feature_num]
        out = F.relu(out)                       # [batch_size, node_num, feature_num]
        if self.residual:
            out += feature                      # error: IPL003
        return out


class GCN(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_dim=0, num_layers=1, dropout=0.1, residual=False, layer_norm=False):
        super(GCN, self).__init__()
        self.num_layers = num_layers
        self.gcn_layers = []
        if self.num_layers == 1:
            self.gcn_layers.append(GCNLayer(in_dim, out_dim, residual=residual, layer_norm=layer_norm))
        else:
            self.dropout = nn.Dropout(dropout, inplace=True)
            self.gcn_layers.append(GCNLayer(in_dim, hidden_dim, residual=residual, layer_norm=layer_norm))
            for i in range(1, self.num_layers - 1):
                self.gcn_layers.append(GCNLayer(hidden_dim, hidden_dim, residual=residual, layer_norm=layer_norm))
            self.gcn_layers.append(GCNLayer(hidden_dim, out_dim, residual=residual, layer_norm=layer_norm))
        self.gcn_layers = nn.ModuleList(self.gcn_layers)

    def initialize(self):
        for gcn_layer in self.gcn_layers:
            gcn_layer.initialize()

    def forward(self, feature, graph):
        out = feature
        for i in range(self.num_layers - 1):
            out = self.dropout(self.gcn_layers[i](out, graph))  # error: IPL003
        out = self.gcn_layers[self.num_layers - 1](out, graph)
        return out


torch.manual_seed(0)
batch_size, node_num, dim = 2, 5, 8
gcn = GCN(in_dim=dim, out_dim=dim, hidden_dim=dim, num_layers=2, residual=True)
gcn.initialize()
gcn.train()
feature = torch.randn(batch_size, node_num, dim, requires_grad=True)
graph = torch.softmax(torch.randn(batch_size, node_num, node_num), dim=-1)
out = gcn(feature, graph)
loss = out.pow(2).mean()
loss.backward()
