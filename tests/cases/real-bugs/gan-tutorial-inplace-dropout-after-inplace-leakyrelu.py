# case: gan-tutorial-inplace-dropout-after-inplace-leakyrelu
# source: https://github.com/dreamgonfly/GAN-tutorial/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# GAN.ipynb of dreamgonfly/GAN-tutorial builds the MNIST Discriminator as an
# nn.Sequential of Linear -> LeakyReLU(0.2, inplace=True) -> Dropout(inplace=True) blocks.
# The in-place LeakyReLU saves its own output for backward; the in-place Dropout that
# follows multiplies that very tensor by its mask, so `D_loss.backward()` fails ("output 0
# of LeakyRelu ... is at version 2"). The reply in the thread: drop inplace=True from the
# LeakyReLU and Dropout layers. Trimmed: 28x28 MNIST replaced by random 8x8 images, one
# discriminator step; the Generator is kept (it only uses LeakyReLU in place, which is fine).
import torch
import torch.nn as nn
from torch.optim import Adam


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            nn.Linear(in_features=16, out_features=32),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(in_features=32, out_features=8 * 8),
            nn.Tanh())

    def forward(self, inputs):
        return self.main(inputs).view(-1, 1, 8, 8)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            nn.Linear(in_features=8 * 8, out_features=32),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout(inplace=True),  # error: IPL003
            nn.Linear(in_features=32, out_features=16),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Dropout(inplace=True),  # error: IPL003
            nn.Linear(in_features=16, out_features=1),
            nn.Sigmoid())

    def forward(self, inputs):
        inputs = inputs.view(-1, 8 * 8)
        return self.main(inputs)


torch.manual_seed(0)
G = Generator()
D = Discriminator()
criterion = nn.BCELoss()
G_optimizer = Adam(G.parameters(), lr=0.0002, betas=(0.5, 0.999))
D_optimizer = Adam(D.parameters(), lr=0.0002, betas=(0.5, 0.999))

batch_size = 6
real_data = torch.rand(batch_size, 1, 8, 8) * 2 - 1
target_real = torch.ones(batch_size, 1)
target_fake = torch.zeros(batch_size, 1)

D_result_from_real = D(real_data)
D_loss_real = criterion(D_result_from_real, target_real)
z = torch.randn((batch_size, 16))
fake_data = G(z)
D_result_from_fake = D(fake_data)
D_loss_fake = criterion(D_result_from_fake, target_fake)
D_loss = D_loss_real + D_loss_fake
D.zero_grad()
D_loss.backward()
D_optimizer.step()
