# case: vqa-classifier-dropout-inplace-after-relu
# source: https://github.com/BierOne/bottom-up-attention-vqa/issues/6
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# model/classifier.py's SimpleClassifier: in its nn.Sequential an nn.Dropout(inplace=True) directly follows the
# nn.ReLU, which saves its output; in training the dropout overwrites it ("output 0 of ReluBackward0" in the
# issue). The answer: `nn.Dropout(dropout, inplace=False)`. Sizes reduced; the joint VQA features are a Linear
# output.
import torch
import torch.nn as nn
from torch.nn.utils import weight_norm


class SimpleClassifier(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim, dropout):
        super(SimpleClassifier, self).__init__()
        layers = [
            weight_norm(nn.Linear(in_dim, hid_dim), dim=None),
            nn.ReLU(),
            nn.Dropout(dropout, inplace=True),  # error: IPL003
            weight_norm(nn.Linear(hid_dim, out_dim), dim=None)
        ]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        logits = self.main(x)
        return logits


classifier = SimpleClassifier(8, 16, 4, 0.5)
joint_repr = nn.Linear(6, 8)(torch.randn(3, 6))
classifier(joint_repr).sum().backward()
