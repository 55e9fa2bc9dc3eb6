# case: softmax-sample-then-zero-probs
# expect: clean
# torch: clean
# check: torch.allclose(logits.grad, torch.softmax(logits.detach(), -1) - torch.nn.functional.one_hot(action[:, 0], 3).float()) and float(probs.sum()) == 0.0

import torch

torch.manual_seed(0)
logits = torch.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
probs = torch.softmax(logits.detach(), dim=-1)
action = torch.multinomial(probs, 1)
probs.zero_()
log_prob = torch.log_softmax(logits, dim=-1).gather(1, action)
loss = -log_prob.sum()
loss.backward()
