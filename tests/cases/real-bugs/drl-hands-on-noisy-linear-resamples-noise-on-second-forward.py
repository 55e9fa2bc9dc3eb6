# case: drl-hands-on-noisy-linear-resamples-noise-on-second-forward
# source: https://github.com/PacktPublishing/Deep-Reinforcement-Learning-Hands-On-Second-Edition/issues/21
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Deep RL Hands-On 2nd ed., Chapter 10 (stock trading): the reporter replaced the last two nn.Linear layers of the
# DQN with lib/models.py's NoisyLinear and got "[3, 512] is at version 10005; expected version 10004" at
# loss_v.backward(). NoisyLinear.forward redraws its noise in place on the registered buffers
# (`self.epsilon_weight.normal_()`, `self.epsilon_bias.normal_()`) and multiplies them by the trainable sigmas,
# which saves the buffers for backward. common.calc_loss (double DQN) runs the SAME net twice before backward --
# `net(states_v)` for Q(s, a), then `net(next_states_v)` to pick the next actions -- so the second forward
# overwrites the noise the first one saved. With the weight line fixed, the bias noise raises the same way.
# Kept: NoisyLinear, DQNConv1D (its fc_val / fc_adv heads ending in NoisyLinear, as the reporter did),
# calc_loss / unpack_batch and train_model_conv.py's process_batch. Reduced: no StocksEnv / ptan buffer (a batch of
# 8 random transitions with the (5, 10) state of state_1d=True, BARS_COUNT=10), ptan's TargetNet is a deepcopy.
import copy
import math
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

GAMMA = 0.99
REWARD_STEPS = 2
LEARNING_RATE = 0.0001
BATCH_SIZE = 8
BARS_COUNT = 10

Experience = namedtuple('ExperienceFirstLast', ('state', 'action', 'reward', 'last_state'))


class NoisyLinear(nn.Linear):
    def __init__(self, in_features, out_features, sigma_init=0.017, bias=True):
        super(NoisyLinear, self).__init__(in_features, out_features, bias=bias)
        self.sigma_weight = nn.Parameter(torch.full((out_features, in_features), sigma_init))
        self.register_buffer("epsilon_weight", torch.zeros(out_features, in_features))
        if bias:
            self.sigma_bias = nn.Parameter(torch.full((out_features,), sigma_init))
            self.register_buffer("epsilon_bias", torch.zeros(out_features))
        self.reset_parameters()

    def reset_parameters(self):
        std = math.sqrt(3 / self.in_features)
        self.weight.data.uniform_(-std, std)
        self.bias.data.uniform_(-std, std)

    def forward(self, input):
        self.epsilon_weight.normal_()  # error: IPL003
        bias = self.bias
        if bias is not None:
            self.epsilon_bias.normal_()  # error: IPL003
            bias = bias + self.sigma_bias * self.epsilon_bias
        return F.linear(input, self.weight + self.sigma_weight * self.epsilon_weight, bias)


class DQNConv1D(nn.Module):
    def __init__(self, shape, actions_n):
        super(DQNConv1D, self).__init__()

        self.conv = nn.Sequential(
            nn.Conv1d(shape[0], 128, 5),
            nn.ReLU(),
            nn.Conv1d(128, 128, 5),
            nn.ReLU(),
        )

        out_size = self._get_conv_out(shape)

        self.fc_val = nn.Sequential(
            nn.Linear(out_size, 512),
            nn.ReLU(),
            NoisyLinear(512, 1)
        )

        self.fc_adv = nn.Sequential(
            nn.Linear(out_size, 512),
            nn.ReLU(),
            NoisyLinear(512, actions_n)
        )

    def _get_conv_out(self, shape):
        o = self.conv(torch.zeros(1, *shape))
        return int(o.numel())

    def forward(self, x):
        conv_out = self.conv(x).view(x.size()[0], -1)
        val = self.fc_val(conv_out)
        adv = self.fc_adv(conv_out)
        return val + (adv - adv.mean(dim=1, keepdim=True))


def unpack_batch(batch):
    states, actions, rewards, dones, last_states = [], [], [], [], []
    for exp in batch:
        states.append(exp.state)
        actions.append(exp.action)
        rewards.append(exp.reward)
        dones.append(exp.last_state is None)
        if exp.last_state is None:
            last_states.append(exp.state)       # the result will be masked anyway
        else:
            last_states.append(exp.last_state)
    return torch.stack(states), torch.tensor(actions), torch.tensor(rewards, dtype=torch.float32), \
        torch.tensor(dones, dtype=torch.bool), torch.stack(last_states)


def calc_loss(batch, net, tgt_net, gamma, device="cpu"):
    states, actions, rewards, dones, next_states = unpack_batch(batch)

    states_v = states.to(device)
    next_states_v = next_states.to(device)
    actions_v = actions.to(device)
    rewards_v = rewards.to(device)
    done_mask = dones.to(device)

    state_action_values = net(states_v).gather(1, actions_v.unsqueeze(-1)).squeeze(-1)
    next_state_actions = net(next_states_v).max(1)[1]
    next_state_values = tgt_net(next_states_v).gather(1, next_state_actions.unsqueeze(-1)).squeeze(-1)
    next_state_values[done_mask] = 0.0

    expected_state_action_values = next_state_values.detach() * gamma + rewards_v
    return nn.MSELoss()(state_action_values, expected_state_action_values)


torch.manual_seed(0)
obs_shape, n_actions = (5, BARS_COUNT), 3
net = DQNConv1D(obs_shape, n_actions)
tgt_net = copy.deepcopy(net)
optimizer = optim.Adam(net.parameters(), lr=LEARNING_RATE)

batch = [Experience(torch.randn(obs_shape), i % n_actions, float(i) / BATCH_SIZE,
                    None if i == 0 else torch.randn(obs_shape)) for i in range(BATCH_SIZE)]


def process_batch(batch):
    optimizer.zero_grad()
    loss_v = calc_loss(batch, net, tgt_net, gamma=GAMMA ** REWARD_STEPS)
    loss_v.backward()
    optimizer.step()
    return loss_v


loss_v = process_batch(batch)
