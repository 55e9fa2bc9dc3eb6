# case: knowledge-neurons-edit-dense-weight-under-no-grad
# source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
# expect: clean
# torch: clean
# check: torch.allclose(model.bert.encoder.layer[1].output.dense.weight[:, 2], before - ori_pred_emb + 8.0 * tgt_emb)

# The knowledge edit done under torch.no_grad(): the weights are edited, not trained.
import torch
from torch import nn


class Output(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(4, 3)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.output = Output()


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList([Layer() for _ in range(2)])


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = Bert()


torch.manual_seed(0)
model = Model()
layer, pos, i = 1, 2, 0
ori_pred_emb = torch.rand(3)
tgt_emb = torch.rand(3)
lambda_list_1, lambda_list_2 = [1.0], [8.0]
before = model.bert.encoder.layer[layer].output.dense.weight[:, pos].detach().clone()
with torch.no_grad():
    model.bert.encoder.layer[layer].output.dense.weight[:, pos] -= ori_pred_emb * lambda_list_1[i]
    model.bert.encoder.layer[layer].output.dense.weight[:, pos] += tgt_emb * lambda_list_2[i]
