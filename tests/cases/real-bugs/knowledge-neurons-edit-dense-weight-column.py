# case: knowledge-neurons-edit-dense-weight-column
# source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# 6_edit_knowledge_sampled.py, lines 313-315: a column of a BERT layer's output projection is edited in place
# through the module tree. The BERT model is reduced to the attribute path the line goes through.
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
model.bert.encoder.layer[layer].output.dense.weight[:, pos] -= ori_pred_emb * lambda_list_1[i]  # error: IPL002
model.bert.encoder.layer[layer].output.dense.weight[:, pos] += tgt_emb * lambda_list_2[i]  # error: IPL002
