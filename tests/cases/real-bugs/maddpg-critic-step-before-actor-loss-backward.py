# case: maddpg-critic-step-before-actor-loss-backward
# source: https://github.com/starry-sky6688/MADDPG/issues/27
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# The thread: in MADDPG.train() the reporter swaps the update order to the paper's (critic first,
# then actor) -- critic_optim.zero_grad/backward/step, then actor_optim.zero_grad/backward/step --
# and gets the in-place error. The maintainer: actor_loss was computed through critic_network,
# which the critic step then changes.
# Kept: the MADDPG class (actor/critic networks and their targets, two Adam optimizers), train()
# building o/u/o_next lists per agent, the target under no_grad, `u[self.agent_id] =
# self.actor_network(...)`, actor_loss = -critic(o, u).mean(), and the reporter's update order.
# Completed: tiny MPE-like shapes (2 agents), random transitions, other agents as simple objects.
# Left out: the critic's in-place rescaling of actions by max_action (1.0 here).
import torch
import torch.nn as nn
import torch.nn.functional as F


class Args:
    n_agents = 2
    obs_shape = [4, 4]
    action_shape = [2, 2]
    high_action = 1.0
    lr_actor = 1e-4
    lr_critic = 1e-3
    gamma = 0.95
    tau = 0.01


class Actor(nn.Module):
    def __init__(self, args, agent_id):
        super().__init__()
        self.max_action = args.high_action
        self.fc1 = nn.Linear(args.obs_shape[agent_id], 32)
        self.fc2 = nn.Linear(32, 32)
        self.action_out = nn.Linear(32, args.action_shape[agent_id])

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.max_action * torch.tanh(self.action_out(x))


class Critic(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.fc1 = nn.Linear(sum(args.obs_shape) + sum(args.action_shape), 32)
        self.fc2 = nn.Linear(32, 32)
        self.q_out = nn.Linear(32, 1)

    def forward(self, state, action):
        state = torch.cat(state, dim=1)
        action = torch.cat(action, dim=1)
        x = torch.cat([state, action], dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.q_out(x)


class MADDPG:
    def __init__(self, args, agent_id):
        self.args = args
        self.agent_id = agent_id
        self.actor_network = Actor(args, agent_id)
        self.critic_network = Critic(args)
        self.actor_target_network = Actor(args, agent_id)
        self.critic_target_network = Critic(args)
        self.actor_target_network.load_state_dict(self.actor_network.state_dict())
        self.critic_target_network.load_state_dict(self.critic_network.state_dict())
        self.actor_optim = torch.optim.Adam(self.actor_network.parameters(), lr=args.lr_actor)
        self.critic_optim = torch.optim.Adam(self.critic_network.parameters(), lr=args.lr_critic)

    def _soft_update_target_network(self):
        for target_param, param in zip(self.actor_target_network.parameters(), self.actor_network.parameters()):
            target_param.data.copy_((1 - self.args.tau) * target_param.data + self.args.tau * param.data)
        for target_param, param in zip(self.critic_target_network.parameters(), self.critic_network.parameters()):
            target_param.data.copy_((1 - self.args.tau) * target_param.data + self.args.tau * param.data)

    def train(self, transitions, other_agents):
        r = transitions['r_%d' % self.agent_id]
        o, u, o_next = [], [], []
        for agent_id in range(self.args.n_agents):
            o.append(transitions['o_%d' % agent_id])
            u.append(transitions['u_%d' % agent_id])
            o_next.append(transitions['o_next_%d' % agent_id])

        u_next = []
        with torch.no_grad():
            index = 0
            for agent_id in range(self.args.n_agents):
                if agent_id == self.agent_id:
                    u_next.append(self.actor_target_network(o_next[agent_id]))
                else:
                    u_next.append(other_agents[index].policy.actor_target_network(o_next[agent_id]))
                    index += 1
            q_next = self.critic_target_network(o_next, u_next).detach()
            target_q = (r.unsqueeze(1) + self.args.gamma * q_next).detach()

        q_value = self.critic_network(o, u)
        critic_loss = (target_q - q_value).pow(2).mean()

        u[self.agent_id] = self.actor_network(o[self.agent_id])
        actor_loss = - self.critic_network(o, u).mean()

        self.critic_optim.zero_grad()
        critic_loss.backward()
        self.critic_optim.step()  # error: IPL003

        self.actor_optim.zero_grad()
        actor_loss.backward()
        self.actor_optim.step()

        self._soft_update_target_network()


class Agent:
    def __init__(self, agent_id, args):
        self.agent_id = agent_id
        self.policy = MADDPG(args, agent_id)

    def learn(self, transitions, other_agents):
        self.policy.train(transitions, other_agents)


torch.manual_seed(0)
args = Args()
agents = [Agent(i, args) for i in range(args.n_agents)]
B = 8
transitions = {}
for i in range(args.n_agents):
    transitions['o_%d' % i] = torch.randn(B, args.obs_shape[i])
    transitions['u_%d' % i] = torch.rand(B, args.action_shape[i]) * 2 - 1
    transitions['r_%d' % i] = torch.randn(B)
    transitions['o_next_%d' % i] = torch.randn(B, args.obs_shape[i])
for agent in agents:
    other_agents = [a for a in agents if a is not agent]
    agent.learn(transitions, other_agents)
