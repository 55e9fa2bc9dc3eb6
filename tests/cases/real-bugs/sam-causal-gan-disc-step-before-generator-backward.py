# case: sam-causal-gan-disc-step-before-generator-backward
# source: https://github.com/FenTechSolutions/CausalDiscoveryToolbox/issues/66
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# run_SAM of the Causal Discovery Toolbox (cdt/causality/graph/SAM.py), the adversarial causal-graph
# learner. In one batch it runs the discriminator three times (on generated_variables.detach(), on
# generated_variables, on the batch), backpropagates disc_loss and calls d_optimizer.step(), and only
# then calls loss.backward(retain_graph=True) on gen_loss + regul_loss. gen_loss goes through
# discriminator(generated_variables, batch), whose Linear layers saved their weights; the optimizer
# step has rewritten them in place (the thread's "[200, 1] output 0 of TBackward" is the last Linear's
# weight). Reduced: Linear3D / MatrixSampler cut to plain tensors, tiny sizes, losstype "fgan";
# the harmful write is `d_optimizer.step()`.
import torch as th


class MatrixSampler(th.nn.Module):
    def __init__(self, graph_size):
        super().__init__()
        self.weights = th.nn.Parameter(th.zeros(graph_size, graph_size))
        self.register_buffer('mask', 1 - th.eye(graph_size))

    def forward(self):
        return th.sigmoid(self.weights) * self.mask

    def get_proba(self):
        return th.sigmoid(self.weights) * self.mask


class SAM_generators(th.nn.Module):
    def __init__(self, data_shape, nh):
        super().__init__()
        nb_vars = data_shape[1]
        self.nb_vars = nb_vars
        self.register_buffer('skeleton', 1 - th.eye(nb_vars + 1, nb_vars))
        self.input_layer = th.nn.Parameter(th.randn(nb_vars, nb_vars + 1, nh) * 0.1)
        self.layers = th.nn.Sequential(th.nn.Tanh())
        self.output_layer = th.nn.Parameter(th.randn(nb_vars, nh, 1) * 0.1)

    def forward(self, data, noise, adj_matrix):
        inp = th.cat([data, noise[:, :1]], 1)
        w = self.input_layer * (adj_matrix * self.skeleton).t().unsqueeze(2)
        h = self.layers(th.einsum('bi,vih->bvh', inp, w))
        output = th.einsum('bvh,vho->bvo', h, self.output_layer)
        return output.squeeze(2)


class SAM_discriminator(th.nn.Module):
    def __init__(self, nfeatures, dnh, hlayers=2):
        super().__init__()
        layers = []
        layers.append(th.nn.Linear(nfeatures, dnh))
        layers.append(th.nn.BatchNorm1d(dnh))
        layers.append(th.nn.LeakyReLU(.2))
        for i in range(hlayers - 1):
            layers.append(th.nn.Linear(dnh, dnh))
            layers.append(th.nn.BatchNorm1d(dnh))
            layers.append(th.nn.LeakyReLU(.2))
        layers.append(th.nn.Linear(dnh, 1))
        self.layers = th.nn.Sequential(*layers)
        self.register_buffer("mask", th.eye(nfeatures, nfeatures).unsqueeze(0))

    def forward(self, input, obs_data=None):
        if obs_data is not None:
            return [self.layers(i) for i in th.unbind(obs_data.unsqueeze(1) * (1 - self.mask)
                                                      + input.unsqueeze(1) * self.mask, 1)]
        else:
            return self.layers(input)


def run_SAM(data, train=2, lr_gen=.001, lr_disc=.01, lambda1=0.001, nh=5, dnh=6):
    batch_size, cols = data.size()
    nb_var = cols
    sam = SAM_generators((batch_size, cols), nh)
    g_optimizer = th.optim.Adam(list(sam.parameters()), lr=lr_gen)
    discriminator = SAM_discriminator(cols, dnh)
    d_optimizer = th.optim.Adam(discriminator.parameters(), lr=lr_disc)
    graph_sampler = MatrixSampler(nb_var)
    graph_optimizer = th.optim.Adam(graph_sampler.parameters(), lr=lr_gen)
    noise = th.randn(batch_size, nb_var)
    noise_row = th.ones(1, nb_var)

    for epoch in range(train):
        batch = data
        g_optimizer.zero_grad()
        graph_optimizer.zero_grad()
        d_optimizer.zero_grad()

        drawn_graph = graph_sampler()
        noise.normal_()
        generated_variables = sam(batch, noise, th.cat([drawn_graph, noise_row], 0))

        disc_vars_d = discriminator(generated_variables.detach(), batch)
        disc_vars_g = discriminator(generated_variables, batch)
        true_vars_disc = discriminator(batch)
        disc_loss = sum([th.mean(th.exp(gen - 1)) for gen in disc_vars_d]) / nb_var - th.mean(true_vars_disc)
        gen_loss = -sum([th.mean(th.exp(gen - 1)) for gen in disc_vars_g])

        disc_loss.backward()
        d_optimizer.step()  # error: IPL003

        struc_loss = lambda1 * drawn_graph.sum()
        loss = gen_loss + struc_loss
        loss.backward(retain_graph=True)
        g_optimizer.step()
        graph_optimizer.step()
    return graph_sampler.get_proba().detach()


th.manual_seed(0)
data = th.randn(8, 3)
output = run_SAM(data)
