# case: inference-mode-decorator
# expect: clean
# torch: clean
# check: all(torch.allclose(p, 0.5 * b) for p, b in zip(model.parameters(), before))

import torch

torch.manual_seed(0)
model = torch.nn.Linear(2, 2)


@torch.inference_mode()
def shrink(m):
    for p in m.parameters():
        p.mul_(0.5)


before = [p.detach().clone() for p in model.parameters()]
shrink(model)
