# case: advgan-multi-g-steps
# source: https://github.com/GiorgosKarantonis/Adversarial-Attacks-with-Relativistic-AdvGAN/issues/8
# expect: markers
# torch: raises "modified by an inplace operation"

# AdvGAN_Attack.train_batch from src/advGAN.py (models from src/models.py), reduced: tiny Generator (3 Conv2d
# encoder, 3 ConvTranspose2d decoder ending in ConvTranspose2d(8, 3, kernel_size=6), no ResnetBlock bottleneck),
# tiny Discriminator, small target classifier, 2 images of 3x28x28, non-relativistic losses. The issue sets
# n_steps_G = 2 and adds retain_graph=True: `perturbation` / `adv_images` are built once (in the D loop) and
# reused in every G step, so the second loss_G.backward() walks the same graph after self.optimizer_G.step() has
# updated G's weights in place; the decoder's last ConvTranspose2d weight ([8, 3, 6, 6] in the issue) was saved
# for backward -> version error. The harmful write is the optimizer step (an in-place update of saved
# parameters); code is my best guess (IPL003).
import torch
import torch.nn as nn
import torch.nn.functional as F


class Discriminator(nn.Module):
    def __init__(self, image_nc):
        super(Discriminator, self).__init__()
        model = [
            nn.Conv2d(image_nc, 8, kernel_size=4, stride=2, padding=0, bias=True),
            nn.LeakyReLU(0.2),
            nn.Conv2d(8, 1, 1),
        ]
        self.model = nn.Sequential(*model)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        logits = self.model(x)
        output = self.sigmoid(logits).squeeze()
        return logits, output


class Generator(nn.Module):
    def __init__(self, gen_input_nc, image_nc):
        super(Generator, self).__init__()
        encoder_lis = [
            nn.Conv2d(gen_input_nc, 8, kernel_size=3, stride=1, padding=0, bias=True),
            nn.InstanceNorm2d(8),
            nn.ReLU(),
            nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=0, bias=True),
            nn.InstanceNorm2d(16),
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=0, bias=True),
            nn.InstanceNorm2d(32),
            nn.ReLU(),
        ]
        decoder_lis = [
            nn.ConvTranspose2d(32, 16, kernel_size=3, stride=2, padding=0, bias=False),
            nn.InstanceNorm2d(16),
            nn.ReLU(),
            nn.ConvTranspose2d(16, 8, kernel_size=3, stride=2, padding=0, bias=False),
            nn.InstanceNorm2d(8),
            nn.ReLU(),
            nn.ConvTranspose2d(8, image_nc, kernel_size=6, stride=1, padding=0, bias=False),
            nn.Tanh(),
        ]
        self.encoder = nn.Sequential(*encoder_lis)
        self.decoder = nn.Sequential(*decoder_lis)

    def forward(self, x):
        x = self.encoder(x)
        x = self.decoder(x)
        return x


class AdvGAN_Attack:
    def __init__(self, model, n_labels, n_channels, lr, l_inf_bound, alpha, beta, gamma, kappa, c,
                 n_steps_D, n_steps_G):
        self.n_labels = n_labels
        self.model = model
        self.l_inf_bound = l_inf_bound
        self.alpha, self.beta, self.gamma, self.kappa, self.c = alpha, beta, gamma, kappa, c
        self.n_steps_D = n_steps_D
        self.n_steps_G = n_steps_G
        self.G = Generator(n_channels, n_channels)
        self.D = Discriminator(n_channels)
        self.optimizer_G = torch.optim.Adam(self.G.parameters(), lr=lr)
        self.optimizer_D = torch.optim.Adam(self.D.parameters(), lr=lr)

    def train_batch(self, x, labels):
        # optimize D
        for i in range(self.n_steps_D):
            perturbation = self.G(x)
            adv_images = torch.clamp(perturbation, -self.l_inf_bound, self.l_inf_bound) + x
            adv_images = torch.clamp(adv_images, 0, 1)

            self.D.zero_grad()
            logits_real, pred_real = self.D(x)
            logits_fake, pred_fake = self.D(adv_images.detach())
            loss_D_real = F.mse_loss(pred_real, torch.ones_like(pred_real))
            loss_D_fake = F.mse_loss(pred_fake, torch.zeros_like(pred_fake))
            loss_D = loss_D_fake + loss_D_real
            loss_D.backward()
            self.optimizer_D.step()

        # optimize G
        for i in range(self.n_steps_G):
            self.G.zero_grad()

            perturbation_norm = torch.mean(torch.norm(perturbation.view(perturbation.shape[0], -1), 2, dim=1))
            loss_hinge = torch.max(torch.zeros(1), perturbation_norm - self.c)

            logits_model = self.model(adv_images)
            probs_model = F.softmax(logits_model, dim=1)
            onehot_labels = torch.eye(self.n_labels)[labels]
            real_class_prob = torch.sum(onehot_labels * probs_model, dim=1)
            target_class_prob, _ = torch.max((1 - onehot_labels) * probs_model - onehot_labels * 10000, dim=1)
            loss_adv = torch.max(real_class_prob - target_class_prob, self.kappa * torch.ones_like(target_class_prob))
            loss_adv = torch.sum(loss_adv)

            logits_fake, pred_fake = self.D(adv_images)
            loss_G_gan = F.mse_loss(pred_fake, torch.ones_like(pred_fake))

            loss_G = self.gamma * loss_adv + self.alpha * loss_G_gan + self.beta * loss_hinge
            loss_G.backward(retain_graph=True)
            self.optimizer_G.step()  # error: IPL003

        return loss_D.item(), loss_G.item()


torch.manual_seed(0)
target_model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))
for p in target_model.parameters():
    p.requires_grad_(False)
attack = AdvGAN_Attack(target_model, n_labels=10, n_channels=3, lr=1e-3, l_inf_bound=0.3,
                       alpha=1.0, beta=1.0, gamma=1.0, kappa=0.0, c=0.1, n_steps_D=1, n_steps_G=2)
images = torch.rand(2, 3, 28, 28)
labels = torch.tensor([1, 3])
loss_D, loss_G = attack.train_batch(images, labels)
