# case: gan-discriminator-step-then-generator-loss-on-old-scores-fixed
# source: https://blog.csdn.net/odbej/article/details/125158288
# expect: clean
# torch: clean
# check: all(p.grad is not None and torch.isfinite(p.grad).all() for p in G.parameters())

# The post's fix: after optimD.step() the graph is rebuilt, d = D(g) is computed again
# with the updated D, and lossG backpropagates through that fresh graph.
import torch
import torch.nn as nn

torch.manual_seed(0)
G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
D = nn.Sequential(nn.Linear(3, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid())
optimG = torch.optim.SGD(G.parameters(), lr=0.1)
optimD = torch.optim.SGD(D.parameters(), lr=0.1)
criterion = nn.BCELoss()

real = torch.randn(6, 3)
t = torch.randn(6, 4)
ones = torch.ones(6, 1)
zeros = torch.zeros(6, 1)

g = G(t)
d = D(g)
lossD = criterion(D(real), ones) + criterion(d, zeros)
optimD.zero_grad()
lossD.backward(retain_graph=True)
optimD.step()

d = D(g)
lossG = criterion(d, ones)
optimG.zero_grad()
lossG.backward()
optimG.step()
