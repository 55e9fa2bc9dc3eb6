# case: tensor-iter-clip-boxes-unbind
# source: https://github.com/pytorch/pytorch/issues/47899
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# The report: code that clips the first two columns of every element of a batch by
# iterating over the tensor (`for bb in b: bb[:, 0].clamp_(...)`) worked in torch 1.6
# but fails from 1.7 on, because Tensor.__iter__ became `unbind(0)` and the views that
# unbind returns may not be modified in place. The thread's snippet is a bare loop; here
# it is completed plausibly as a small box head whose predicted boxes are clipped in place
# by a helper before the loss (the clamp_ call is the culprit).
# (the second clamp_ raises the same error once the first is fixed alone, e.g. removed: checked under torch 2.13)
import torch
import torch.nn as nn

torch.manual_seed(0)


class BoxHead(nn.Module):
    def __init__(self, in_dim=8, num_boxes=5):
        super().__init__()
        self.num_boxes = num_boxes
        self.fc = nn.Linear(in_dim, num_boxes * 5)

    def forward(self, feats):
        return self.fc(feats).view(feats.shape[0], self.num_boxes, 5)


def clip_first_two_columns_(b):
    for bb in b:
        bb[:, 0].clamp_(min=0, max=0.3)  # error: IPL009
        bb[:, 1].clamp_(min=0, max=0.3)  # error: IPL009
    return b


head = BoxHead()
feats = torch.rand(2, 8)
b = head(feats)
b = clip_first_two_columns_(b)
loss = b.pow(2).sum()
loss.backward()
