# case: classifier-clobbers-embeddings-read-by-metric-helper
# source: inplace-lint issue #13 (the shape of https://github.com/KevinMusgrave/powerful-benchmarker/issues/78: a training helper feeds the embeddings to a classifier module whose forward starts with an in-place ReLU, then a metric-loss helper reads the same embeddings)
# expect: markers
# torch: clean
# check: emb_seen.min().item() >= 0
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.net = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(dim, classes))

    def forward(self, x):
        return self.net(x)  # error: IPL008


def pair_loss(embeddings):
    global emb_seen
    emb_seen = embeddings.detach().clone()
    d = torch.cdist(embeddings, embeddings)
    return d.mean()


def calculate_loss(trunk, classifier, data, labels):
    embeddings = trunk(data)
    logits = classifier(embeddings)
    return F.cross_entropy(logits, labels) + pair_loss(embeddings)


torch.manual_seed(0)
trunk = nn.Linear(6, 4)
classifier = Classifier(4, 3)
calculate_loss(trunk, classifier, torch.randn(5, 6), torch.tensor([0, 1, 2, 0, 1])).backward()
