# case: gru-hidden-carried-into-next-batch-after-step
# source: https://blog.youkuaiyun.com/windhawk_fly/article/details/143405685 (the same mistake with an nn.GRU called directly)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
import torch.nn as nn

gru = nn.GRU(6, 8)
head = nn.Linear(8, 1)
optimizer = torch.optim.SGD(list(gru.parameters()) + list(head.parameters()), lr=0.1)
h = torch.zeros(1, 2, 8)
for step in range(3):
    out, h = gru(torch.randn(5, 2, 6), h)
    loss = head(out).pow(2).mean()
    optimizer.zero_grad()
    loss.backward(retain_graph=True)
    optimizer.step()  # error: IPL003
