# case: classifier-given-a-copy-of-embeddings-read-by-metric-helper
# source: inplace-lint issue #13 (the look-alike of classifier-clobbers-embeddings-read-by-metric-helper: the classifier gets `embeddings.clone()`, so its in-place ReLU rewrites the copy and the metric helper reads the embeddings intact)
# expect: clean
# torch: clean
# check: emb_seen.min().item() < 0
import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    def __init__(self, dim, classes):
        super().__init__()
        self.net = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(dim, classes))

    def forward(self, x):
        return self.net(x)


def pair_loss(embeddings):
    global emb_seen
    emb_seen = embeddings.detach().clone()
    d = torch.cdist(embeddings, embeddings)
    return d.mean()


def calculate_loss(trunk, classifier, data, labels):
    embeddings = trunk(data)
    logits = classifier(embeddings.clone())
    return F.cross_entropy(logits, labels) + pair_loss(embeddings)


torch.manual_seed(0)
trunk = nn.Linear(6, 4)
classifier = Classifier(4, 3)
calculate_loss(trunk, classifier, torch.randn(5, 6), torch.tensor([0, 1, 2, 0, 1])).backward()
