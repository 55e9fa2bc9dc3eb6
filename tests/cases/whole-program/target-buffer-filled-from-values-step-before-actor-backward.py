# case: target-buffer-filled-from-values-step-before-actor-backward
# source: inplace-lint issue #13 (the shape of https://github.com/cross32768/Dreamer_PyTorch/issues/2: a lambda-return target built by item assignment into a zeros_like buffer, slot by slot in a loop, from the value model's outputs)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
from torch import nn


def lambda_return(rewards, values, gamma, lambda_):
    target = torch.zeros_like(rewards)
    horizon = rewards.shape[0] - 1
    target[horizon] = values[horizon]
    for t in range(horizon - 1, -1, -1):
        target[t] = rewards[t] + gamma * ((1 - lambda_) * values[t + 1] + lambda_ * target[t + 1])
    return target


value_model = nn.Sequential(nn.Linear(5, 16), nn.ELU(), nn.Linear(16, 1))
actor = nn.Linear(5, 5)
value_opt = torch.optim.Adam(value_model.parameters(), lr=1e-3)
actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)
states = actor(torch.randn(4 * 3, 5))
values = value_model(states).view(4, 3)
rewards = torch.randn(4, 3)
target = lambda_return(rewards, values, 0.99, 0.95)
value_loss = (values - target.detach()).pow(2).mean()
value_opt.zero_grad()
value_loss.backward(retain_graph=True)
value_opt.step()  # error: IPL003
actor_loss = -target.mean()
actor_opt.zero_grad()
actor_loss.backward()
actor_opt.step()
