# case: gdrl-sac-policy-update-before-value-step-fixed
# source: https://github.com/mimoralea/gdrl/issues/13
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in agent.policy_model.parameters()) and agent.online_value_model_a.input_layer.weight.grad is not None

# Look-alike of gdrl-sac-value-step-before-policy-backward with the reordering given in
# the issue: the policy loss is back-propagated and the policy optimizer steps right after
# the policy loss is built, before the Q losses move the critic weights in place.
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class FCQSA(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dims=(16, 16)):
        super(FCQSA, self).__init__()
        self.input_layer = nn.Linear(input_dim + output_dim, hidden_dims[0])
        self.hidden_layers = nn.ModuleList()
        for i in range(len(hidden_dims) - 1):
            self.hidden_layers.append(nn.Linear(hidden_dims[i], hidden_dims[i + 1]))
        self.output_layer = nn.Linear(hidden_dims[-1], 1)

    def forward(self, state, action):
        x = torch.cat((state, action), dim=1)
        x = F.relu(self.input_layer(x))
        for hidden_layer in self.hidden_layers:
            x = F.relu(hidden_layer(x))
        return self.output_layer(x)


class FCGP(nn.Module):
    def __init__(self, input_dim, action_bounds, log_std_min=-20, log_std_max=2, hidden_dims=(16, 16)):
        super(FCGP, self).__init__()
        self.log_std_min, self.log_std_max = log_std_min, log_std_max
        self.env_min, self.env_max = action_bounds
        self.input_layer = nn.Linear(input_dim, hidden_dims[0])
        self.hidden_layers = nn.ModuleList(
            [nn.Linear(hidden_dims[i], hidden_dims[i + 1]) for i in range(len(hidden_dims) - 1)])
        self.output_layer_mean = nn.Linear(hidden_dims[-1], len(self.env_max))
        self.output_layer_log_std = nn.Linear(hidden_dims[-1], len(self.env_max))
        self.target_entropy = -float(self.env_max.numel())
        self.logalpha = torch.zeros(1, requires_grad=True)
        self.alpha_optimizer = optim.Adam([self.logalpha], lr=3e-4)

    def forward(self, state):
        x = F.relu(self.input_layer(state))
        for hidden_layer in self.hidden_layers:
            x = F.relu(hidden_layer(x))
        x_mean = self.output_layer_mean(x)
        x_log_std = self.output_layer_log_std(x).clamp(self.log_std_min, self.log_std_max)
        return x_mean, x_log_std

    def full_pass(self, state, epsilon=1e-6):
        mean, log_std = self.forward(state)
        pi_s = torch.distributions.Normal(mean, log_std.exp())
        pre_tanh_action = pi_s.rsample()
        tanh_action = torch.tanh(pre_tanh_action)
        action = tanh_action  # env bounds are [-1, 1] here
        log_prob = pi_s.log_prob(pre_tanh_action) - torch.log((1 - tanh_action.pow(2)).clamp(0, 1) + epsilon)
        log_prob = log_prob.sum(dim=1, keepdim=True)
        return action, log_prob, torch.tanh(mean)


class SAC():
    def __init__(self, nS, nA):
        bounds = (torch.full((nA,), -1.0), torch.full((nA,), 1.0))
        self.policy_model = FCGP(nS, bounds)
        self.online_value_model_a = FCQSA(nS, nA)
        self.online_value_model_b = FCQSA(nS, nA)
        self.target_value_model_a = FCQSA(nS, nA)
        self.target_value_model_b = FCQSA(nS, nA)
        self.policy_optimizer = optim.Adam(self.policy_model.parameters(), lr=5e-4)
        self.value_optimizer_a = optim.Adam(self.online_value_model_a.parameters(), lr=7e-4)
        self.value_optimizer_b = optim.Adam(self.online_value_model_b.parameters(), lr=7e-4)
        self.policy_max_grad_norm = float('inf')
        self.value_max_grad_norm = float('inf')
        self.gamma = 0.99

    def optimize_model(self, experiences):
        states, actions, rewards, next_states, is_terminals = experiences

        # policy loss
        current_actions, logpi_s, _ = self.policy_model.full_pass(states)

        target_alpha = (logpi_s + self.policy_model.target_entropy).detach()
        alpha_loss = -(self.policy_model.logalpha * target_alpha).mean()

        self.policy_model.alpha_optimizer.zero_grad()
        alpha_loss.backward()
        self.policy_model.alpha_optimizer.step()
        alpha = self.policy_model.logalpha.exp()

        current_q_sa_a = self.online_value_model_a(states, current_actions)
        current_q_sa_b = self.online_value_model_b(states, current_actions)
        current_q_sa = torch.min(current_q_sa_a, current_q_sa_b)
        policy_loss = (alpha * logpi_s - current_q_sa).mean()

        self.policy_optimizer.zero_grad()
        policy_loss.backward()
        torch.nn.utils.clip_grad_norm_(self.policy_model.parameters(), self.policy_max_grad_norm)
        self.policy_optimizer.step()

        # Q loss
        ap, logpi_sp, _ = self.policy_model.full_pass(next_states)
        q_spap_a = self.target_value_model_a(next_states, ap)
        q_spap_b = self.target_value_model_b(next_states, ap)
        q_spap = torch.min(q_spap_a, q_spap_b) - alpha * logpi_sp
        target_q_sa = (rewards + self.gamma * q_spap * (1 - is_terminals)).detach()

        q_sa_a = self.online_value_model_a(states, actions)
        q_sa_b = self.online_value_model_b(states, actions)
        qa_loss = (q_sa_a - target_q_sa).pow(2).mul(0.5).mean()
        qb_loss = (q_sa_b - target_q_sa).pow(2).mul(0.5).mean()

        self.value_optimizer_a.zero_grad()
        qa_loss.backward()
        torch.nn.utils.clip_grad_norm_(self.online_value_model_a.parameters(), self.value_max_grad_norm)
        self.value_optimizer_a.step()

        self.value_optimizer_b.zero_grad()
        qb_loss.backward()
        torch.nn.utils.clip_grad_norm_(self.online_value_model_b.parameters(), self.value_max_grad_norm)
        self.value_optimizer_b.step()


torch.manual_seed(0)
agent = SAC(nS=3, nA=1)
B = 8
experiences = (torch.randn(B, 3), torch.rand(B, 1) * 2 - 1, torch.randn(B, 1), torch.randn(B, 3), torch.zeros(B, 1))
agent.optimize_model(experiences)
