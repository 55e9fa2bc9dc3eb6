# case: molgan-generator-step-before-value-backward
# source: https://github.com/kfzyqin/Implementation-MolGAN-PyTorch/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# kfzyqin/Implementation-MolGAN-PyTorch, solver_gan.py `train_or_valid`, section
# "3. Train the generator". Kept: the Generator of models_gan.py, the order of the
# updates (`train_step_G.backward(retain_graph=True)`, `self.g_optimizer.step()`, then
# `train_step_V.backward()`), the value network fed with the generated graph, and the
# loss formulas. Trimmed: the discriminator's own update, the gradient penalty, the
# graph convolutions of D and V (replaced by an MLP over the flattened graph), the RDKit
# rewards (replaced by fixed numbers). The value loss is computed on `edges_hat` and
# `nodes_hat`, so its graph runs back through the generator and saved G's weights (the
# transposed `nodes_layer.weight`, "output 0 of TBackward" in the report). The
# generator's optimizer step updates those weights in place before that backward.
import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiDenseLayer(nn.Module):
    def __init__(self, aux_unit, linear_units, activation=None, dropout_rate=0.):
        super(MultiDenseLayer, self).__init__()
        layers = []
        for c0, c1 in zip([aux_unit] + linear_units[:-1], linear_units):
            layers.append(nn.Linear(c0, c1))
            layers.append(nn.Dropout(dropout_rate))
            layers.append(activation)
        self.linear_layer = nn.Sequential(*layers)

    def forward(self, inputs):
        return self.linear_layer(inputs)


class Generator(nn.Module):
    """Generator network."""

    def __init__(self, conv_dims, z_dim, vertexes, edges, nodes, dropout_rate):
        super(Generator, self).__init__()
        self.activation_f = torch.nn.Tanh()
        self.multi_dense_layer = MultiDenseLayer(z_dim, conv_dims, self.activation_f)
        self.vertexes = vertexes
        self.edges = edges
        self.nodes = nodes
        self.edges_layer = nn.Linear(conv_dims[-1], edges * vertexes * vertexes)
        self.nodes_layer = nn.Linear(conv_dims[-1], vertexes * nodes)
        self.dropoout = nn.Dropout(p=dropout_rate)

    def forward(self, x):
        output = self.multi_dense_layer(x)
        edges_logits = self.edges_layer(output).view(-1, self.edges, self.vertexes, self.vertexes)
        edges_logits = (edges_logits + edges_logits.permute(0, 1, 3, 2)) / 2
        edges_logits = self.dropoout(edges_logits.permute(0, 2, 3, 1))
        nodes_logits = self.nodes_layer(output)
        nodes_logits = self.dropoout(nodes_logits.view(-1, self.vertexes, self.nodes))
        return edges_logits, nodes_logits


class Discriminator(nn.Module):
    """Stand-in for the GCN discriminator / value network: same call signature."""

    def __init__(self, vertexes, edges, nodes, linear_dim):
        super(Discriminator, self).__init__()
        self.multi_dense_layer = MultiDenseLayer(vertexes * vertexes * (edges - 1) + vertexes * nodes,
                                                 linear_dim, torch.nn.Tanh())
        self.output_layer = nn.Linear(linear_dim[-1], 1)

    def forward(self, adj, hidden, node, activation=None):
        adj = adj[:, :, :, 1:].permute(0, 3, 1, 2)
        h = torch.cat([adj.flatten(1), node.flatten(1)], dim=1)
        h = self.multi_dense_layer(h)
        output = self.output_layer(h)
        output = activation(output) if activation is not None else output
        return output, h


class Solver(object):
    def __init__(self):
        self.b_dim, self.m_dim, self.vertexes = 5, 5, 9
        self.z_dim, self.batch_size, self.la, self.n_critic = 8, 4, 0.5, 1
        self.G = Generator([32, 64], self.z_dim, self.vertexes, self.b_dim, self.m_dim, 0.)
        self.D = Discriminator(self.vertexes, self.b_dim, self.m_dim, [32, 16])
        self.V = Discriminator(self.vertexes, self.b_dim, self.m_dim, [32, 16])
        self.g_optimizer = torch.optim.Adam(self.G.parameters(), 1e-3)
        self.d_optimizer = torch.optim.Adam(self.D.parameters(), 1e-3)
        self.v_optimizer = torch.optim.Adam(self.V.parameters(), 1e-3)

    def reset_grad(self):
        self.g_optimizer.zero_grad()
        self.d_optimizer.zero_grad()
        self.v_optimizer.zero_grad()

    def postprocess(self, inputs, method='softmax', temperature=1.):
        return [F.softmax(e_logits / temperature, -1) for e_logits in inputs]

    def get_reward(self, n_hat, e_hat, method):
        return torch.rand(n_hat.size(0), 1)  # RDKit scores of the decoded molecules

    def train_step(self, a_tensor, x_tensor, z, cur_step=0, cur_la=0.5):
        # =================================================================================== #
        #                               3. Train the generator                                #
        # =================================================================================== #
        edges_logits, nodes_logits = self.G(z)
        (edges_hat, nodes_hat) = self.postprocess((edges_logits, nodes_logits), 'softmax')
        logits_fake, features_fake = self.D(edges_hat, None, nodes_hat)

        # Value losses
        value_logit_real, _ = self.V(a_tensor, None, x_tensor, torch.sigmoid)
        value_logit_fake, _ = self.V(edges_hat, None, nodes_hat, torch.sigmoid)

        reward_r = torch.rand(a_tensor.size(0), 1)
        reward_f = self.get_reward(nodes_hat, edges_hat, 'softmax')

        loss_G = -logits_fake
        loss_V = torch.abs(value_logit_real - reward_r) + torch.abs(value_logit_fake - reward_f)
        loss_RL = -value_logit_fake

        loss_G = torch.mean(loss_G)
        loss_V = torch.mean(loss_V)
        loss_RL = torch.mean(loss_RL)

        alpha = torch.abs(loss_G.detach() / loss_RL.detach()).detach()
        train_step_G = cur_la * loss_G + (1 - cur_la) * alpha * loss_RL
        train_step_V = loss_V

        self.reset_grad()

        # Optimise generator.
        if cur_step % self.n_critic == 0:
            train_step_G.backward(retain_graph=True)
            self.g_optimizer.step()  # error: IPL003

        # Optimise value network.
        if cur_step % self.n_critic == 0:
            train_step_V.backward()
            self.v_optimizer.step()


solver = Solver()
a = torch.randint(0, solver.b_dim, (solver.batch_size, solver.vertexes, solver.vertexes))
x = torch.randint(0, solver.m_dim, (solver.batch_size, solver.vertexes))
a_tensor = F.one_hot(a, solver.b_dim).float()
x_tensor = F.one_hot(x, solver.m_dim).float()
z = torch.randn(solver.batch_size, solver.z_dim)
solver.train_step(a_tensor, x_tensor, z)
