# case: vqa-classifier-dropout-out-of-place-after-relu
# source: https://github.com/BierOne/bottom-up-attention-vqa/issues/6
# expect: clean
# torch: clean
# check: classifier.main[0].weight_g.grad is not None

# SimpleClassifier with the fix from the issue, `nn.Dropout(dropout, inplace=False)`: the ReLU's saved output is
# left intact.
import torch
import torch.nn as nn
from torch.nn.utils import weight_norm


class SimpleClassifier(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim, dropout):
        super(SimpleClassifier, self).__init__()
        layers = [
            weight_norm(nn.Linear(in_dim, hid_dim), dim=None),
            nn.ReLU(),
            nn.Dropout(dropout, inplace=False),
            weight_norm(nn.Linear(hid_dim, out_dim), dim=None)
        ]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        logits = self.main(x)
        return logits


classifier = SimpleClassifier(8, 16, 4, 0.5)
joint_repr = nn.Linear(6, 8)(torch.randn(3, 6))
classifier(joint_repr).sum().backward()
