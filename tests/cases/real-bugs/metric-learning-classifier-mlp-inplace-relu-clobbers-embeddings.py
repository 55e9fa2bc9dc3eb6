# case: metric-learning-classifier-mlp-inplace-relu-clobbers-embeddings
# source: https://github.com/KevinMusgrave/powerful-benchmarker/issues/78
# expect: markers
# torch: clean
# check: embeddings.min().item() >= 0 and not torch.allclose(embedder.net[0].weight.grad, ref_grad)

# powerful-benchmarker's MLP (architectures/misc_models.py) puts `nn.ReLU(inplace=True)`
# BEFORE every Linear but the last, so the classifier MLP([emb, hidden, classes]) starts
# with an in-place ReLU applied to its input. With TrainWithClassifier the
# classifier is fed the embeddings, and the same embeddings are then used for the metric
# loss: the classifier's first ReLU rewrites them in place, so the metric loss (and its
# gradient into the embedder) silently sees relu(embeddings). The maintainer located the
# bug at the MLP's `nn.ReLU(inplace=True)`; the fix was to drop inplace. (The reporter's
# run also raised an autograd error; in this reduced trunk nothing saved the embeddings,
# so the corruption is silent.) Trimmed: trunk is one Linear, the metric loss is a small
# contrastive loss; the TrainWithClassifier order of calculate_loss is kept. IPL008 marks the call whose
# first layer overwrites its input (`self.net(x)` for the classifier); the fix lands on the ReLU built in
# `__init__`.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    # layer_sizes[0] is the dimension of the input
    # layer_sizes[-1] is the dimension of the output
    def __init__(self, layer_sizes, final_relu=False):
        super().__init__()
        layer_list = []
        layer_sizes = [int(x) for x in layer_sizes]
        num_layers = len(layer_sizes) - 1
        final_relu_layer = num_layers if final_relu else num_layers - 1
        for i in range(len(layer_sizes) - 1):
            input_size = layer_sizes[i]
            curr_size = layer_sizes[i + 1]
            if i < final_relu_layer:
                layer_list.append(nn.ReLU(inplace=True))
            layer_list.append(nn.Linear(input_size, curr_size))
        self.net = nn.Sequential(*layer_list)
        self.last_linear = self.net[-1]

    def forward(self, x):
        return self.net(x)  # error: IPL008


def contrastive_loss(embeddings, labels, neg_margin=1.0):
    d = torch.cdist(embeddings, embeddings)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool)
    pos = d[same & ~eye].pow(2).mean()
    neg = F.relu(neg_margin - d[~same]).pow(2).mean()
    return pos + neg


def calculate_loss(trunk, embedder, classifier, data, labels):
    # order of pytorch-metric-learning's TrainWithClassifier.calculate_loss
    embeddings = embedder(trunk(data))
    logits = classifier(embeddings)
    metric_loss = contrastive_loss(embeddings, labels)
    classifier_loss = F.cross_entropy(logits, labels)
    return metric_loss, classifier_loss, embeddings


torch.manual_seed(0)
trunk = nn.Linear(12, 16)
embedder = MLP([16, 8])
classifier = MLP([8, 8, 3])
data = torch.randn(10, 12)
labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])

# reference: same weights, ReLUs out of place
r_trunk, r_embedder, r_classifier = (copy.deepcopy(m) for m in (trunk, embedder, classifier))
for m in r_classifier.modules():
    if isinstance(m, nn.ReLU):
        m.inplace = False
r_metric, _, _ = calculate_loss(r_trunk, r_embedder, r_classifier, data, labels)
r_metric.backward()
ref_grad = r_embedder.net[0].weight.grad.clone()

metric_loss, classifier_loss, embeddings = calculate_loss(trunk, embedder, classifier, data, labels)
metric_loss.backward()
