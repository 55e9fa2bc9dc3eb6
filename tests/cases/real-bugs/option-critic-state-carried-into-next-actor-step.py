# case: option-critic-state-carried-into-next-actor-step
# source: https://github.com/lweitkamp/option-critic-pytorch/issues/9
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The loop computes `state = option_critic.get_state(next_obs)` (through the shared features)
# and carries it to the next step, where get_action builds logp from `state @ options_W[option]`.
# actor_loss then backpropagates logp and steps the optimizer; the next step's logp reaches
# features' weights the previous step already rewrote. Reduced: no replay buffer or critic
# update, a random-observation environment, 4-dim observations.
import torch
import torch.nn as nn
from torch.distributions import Categorical, Bernoulli


class OptionCriticFeatures(nn.Module):
    def __init__(self, in_features, num_actions, num_options, temperature=1.0):
        super().__init__()
        self.num_options = num_options
        self.temperature = temperature
        self.features = nn.Sequential(nn.Linear(in_features, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU())
        self.Q = nn.Linear(64, num_options)
        self.terminations = nn.Linear(64, num_options)
        self.options_W = nn.Parameter(torch.zeros(num_options, 64, num_actions))
        self.options_b = nn.Parameter(torch.zeros(num_options, num_actions))

    def get_state(self, obs):
        return self.features(obs.unsqueeze(0))

    def get_Q(self, state):
        return self.Q(state)

    def get_terminations(self, state):
        return self.terminations(state).sigmoid()

    def predict_option_termination(self, state, current_option):
        termination = self.terminations(state)[:, current_option].sigmoid()
        option_termination = Bernoulli(termination).sample()
        next_option = self.get_Q(state).argmax(dim=-1)
        return bool(option_termination.item()), next_option.item()

    def get_action(self, state, option):
        logits = state @ self.options_W[option] + self.options_b[option]
        action_dist = Categorical((logits / self.temperature).softmax(dim=-1))
        action = action_dist.sample()
        return action.item(), action_dist.log_prob(action), action_dist.entropy()


def actor_loss_fn(obs, option, logp, entropy, reward, done, next_obs, model, optim, gamma=0.99):
    state = model.get_state(obs)
    option_term_prob = model.get_terminations(state)[:, option]
    Q = model.get_Q(state).detach().squeeze()
    gt = reward + (1 - done) * gamma * Q.max(dim=-1)[0]
    termination_loss = option_term_prob * (Q[option] - Q.max(dim=-1)[0] + 0.01) * (1 - done)
    policy_loss = -logp * (gt - Q[option]) - 0.01 * entropy
    loss = (termination_loss + policy_loss).sum()
    optim.zero_grad()
    loss.backward()
    optim.step()  # error: IPL003
    return loss


torch.manual_seed(0)
option_critic = OptionCriticFeatures(4, 2, 3)
optim_actor = torch.optim.SGD(option_critic.parameters(), lr=0.1)
obs = torch.randn(4)
state = option_critic.get_state(obs)
current_option = 0
for step in range(3):
    action, logp, entropy = option_critic.get_action(state, current_option)
    next_obs, reward, done = torch.randn(4), 1.0, 0.0
    state = option_critic.get_state(next_obs)
    option_termination, greedy_option = option_critic.predict_option_termination(state, current_option)
    actor_loss = actor_loss_fn(obs, current_option, logp, entropy, reward, done, next_obs, option_critic, optim_actor)
    obs = next_obs
