# case: gru-hidden-fresh-each-batch
# source: https://blog.youkuaiyun.com/windhawk_fly/article/details/143405685 (the look-alike: each batch starts from a fresh hidden state)
# expect: clean
# torch: clean
# check: gru.weight_ih_l0.grad is not None
import torch
import torch.nn as nn

gru = nn.GRU(6, 8)
head = nn.Linear(8, 1)
optimizer = torch.optim.SGD(list(gru.parameters()) + list(head.parameters()), lr=0.1)
for step in range(3):
    h = torch.zeros(1, 2, 8)
    out, h = gru(torch.randn(5, 2, 6), h)
    loss = head(out).pow(2).mean()
    optimizer.zero_grad()
    loss.backward(retain_graph=True)
    optimizer.step()
