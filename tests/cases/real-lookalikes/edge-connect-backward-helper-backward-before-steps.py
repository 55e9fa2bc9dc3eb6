# case: edge-connect-backward-helper-backward-before-steps
# source: https://github.com/knazeri/edge-connect/issues/188
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in edge_model.generator.parameters())

# EdgeModel.backward as the thread's answer rewrites it: both losses are backpropagated first, then both optimizers
# step, so no step writes weights that a pending backward still needs.
import torch
import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, in_channels):
        super(Discriminator, self).__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.2))
        self.conv2 = nn.Conv2d(4, 1, 3, padding=1)

    def forward(self, x):
        conv1 = self.conv1(x)
        conv2 = self.conv2(conv1)
        outputs = torch.sigmoid(conv2)
        return outputs, [conv1, conv2]


class EdgeModel(nn.Module):
    def __init__(self):
        super(EdgeModel, self).__init__()
        self.generator = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 3, padding=1))
        self.discriminator = Discriminator(in_channels=2)
        self.adversarial_loss = nn.BCELoss()
        self.gen_optimizer = torch.optim.Adam(self.generator.parameters(), lr=0.0001)
        self.dis_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=0.00001)

    def process(self, images, edges, masks):
        self.gen_optimizer.zero_grad()
        self.dis_optimizer.zero_grad()

        # process outputs
        outputs = self(images, edges, masks)
        gen_loss = 0
        dis_loss = 0

        # discriminator loss
        dis_input_real = torch.cat((images, edges), dim=1)
        dis_input_fake = torch.cat((images, outputs.detach()), dim=1)
        dis_real, dis_real_feat = self.discriminator(dis_input_real)
        dis_fake, dis_fake_feat = self.discriminator(dis_input_fake)
        dis_real_loss = self.adversarial_loss(dis_real, torch.ones_like(dis_real))
        dis_fake_loss = self.adversarial_loss(dis_fake, torch.zeros_like(dis_fake))
        dis_loss += (dis_real_loss + dis_fake_loss) / 2

        # generator adversarial loss
        gen_input_fake = torch.cat((images, outputs), dim=1)
        gen_fake, gen_fake_feat = self.discriminator(gen_input_fake)
        gen_gan_loss = self.adversarial_loss(gen_fake, torch.ones_like(gen_fake))
        gen_loss += gen_gan_loss

        # generator feature matching loss
        gen_fm_loss = 0
        for i in range(len(dis_real_feat)):
            gen_fm_loss += nn.functional.l1_loss(gen_fake_feat[i], dis_real_feat[i].detach())
        gen_loss += gen_fm_loss * 10

        return outputs, gen_loss, dis_loss

    def forward(self, images, edges, masks):
        edges_masked = (edges * (1 - masks))
        images_masked = (images * (1 - masks)) + masks
        inputs = torch.cat((images_masked, edges_masked, masks), dim=1)
        outputs = torch.sigmoid(self.generator(inputs))
        return outputs

    def backward(self, gen_loss=None, dis_loss=None):
        if dis_loss is not None:
            dis_loss.backward()
        if gen_loss is not None:
            gen_loss.backward()

        self.dis_optimizer.step()
        self.gen_optimizer.step()


torch.manual_seed(0)
edge_model = EdgeModel()
images = torch.rand(2, 1, 8, 8)
edges = (torch.rand(2, 1, 8, 8) > 0.5).float()
masks = (torch.rand(2, 1, 8, 8) > 0.7).float()
outputs, gen_loss, dis_loss = edge_model.process(images, edges, masks)
edge_model.backward(gen_loss, dis_loss)
