# case: gan-discriminator-step-then-generator-loss-on-old-scores
# source: https://blog.csdn.net/odbej/article/details/125158288
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The post's GAN loop: g = G(t), d = D(g); lossD.backward(retain_graph=True) and
# optimD.step() update D in place, then lossG is computed from the same d and
# backpropagated through D's old graph, whose saved weights the step has changed.
# Reduced to tiny MLPs and one iteration.
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
optimD.step()  # error: IPL003

lossG = criterion(d, ones)
optimG.zero_grad()
lossG.backward()
optimG.step()
