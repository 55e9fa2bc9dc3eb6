# case: oac-sac-qf-step-before-policy-backward
# source: https://github.com/microsoft/oac-explore/issues/27
# expect: markers
# torch: raises "modified by an inplace operation"

# oac-explore trainer/trainer.py, SACTrainer.train_from_torch (an rlkit-derived SAC): the
# policy loss is built first, `q_new_actions = torch.min(self.qf1(obs, new_obs_actions),
# self.qf2(obs, new_obs_actions))`, then the Q losses, and only then the updates run in the
# order qf1 step, qf2 step, policy backward. self.qf1_optimizer.step() rewrites qf1's Linear
# weights in place while policy_loss's graph still holds them (saved to backprop into the
# actions), so policy_loss.backward() fails on recent PyTorch. Reduced: tiny MLP policy/Q
# networks built by policy_producer/q_producer, random batch, no target soft update or stats.
# Markers on both Q optimizer steps: the qf1 step is the first write that invalidates the graph,
# the qf2 step invalidates it again for qf2's weights (IPL003, a step rewriting saved weights).
import math
import torch
import torch.optim as optim
from torch import nn as nn


class ConcatMlp(nn.Module):
    def __init__(self, input_size, output_size=1, hidden_size=16):
        super().__init__()
        self.fc0 = nn.Linear(input_size, hidden_size)
        self.last_fc = nn.Linear(hidden_size, output_size)

    def forward(self, *inputs):
        flat_inputs = torch.cat(inputs, dim=1)
        return self.last_fc(torch.relu(self.fc0(flat_inputs)))


class TanhGaussianPolicy(nn.Module):
    def __init__(self, obs_dim, action_dim, hidden_size=16):
        super().__init__()
        self.fc0 = nn.Linear(obs_dim, hidden_size)
        self.last_fc = nn.Linear(hidden_size, action_dim)
        self.last_fc_log_std = nn.Linear(hidden_size, action_dim)

    def forward(self, obs, reparameterize=True, return_log_prob=True):
        h = torch.relu(self.fc0(obs))
        mean = self.last_fc(h)
        log_std = torch.clamp(self.last_fc_log_std(h), -20, 2)
        std = log_std.exp()
        pre_tanh_value = mean + std * torch.randn_like(std)
        action = torch.tanh(pre_tanh_value)
        log_prob = (-0.5 * ((pre_tanh_value - mean) / std) ** 2 - log_std
                    - 0.5 * math.log(2 * math.pi)).sum(dim=1, keepdim=True)
        log_prob = log_prob - torch.log(1 - action.pow(2) + 1e-6).sum(dim=1, keepdim=True)
        return action, mean, log_std, log_prob


class SACTrainer(object):
    def __init__(self, policy_producer, q_producer, action_space_dim=2, discount=0.99,
                 reward_scale=1.0, policy_lr=1e-3, qf_lr=1e-3, optimizer_class=optim.Adam):
        self.target_entropy = -float(action_space_dim)
        self.qf_criterion = nn.MSELoss()
        self.discount = discount
        self.reward_scale = reward_scale
        self.policy = policy_producer()
        self.qf1 = q_producer()
        self.qf2 = q_producer()
        self.target_qf1 = q_producer()
        self.target_qf2 = q_producer()
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.alpha_optimizer = optimizer_class([self.log_alpha], lr=policy_lr)
        self.policy_optimizer = optimizer_class(self.policy.parameters(), lr=policy_lr)
        self.qf1_optimizer = optimizer_class(self.qf1.parameters(), lr=qf_lr)
        self.qf2_optimizer = optimizer_class(self.qf2.parameters(), lr=qf_lr)

    def train_from_torch(self, batch):
        rewards = batch['rewards']
        terminals = batch['terminals']
        obs = batch['observations']
        actions = batch['actions']
        next_obs = batch['next_observations']

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
        QF Loss
        """
        q1_pred = self.qf1(obs, actions)
        q2_pred = self.qf2(obs, actions)
        new_next_actions, _, _, new_log_pi = self.policy(
            next_obs, reparameterize=True, return_log_prob=True,
        )
        target_q_values = torch.min(
            self.target_qf1(next_obs, new_next_actions),
            self.target_qf2(next_obs, new_next_actions),
        ) - alpha * new_log_pi
        q_target = self.reward_scale * rewards + (1. - terminals) * self.discount * target_q_values
        qf1_loss = self.qf_criterion(q1_pred, q_target.detach())
        qf2_loss = self.qf_criterion(q2_pred, q_target.detach())

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
obs_dim, action_dim = 3, 2
trainer = SACTrainer(
    policy_producer=lambda: TanhGaussianPolicy(obs_dim, action_dim),
    q_producer=lambda: ConcatMlp(obs_dim + action_dim),
    action_space_dim=action_dim,
)
batch = {
    'rewards': torch.randn(8, 1),
    'terminals': torch.zeros(8, 1),
    'observations': torch.randn(8, obs_dim),
    'actions': torch.rand(8, action_dim) * 2 - 1,
    'next_observations': torch.randn(8, obs_dim),
}
trainer.train_from_torch(batch)
