# case: factorvae-steps-after-both-backwards-fixed
# source: https://github.com/YannDubs/disentangling-vae/issues/62
# expect: clean
# torch: clean
# check: all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in loss_f.discriminator.parameters()) and bool(torch.isfinite(loss))

# The fix that closed the thread (disvae/models/losses.py FactorKLoss.call_optimize after the
# issue: "Update at the end (since pytorch 1.5. complains if update before)"): both
# vae_loss.backward(retain_graph=True) and d_tc_loss.backward() run first, then
# optimizer.step() and self.optimizer_d.step(), so the encoder weights saved by the d_z graph
# are still at their saved version when d_tc_loss is backpropagated. Same reduced VAE as the
# bug file.
import abc
import torch
from torch import nn, optim
from torch.nn import functional as F


class EncoderBurgess(nn.Module):
    def __init__(self, img_size=(1, 8, 8), latent_dim=4, hidden_dim=32):
        super().__init__()
        self.latent_dim = latent_dim
        n = img_size[0] * img_size[1] * img_size[2]
        self.lin1 = nn.Linear(n, hidden_dim)
        self.lin2 = nn.Linear(hidden_dim, hidden_dim)
        # Fully connected layers for mean and variance
        self.mu_logvar_gen = nn.Linear(hidden_dim, self.latent_dim * 2)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = torch.relu(self.lin1(x))
        x = torch.relu(self.lin2(x))
        mu_logvar = self.mu_logvar_gen(x)
        mu, logvar = mu_logvar.view(-1, self.latent_dim, 2).unbind(-1)
        return mu, logvar


class DecoderBurgess(nn.Module):
    def __init__(self, img_size=(1, 8, 8), latent_dim=4, hidden_dim=32):
        super().__init__()
        self.img_size = img_size
        n = img_size[0] * img_size[1] * img_size[2]
        self.lin1 = nn.Linear(latent_dim, hidden_dim)
        self.lin2 = nn.Linear(hidden_dim, n)

    def forward(self, z):
        x = torch.relu(self.lin1(z))
        return torch.sigmoid(self.lin2(x)).view(z.size(0), *self.img_size)


class VAE(nn.Module):
    def __init__(self, img_size=(1, 8, 8), latent_dim=4):
        super().__init__()
        self.encoder = EncoderBurgess(img_size, latent_dim)
        self.decoder = DecoderBurgess(img_size, latent_dim)

    def reparameterize(self, mean, logvar):
        if self.training:
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mean + std * eps
        return mean

    def forward(self, x):
        latent_dist = self.encoder(x)
        latent_sample = self.reparameterize(*latent_dist)
        reconstruct = self.decoder(latent_sample)
        return reconstruct, latent_dist, latent_sample

    def sample_latent(self, x):
        latent_dist = self.encoder(x)
        return self.reparameterize(*latent_dist)


class Discriminator(nn.Module):
    def __init__(self, neg_slope=0.2, latent_dim=4, hidden_units=32):
        super().__init__()
        self.neg_slope = neg_slope
        self.lin1 = nn.Linear(latent_dim, hidden_units)
        self.lin2 = nn.Linear(hidden_units, hidden_units)
        self.lin3 = nn.Linear(hidden_units, 2)

    def forward(self, z):
        z = F.leaky_relu(self.lin1(z), self.neg_slope)
        z = F.leaky_relu(self.lin2(z), self.neg_slope)
        return self.lin3(z)


def _reconstruction_loss(data, recon_data, distribution="bernoulli", storer=None):
    batch_size = recon_data.size(0)
    loss = F.binary_cross_entropy(recon_data, data, reduction="sum")
    return loss / batch_size


def _kl_normal_loss(mean, logvar, storer=None):
    latent_kl = 0.5 * (-1 - logvar + mean.pow(2) + logvar.exp()).mean(dim=0)
    return latent_kl.sum()


def _permute_dims(latent_sample):
    perm = torch.zeros_like(latent_sample)
    batch_size, dim_z = perm.size()
    for z in range(dim_z):
        pi = torch.randperm(batch_size).to(latent_sample.device)
        perm[:, z] = latent_sample[pi, z]
    return perm


def linear_annealing(init, fin, step, annealing_steps):
    if annealing_steps == 0:
        return fin
    delta = fin - init
    return min(init + delta * step / annealing_steps, fin)


class BaseLoss(abc.ABC):
    def __init__(self, record_loss_every=50, rec_dist="bernoulli", steps_anneal=0):
        self.n_train_steps = 0
        self.record_loss_every = record_loss_every
        self.rec_dist = rec_dist
        self.steps_anneal = steps_anneal

    def _pre_call(self, is_train, storer):
        if is_train:
            self.n_train_steps += 1
        return storer


class FactorKLoss(BaseLoss):
    def __init__(self, device, gamma=10., disc_kwargs={},
                 optim_kwargs=dict(lr=5e-5, betas=(0.5, 0.9)), **kwargs):
        super().__init__(**kwargs)
        self.gamma = gamma
        self.device = device
        self.discriminator = Discriminator(**disc_kwargs).to(self.device)
        self.optimizer_d = optim.Adam(self.discriminator.parameters(), **optim_kwargs)

    def __call__(self, *args, **kwargs):
        raise ValueError("Use `call_optimize` to also train the discriminator")

    def call_optimize(self, data, model, optimizer, storer):
        storer = self._pre_call(model.training, storer)

        batch_size = data.size(dim=0)
        half_batch_size = batch_size // 2
        data = data.split(half_batch_size)
        data1 = data[0]
        data2 = data[1]

        # Factor VAE Loss
        recon_batch, latent_dist, latent_sample1 = model(data1)
        rec_loss = _reconstruction_loss(data1, recon_batch, storer=storer,
                                        distribution=self.rec_dist)
        kl_loss = _kl_normal_loss(*latent_dist, storer)
        d_z = self.discriminator(latent_sample1)
        tc_loss = (d_z[:, 0] - d_z[:, 1]).mean()
        anneal_reg = (linear_annealing(0, 1, self.n_train_steps, self.steps_anneal)
                      if model.training else 1)
        vae_loss = rec_loss + kl_loss + anneal_reg * self.gamma * tc_loss

        if not model.training:
            return vae_loss

        # Compute VAE gradients
        optimizer.zero_grad()
        vae_loss.backward(retain_graph=True)

        # Discriminator Loss
        latent_sample2 = model.sample_latent(data2)
        z_perm = _permute_dims(latent_sample2).detach()
        d_z_perm = self.discriminator(z_perm)
        ones = torch.ones(half_batch_size, dtype=torch.long, device=self.device)
        zeros = torch.zeros_like(ones)
        d_tc_loss = 0.5 * (F.cross_entropy(d_z, zeros) + F.cross_entropy(d_z_perm, ones))

        # Compute discriminator gradients
        self.optimizer_d.zero_grad()
        d_tc_loss.backward()

        # Update at the end (since pytorch 1.5. complains if update before)
        optimizer.step()
        self.optimizer_d.step()
        return vae_loss


torch.manual_seed(0)
device = torch.device("cpu")
model = VAE()
model.train()
optimizer = optim.Adam(model.parameters(), lr=5e-4)
loss_f = FactorKLoss(device, disc_kwargs=dict(latent_dim=4))
data = torch.rand(16, 1, 8, 8)
loss = loss_f.call_optimize(data, model, optimizer, storer=None)
