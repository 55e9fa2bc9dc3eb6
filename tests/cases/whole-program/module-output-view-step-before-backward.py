# case: module-output-view-step-before-backward
# source: inplace-lint issue #13
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The model's output is flattened by `.view(-1)`; a first loss is backpropagated and the weights stepped, then a
# second loss computed from the same view is backpropagated through the graph that saved the old weights (the view
# shares its base's graph).
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(16, 4)
y = torch.randn(16)
out = model(x).view(-1)
loss = ((out - y) ** 2).mean()
loss.backward(retain_graph=True)
opt.step()  # error: IPL003
penalty = out.abs().mean()
penalty.backward()
