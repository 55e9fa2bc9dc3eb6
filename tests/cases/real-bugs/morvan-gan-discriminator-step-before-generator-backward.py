# case: morvan-gan-discriminator-step-before-generator-backward
# source: https://github.com/MorvanZhou/PyTorch-Tutorial/pull/91
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# tutorial-contents/406_GAN.py before the PR: G_loss is computed from prob_artist1, which ran through D, then
# opt_D.step() updates D's weights in place before G_loss.backward() needs the ones D's layers saved ("output 0
# of TBackward ... is at version 2" since torch 1.5). numpy replaced by torch; three steps instead of 10000.
import torch
import torch.nn as nn

torch.manual_seed(1)

BATCH_SIZE = 64
LR_G = 0.0001
LR_D = 0.0001
N_IDEAS = 5
ART_COMPONENTS = 15
PAINT_POINTS = torch.linspace(-1, 1, ART_COMPONENTS).repeat(BATCH_SIZE, 1)


def artist_works():
    a = torch.empty(BATCH_SIZE, 1).uniform_(1, 2)
    paintings = a * torch.pow(PAINT_POINTS, 2) + (a - 1)
    return paintings


G = nn.Sequential(
    nn.Linear(N_IDEAS, 128),
    nn.ReLU(),
    nn.Linear(128, ART_COMPONENTS),
)

D = nn.Sequential(
    nn.Linear(ART_COMPONENTS, 128),
    nn.ReLU(),
    nn.Linear(128, 1),
    nn.Sigmoid(),
)

opt_D = torch.optim.Adam(D.parameters(), lr=LR_D)
opt_G = torch.optim.Adam(G.parameters(), lr=LR_G)

for step in range(3):
    artist_paintings = artist_works()
    G_ideas = torch.randn(BATCH_SIZE, N_IDEAS, requires_grad=True)
    G_paintings = G(G_ideas)
    prob_artist0 = D(artist_paintings)
    prob_artist1 = D(G_paintings)

    D_loss = - torch.mean(torch.log(prob_artist0) + torch.log(1. - prob_artist1))
    G_loss = torch.mean(torch.log(1. - prob_artist1))

    opt_D.zero_grad()
    D_loss.backward(retain_graph=True)
    opt_D.step()  # error: IPL003

    opt_G.zero_grad()
    G_loss.backward()
    opt_G.step()
