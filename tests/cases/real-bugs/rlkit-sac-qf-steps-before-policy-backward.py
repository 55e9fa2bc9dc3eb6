# case: rlkit-sac-qf-steps-before-policy-backward
# source: https://github.com/rail-berkeley/rlkit/pull/109
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# rlkit/torch/sac/sac.py, SACTrainer.train_from_torch before the PR: policy_loss is built through self.qf1 and
# self.qf2 (q_new_actions), then "Update networks" steps qf1_optimizer and qf2_optimizer before
# policy_loss.backward(), which needs the Q-network weights the steps overwrote (an error since torch 1.5, as the
# PR says; the fix optimizes the policy first). Networks reduced to small MLPs: FlattenMlp is a Linear/ReLU stack
# on cat(obs, action), the TanhGaussianPolicy keeps its reparameterised tanh-Gaussian sample; no replay buffer, no
# eval statistics, the target networks are plain copies.
import copy
import math

import torch
import torch.optim as optim
from torch import nn as nn


class FlattenMlp(nn.Module):
    def __init__(self, input_size, output_size, hidden_sizes):
        super().__init__()
        layers = []
        in_size = input_size
        for h in hidden_sizes:
            layers += [nn.Linear(in_size, h), nn.ReLU()]
            in_size = h
        layers.append(nn.Linear(in_size, output_size))
        self.net = nn.Sequential(*layers)

    def forward(self, *inputs):
        return self.net(torch.cat(inputs, dim=1))


class TanhGaussianPolicy(nn.Module):
    def __init__(self, obs_dim, action_dim, hidden_sizes):
        super().__init__()
        self.trunk = FlattenMlp(obs_dim, hidden_sizes[-1], hidden_sizes[:-1])
        self.last_fc = nn.Linear(hidden_sizes[-1], action_dim)
        self.last_fc_log_std = nn.Linear(hidden_sizes[-1], action_dim)

    def forward(self, obs, reparameterize=True, return_log_prob=False):
        h = torch.relu(self.trunk(obs))
        mean = self.last_fc(h)
        log_std = torch.clamp(self.last_fc_log_std(h), -20, 2)
        std = log_std.exp()
        pre_tanh_value = mean + std * torch.randn_like(mean)
        action = torch.tanh(pre_tanh_value)
        log_prob = None
        if return_log_prob:
            log_prob = (-0.5 * ((pre_tanh_value - mean) / std) ** 2 - log_std - 0.5 * math.log(2 * math.pi))
            log_prob = log_prob - torch.log(1 - action ** 2 + 1e-6)
            log_prob = log_prob.sum(dim=1, keepdim=True)
        return action, mean, log_std, log_prob


class SACTrainer:
    def __init__(self, action_dim, policy, qf1, qf2, target_qf1, target_qf2, discount=0.99, reward_scale=1.0,
                 policy_lr=1e-3, qf_lr=1e-3, optimizer_class=optim.Adam):
        self.policy = policy
        self.qf1 = qf1
        self.qf2 = qf2
        self.target_qf1 = target_qf1
        self.target_qf2 = target_qf2
        self.target_entropy = -float(action_dim)  # -np.prod(env.action_space.shape)
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.alpha_optimizer = optimizer_class([self.log_alpha], lr=policy_lr)
        self.qf_criterion = nn.MSELoss()
        self.policy_optimizer = optimizer_class(self.policy.parameters(), lr=policy_lr)
        self.qf1_optimizer = optimizer_class(self.qf1.parameters(), lr=qf_lr)
        self.qf2_optimizer = optimizer_class(self.qf2.parameters(), lr=qf_lr)
        self.discount = discount
        self.reward_scale = reward_scale

    def train_from_torch(self, batch):
        rewards = batch['rewards']
        terminals = batch['terminals']
        obs = batch['observations']
        actions = batch['actions']
        next_obs = batch['next_observations']

        q1_pred = self.qf1(obs, actions)
        q2_pred = self.qf2(obs, actions)
        new_next_actions, *_ = self.policy(next_obs, reparameterize=True, return_log_prob=True)

        """
        QF Loss
        """
        target_q_values = torch.min(
            self.target_qf1(next_obs, new_next_actions),
            self.target_qf2(next_obs, new_next_actions),
        )
        q_target = self.reward_scale * rewards + (1. - terminals) * self.discount * target_q_values
        qf1_loss = self.qf_criterion(q1_pred, q_target.detach())
        qf2_loss = self.qf_criterion(q2_pred, q_target.detach())

        """
        Policy and Alpha Loss
        """
        new_obs_actions, policy_mean, policy_log_std, log_pi = self.policy(
            obs, reparameterize=True, return_log_prob=True,
        )
        alpha_loss = -(self.log_alpha * (log_pi + self.target_entropy).detach()).mean()
        self.alpha_optimizer.zero_grad()
        alpha_loss.backward()
        self.alpha_optimizer.step()
        alpha = self.log_alpha.exp()

        q_new_actions = torch.min(
            self.qf1(obs, new_obs_actions),
            self.qf2(obs, new_obs_actions),
        )
        policy_loss = (alpha * log_pi - q_new_actions).mean()

        """
        Update networks
        """
        self.qf1_optimizer.zero_grad()
        qf1_loss.backward()
        self.qf1_optimizer.step()  # error: IPL003

        self.qf2_optimizer.zero_grad()
        qf2_loss.backward()
        self.qf2_optimizer.step()  # error: IPL003

        self.policy_optimizer.zero_grad()
        policy_loss.backward()
        self.policy_optimizer.step()


torch.manual_seed(0)
obs_dim, action_dim = 5, 2
qf1 = FlattenMlp(obs_dim + action_dim, 1, [16, 16])
qf2 = FlattenMlp(obs_dim + action_dim, 1, [16, 16])
policy = TanhGaussianPolicy(obs_dim, action_dim, [16, 16])
trainer = SACTrainer(action_dim, policy, qf1, qf2, copy.deepcopy(qf1), copy.deepcopy(qf2))
batch = {
    'rewards': torch.randn(8, 1),
    'terminals': torch.zeros(8, 1),
    'observations': torch.randn(8, obs_dim),
    'actions': torch.rand(8, action_dim) * 2 - 1,
    'next_observations': torch.randn(8, obs_dim),
}
trainer.train_from_torch(batch)
