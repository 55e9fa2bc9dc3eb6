# case: metric-learning-classifier-mlp-relu-not-inplace-fixed
# source: https://github.com/KevinMusgrave/powerful-benchmarker/issues/78
# expect: clean
# torch: clean
# check: embeddings.min().item() < 0 and torch.allclose(embedder.net[0].weight.grad, ref_grad)

# Look-alike of metric-learning-classifier-mlp-inplace-relu-clobbers-embeddings with the
# fix from the thread: the MLP's ReLUs are not in place, so feeding the embeddings to the
# classifier leaves them untouched and the metric-loss gradient matches the reference.
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
                layer_list.append(nn.ReLU(inplace=False))
            layer_list.append(nn.Linear(input_size, curr_size))
        self.net = nn.Sequential(*layer_list)
        self.last_linear = self.net[-1]

    def forward(self, x):
        return self.net(x)


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
