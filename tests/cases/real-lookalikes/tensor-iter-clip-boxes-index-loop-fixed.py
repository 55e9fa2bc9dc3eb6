# case: tensor-iter-clip-boxes-index-loop-fixed
# source: https://github.com/pytorch/pytorch/issues/47899
# expect: clean
# torch: clean
# check: torch.allclose(head.fc.weight.grad, ref_grad)

# Look-alike of tensor-iter-clip-boxes-unbind: the fix given in the thread, iterate with
# indices (`bb = b[i]`), so every row is a plain select view of a non-leaf tensor and an
# in-place clamp on it is recorded correctly. The gradient is compared with an
# out-of-place clamp of the same columns.
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
    for i in range(len(b)):
        bb = b[i]
        bb[:, 0].clamp_(min=0, max=0.3)
        bb[:, 1].clamp_(min=0, max=0.3)
    return b


head = BoxHead()
feats = torch.rand(2, 8)
b = head(feats)
b = clip_first_two_columns_(b)
loss = b.pow(2).sum()
loss.backward()

ref_head = BoxHead()
ref_head.load_state_dict(head.state_dict())
r = ref_head(feats)
r = torch.cat([r[..., :2].clamp(0, 0.3), r[..., 2:]], dim=-1)
r.pow(2).sum().backward()
ref_grad = ref_head.fc.weight.grad
