# case: svpg-per-particle-values-buffer-fixed
# source: https://github.com/montrealrobotics/active-domainrand/issues/9
# expect: clean
# torch: clean
# check: all(not torch.equal(w, p.critic[2].weight) for w, p in zip(w0, svpg.particles)) and all(p.grad is not None and torch.isfinite(p.grad).all() for p in svpg.particles[1].dist.parameters())

# The same SVPG, but step() keeps one values buffer per particle, so each particle's critic
# loss reaches only its own critic; stepping particle 0's optimizer no longer touches anything
# particle 1's backward needs.
import torch
import torch.nn as nn
import torch.optim as optim
from torch.distributions import Categorical
from torch.distributions.kl import kl_divergence


class SVPGParticle(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim, freeze=False):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, 1))
        self.actor_hidden = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Tanh())
        self.dist = nn.Linear(hidden_dim, output_dim)
        if freeze:
            for p in self.parameters():
                p.requires_grad = False
        self.reset()

    def forward(self, x):
        dist = Categorical(logits=self.dist(self.actor_hidden(x)))
        value = self.critic(x)
        return dist, value

    def reset(self):
        self.saved_log_probs = []
        self.saved_klds = []


class SVPG:
    def __init__(self, nagents, nparams, svpg_rollout_length, kld_coefficient=0.01):
        self.nagents, self.nparams, self.svpg_rollout_length = nagents, nparams, svpg_rollout_length
        self.gamma, self.kld_coefficient = 0.99, kld_coefficient
        self.particles, self.prior_particles, self.optimizers = [], [], []
        self.last_states = torch.rand(nagents, nparams)
        for i in range(nagents):
            policy = SVPGParticle(nparams, nparams * 2, 8)
            self.particles.append(policy)
            self.prior_particles.append(SVPGParticle(nparams, nparams * 2, 8, freeze=True))
            self.optimizers.append(optim.Adam(policy.parameters(), lr=3e-4))

    def select_action(self, policy_idx, state):
        state = state.float().unsqueeze(0)
        policy, prior_policy = self.particles[policy_idx], self.prior_particles[policy_idx]
        dist, value = policy(state)
        prior_dist, _ = prior_policy(state)
        action = dist.sample()
        policy.saved_log_probs.append(dist.log_prob(action))
        policy.saved_klds.append(kl_divergence(dist, prior_dist))
        return action.item(), value

    def compute_returns(self, next_value, rewards, masks, klds):
        R = next_value
        returns = []
        for step in reversed(range(len(rewards))):
            R = self.gamma * masks[step] * R + (rewards[step] - self.kld_coefficient * klds[step])
            returns.insert(0, R)
        return returns

    def step(self):
        self.values = [torch.zeros((self.svpg_rollout_length, 1)) for _ in range(self.nagents)]
        self.masks = torch.ones((self.nagents, self.svpg_rollout_length))
        for i in range(self.nagents):
            self.particles[i].reset()
            current_sim_params = self.last_states[i].clone()
            for t in range(self.svpg_rollout_length):
                action, value = self.select_action(i, current_sim_params)
                self.values[i][t] = value
                step = 0.1 if action == 1 else -0.1
                current_sim_params = (current_sim_params + step).clamp(0, 1)
            self.last_states[i] = current_sim_params

    def train(self, simulator_rewards):
        for i in range(self.nagents):
            policy_grad_particle = []
            _, next_value = self.select_action(i, self.last_states[i])
            returns = self.compute_returns(next_value, simulator_rewards[i], self.masks[i], self.particles[i].saved_klds)
            returns = torch.cat(returns).detach()
            advantages = returns - self.values[i]
            for log_prob, advantage in zip(self.particles[i].saved_log_probs, advantages):
                policy_grad_particle.append(log_prob * advantage.detach())

            self.optimizers[i].zero_grad()
            critic_loss = 0.5 * advantages.pow(2).mean()
            critic_loss.backward(retain_graph=True)
            self.optimizers[i].step()

            self.optimizers[i].zero_grad()
            policy_grad = -torch.cat(policy_grad_particle).mean()
            policy_grad.backward()
        for i in range(self.nagents):
            self.optimizers[i].step()


torch.manual_seed(0)
svpg = SVPG(nagents=2, nparams=1, svpg_rollout_length=3)
svpg.step()
w0 = [p.critic[2].weight.detach().clone() for p in svpg.particles]
svpg.train(torch.rand(2, 3))
