# case: dreamer-value-step-before-action-loss-backward
# source: https://github.com/cross32768/Dreamer_PyTorch/issues/2
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Dreamer (cross32768/Dreamer_PyTorch), the behaviour-learning half of the
# update loop in train.py. Imagined trajectories are rolled out with the
# action model and the RSSM prior, rewards and values are predicted on them,
# and a lambda-return target is built (utils.lambda_return). The value model
# is updated first: value_loss.backward(retain_graph=True) and
# value_optimizer.step(); then action_loss = -lambda_target.mean() is
# backpropagated through the same graph, which saved the value model's
# weights that the step has just overwritten in place ("[400, 1] ... output 0
# of AsStridedBackward0" in the issue). Kept: RecurrentStateSpaceModel,
# RewardModel, ValueModel, ActionModel (model.py), lambda_return (utils.py),
# the optimizers and the imagination/value/action block of train.py.
# Completed: the world-model learning step (encoder, observation model, KL
# loss, dm_control env, replay buffer) is trimmed; the detached posterior
# states it produces are replaced by random tensors; np.log/np.exp of the
# action model's init_stddev written with math (no numpy here); one update
# step.
import math
import torch
from torch import nn
from torch.nn import functional as F
from torch.distributions import Normal
from torch.nn.functional import mse_loss
from torch.nn.utils import clip_grad_norm_
from torch.optim import Adam


class RecurrentStateSpaceModel(nn.Module):
    def __init__(self, state_dim, action_dim, rnn_hidden_dim,
                 hidden_dim=200, min_stddev=0.1, act=F.elu):
        super(RecurrentStateSpaceModel, self).__init__()
        self.state_dim = state_dim
        self.action_dim = action_dim
        self.rnn_hidden_dim = rnn_hidden_dim
        self.fc_state_action = nn.Linear(state_dim + action_dim, hidden_dim)
        self.fc_rnn_hidden = nn.Linear(rnn_hidden_dim, hidden_dim)
        self.fc_state_mean_prior = nn.Linear(hidden_dim, state_dim)
        self.fc_state_stddev_prior = nn.Linear(hidden_dim, state_dim)
        self.fc_rnn_hidden_embedded_obs = nn.Linear(rnn_hidden_dim + 1024, hidden_dim)
        self.fc_state_mean_posterior = nn.Linear(hidden_dim, state_dim)
        self.fc_state_stddev_posterior = nn.Linear(hidden_dim, state_dim)
        self.rnn = nn.GRUCell(hidden_dim, rnn_hidden_dim)
        self._min_stddev = min_stddev
        self.act = act

    def forward(self, state, action, rnn_hidden, embedded_next_obs):
        next_state_prior, rnn_hidden = self.prior(state, action, rnn_hidden)
        next_state_posterior = self.posterior(rnn_hidden, embedded_next_obs)
        return next_state_prior, next_state_posterior, rnn_hidden

    def prior(self, state, action, rnn_hidden):
        hidden = self.act(self.fc_state_action(torch.cat([state, action], dim=1)))
        rnn_hidden = self.rnn(hidden, rnn_hidden)
        hidden = self.act(self.fc_rnn_hidden(rnn_hidden))

        mean = self.fc_state_mean_prior(hidden)
        stddev = F.softplus(self.fc_state_stddev_prior(hidden)) + self._min_stddev
        return Normal(mean, stddev), rnn_hidden

    def posterior(self, rnn_hidden, embedded_obs):
        hidden = self.act(self.fc_rnn_hidden_embedded_obs(
            torch.cat([rnn_hidden, embedded_obs], dim=1)))
        mean = self.fc_state_mean_posterior(hidden)
        stddev = F.softplus(self.fc_state_stddev_posterior(hidden)) + self._min_stddev
        return Normal(mean, stddev)


class RewardModel(nn.Module):
    def __init__(self, state_dim, rnn_hidden_dim, hidden_dim=400, act=F.elu):
        super(RewardModel, self).__init__()
        self.fc1 = nn.Linear(state_dim + rnn_hidden_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, hidden_dim)
        self.fc3 = nn.Linear(hidden_dim, hidden_dim)
        self.fc4 = nn.Linear(hidden_dim, 1)
        self.act = act

    def forward(self, state, rnn_hidden):
        hidden = self.act(self.fc1(torch.cat([state, rnn_hidden], dim=1)))
        hidden = self.act(self.fc2(hidden))
        hidden = self.act(self.fc3(hidden))
        reward = self.fc4(hidden)
        return reward


class ValueModel(nn.Module):
    def __init__(self, state_dim, rnn_hidden_dim, hidden_dim=400, act=F.elu):
        super(ValueModel, self).__init__()
        self.fc1 = nn.Linear(state_dim + rnn_hidden_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, hidden_dim)
        self.fc3 = nn.Linear(hidden_dim, hidden_dim)
        self.fc4 = nn.Linear(hidden_dim, 1)
        self.act = act

    def forward(self, state, rnn_hidden):
        hidden = self.act(self.fc1(torch.cat([state, rnn_hidden], dim=1)))
        hidden = self.act(self.fc2(hidden))
        hidden = self.act(self.fc3(hidden))
        state_value = self.fc4(hidden)
        return state_value


class ActionModel(nn.Module):
    def __init__(self, state_dim, rnn_hidden_dim, action_dim,
                 hidden_dim=400, act=F.elu, min_stddev=1e-4, init_stddev=5.0):
        super(ActionModel, self).__init__()
        self.fc1 = nn.Linear(state_dim + rnn_hidden_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, hidden_dim)
        self.fc3 = nn.Linear(hidden_dim, hidden_dim)
        self.fc4 = nn.Linear(hidden_dim, hidden_dim)
        self.fc_mean = nn.Linear(hidden_dim, action_dim)
        self.fc_stddev = nn.Linear(hidden_dim, action_dim)
        self.act = act
        self.min_stddev = min_stddev
        self.init_stddev = math.log(math.exp(init_stddev) - 1)

    def forward(self, state, rnn_hidden, training=True):
        hidden = self.act(self.fc1(torch.cat([state, rnn_hidden], dim=1)))
        hidden = self.act(self.fc2(hidden))
        hidden = self.act(self.fc3(hidden))
        hidden = self.act(self.fc4(hidden))

        mean = self.fc_mean(hidden)
        mean = 5.0 * torch.tanh(mean / 5.0)
        stddev = self.fc_stddev(hidden)
        stddev = F.softplus(stddev + self.init_stddev) + self.min_stddev

        if training:
            action = torch.tanh(Normal(mean, stddev).rsample())
        else:
            action = torch.tanh(mean)
        return action


def lambda_return(rewards, values, gamma, lambda_):
    V_lambda = torch.zeros_like(rewards, device=rewards.device)

    H = rewards.shape[0] - 1
    V_n = torch.zeros_like(rewards, device=rewards.device)
    V_n[H] = values[H]
    for n in range(1, H+1):
        # compute n-step target
        V_n[:-n] = (gamma ** n) * values[n:]
        for k in range(1, n+1):
            if k == n:
                V_n[:-n] += (gamma ** (n-1)) * rewards[k:]
            else:
                V_n[:-n] += (gamma ** (k-1)) * rewards[k:-n+k]

        # add lambda_ weighted n-step target to compute lambda target
        if n == H:
            V_lambda += (lambda_ ** (H-1)) * V_n
        else:
            V_lambda += (1 - lambda_) * (lambda_ ** (n-1)) * V_n

    return V_lambda


class args:
    state_dim = 30
    rnn_hidden_dim = 200
    batch_size = 2
    chunk_length = 4
    imagination_horizon = 3
    gamma = 0.99
    lambda_ = 0.95
    value_lr = 8e-5
    action_lr = 8e-5
    eps = 1e-4
    clip_grad_norm = 100


torch.manual_seed(0)
action_dim = 2
rssm = RecurrentStateSpaceModel(args.state_dim, action_dim, args.rnn_hidden_dim)
reward_model = RewardModel(args.state_dim, args.rnn_hidden_dim)
value_model = ValueModel(args.state_dim, args.rnn_hidden_dim)
action_model = ActionModel(args.state_dim, args.rnn_hidden_dim, action_dim)
value_optimizer = Adam(value_model.parameters(), lr=args.value_lr, eps=args.eps)
action_optimizer = Adam(action_model.parameters(), lr=args.action_lr, eps=args.eps)

# posterior states of the world-model pass (stand-ins)
flatten_states = torch.randn((args.chunk_length - 1) * args.batch_size, args.state_dim)
flatten_rnn_hiddens = torch.randn((args.chunk_length - 1) * args.batch_size, args.rnn_hidden_dim)

# compute target values
flatten_states = flatten_states.detach()
flatten_rnn_hiddens = flatten_rnn_hiddens.detach()
imaginated_states = torch.zeros(args.imagination_horizon + 1,
                                *flatten_states.shape,
                                device=flatten_states.device)
imaginated_rnn_hiddens = torch.zeros(args.imagination_horizon + 1,
                                     *flatten_rnn_hiddens.shape,
                                     device=flatten_rnn_hiddens.device)
imaginated_states[0] = flatten_states
imaginated_rnn_hiddens[0] = flatten_rnn_hiddens

for h in range(1, args.imagination_horizon + 1):
    actions = action_model(flatten_states, flatten_rnn_hiddens)
    flatten_states_prior, flatten_rnn_hiddens = rssm.prior(flatten_states,
                                                           actions,
                                                           flatten_rnn_hiddens)
    flatten_states = flatten_states_prior.rsample()
    imaginated_states[h] = flatten_states
    imaginated_rnn_hiddens[h] = flatten_rnn_hiddens

flatten_imaginated_states = imaginated_states.view(-1, args.state_dim)
flatten_imaginated_rnn_hiddens = imaginated_rnn_hiddens.view(-1, args.rnn_hidden_dim)
imaginated_rewards = \
    reward_model(flatten_imaginated_states,
                 flatten_imaginated_rnn_hiddens).view(args.imagination_horizon + 1, -1)
imaginated_values = \
    value_model(flatten_imaginated_states,
                flatten_imaginated_rnn_hiddens).view(args.imagination_horizon + 1, -1)
lambda_value_target = lambda_return(imaginated_rewards, imaginated_values,
                                    args.gamma, args.lambda_)

# update_value model
value_loss = 0.5 * mse_loss(imaginated_values, lambda_value_target.detach())
value_optimizer.zero_grad()
value_loss.backward(retain_graph=True)
clip_grad_norm_(value_model.parameters(), args.clip_grad_norm)
value_optimizer.step()  # error: IPL003

# update value model and action model
action_loss = -1 * (lambda_value_target.mean())
action_optimizer.zero_grad()
action_loss.backward()
clip_grad_norm_(action_model.parameters(), args.clip_grad_norm)
action_optimizer.step()
