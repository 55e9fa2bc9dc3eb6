# case: genb-generator-step-before-discriminator-backward
# source: https://github.com/chojw/genb/issues/6
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# train.py of GenB (VQA debiasing with a generative bias model and a discriminator): the generator loss is
# backpropagated with retain_graph=True and optim_G.step() updates GenB's weights in place; the discriminator loss is
# then built from the same `vae_preds = discriminator(pred_g)`, whose graph runs back through GenB's layers, which
# saved the weights just updated. The reporter hits the error "at the second gradient backward (train the
# discriminator)" with torch >= 1.7 and fixes it by stepping only after the discriminator loss was backpropagated.
# Kept: train() (one iteration of its loop), calc_genb_loss, GenB with its noise generator (nn.Sequential of
# Linear/BatchNorm1d/LeakyReLU(inplace) blocks), the Discriminator and kaiming_init. Reduced: the word embedding,
# GRU question encoder, attention and classifier are small stand-ins of the repository's modules; CPU, tiny sizes,
# torch.randn instead of numpy noise; the data loader is one random batch.
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init


def kaiming_init(m):
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        init.kaiming_normal_(m.weight)
        if m.bias is not None:
            m.bias.data.fill_(0)
    elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        m.weight.data.fill_(1)
        if m.bias is not None:
            m.bias.data.fill_(0)


class NewAttention(nn.Module):
    def __init__(self, v_dim, q_dim, num_hid):
        super(NewAttention, self).__init__()
        self.v_proj = nn.Sequential(nn.Linear(v_dim, num_hid), nn.ReLU())
        self.q_proj = nn.Sequential(nn.Linear(q_dim, num_hid), nn.ReLU())
        self.linear = nn.Linear(num_hid, 1)

    def forward(self, v, q):
        v_proj = self.v_proj(v)
        q_proj = self.q_proj(q).unsqueeze(1)
        return self.linear(v_proj * q_proj)


class SimpleClassifier(nn.Module):
    def __init__(self, in_dim, hid_dim, out_dim, dropout):
        super(SimpleClassifier, self).__init__()
        self.main = nn.Sequential(nn.Linear(in_dim, hid_dim), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hid_dim, out_dim))

    def forward(self, x):
        return self.main(x)


class BaseModel(nn.Module):
    def __init__(self, ntoken, v_dim, num_hid, num_ans):
        super(BaseModel, self).__init__()
        self.w_emb = nn.Embedding(ntoken, 16)
        self.q_emb = nn.GRU(16, num_hid, batch_first=True)
        self.v_att = NewAttention(v_dim, num_hid, num_hid)
        self.q_net = nn.Sequential(nn.Linear(num_hid, num_hid), nn.ReLU())
        self.v_net = nn.Sequential(nn.Linear(v_dim, num_hid), nn.ReLU())
        self.classifier = SimpleClassifier(num_hid, num_hid * 2, num_ans, 0.5)

    def forward(self, v, q):
        w_emb = self.w_emb(q)
        _, q_emb = self.q_emb(w_emb)
        q_emb = q_emb[0]

        att = self.v_att(v, q_emb)
        att = nn.functional.softmax(att, 1)
        v_emb = (att * v).sum(1)

        q_repr = self.q_net(q_emb)
        v_repr = self.v_net(v_emb)
        joint_repr = v_repr * q_repr
        logits = self.classifier(joint_repr)
        return logits


class GenB(nn.Module):
    def __init__(self, ntoken, v_dim, num_hid, num_ans):
        super(GenB, self).__init__()
        self.num_hid = num_hid
        self.w_emb = nn.Embedding(ntoken, 16)
        self.q_emb = nn.GRU(16, num_hid, batch_first=True)
        self.v_att = NewAttention(v_dim, num_hid, num_hid)
        self.q_net = nn.Sequential(nn.Linear(num_hid, num_hid), nn.ReLU())
        self.v_net = nn.Sequential(nn.Linear(v_dim, num_hid), nn.ReLU())
        self.classifier = SimpleClassifier(num_hid, num_hid * 2, num_ans, 0.5)

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers
        self.generate = nn.Sequential(
            *block(num_hid // 8, num_hid // 4),
            *block(num_hid // 4, num_hid // 2),
            *block(num_hid // 2, num_hid),
            nn.Linear(num_hid, v_dim),
            nn.ReLU(inplace=True)
        )
        self.weight_init()

    def weight_init(self):
        for block in self._modules:
            try:
                for m in self._modules[block]:
                    kaiming_init(m)
            except TypeError:
                kaiming_init(self._modules[block])

    def forward(self, v, q, gen=True):
        w_emb = self.w_emb(q)
        _, q_emb = self.q_emb(w_emb)
        q_emb = q_emb[0]

        b, c, f = v.shape

        # generate from noise
        if gen == True:
            v_z = torch.randn(b, c, self.num_hid // 8)
            v = self.generate(v_z.view(-1, self.num_hid // 8)).view(b, c, f)

        att = self.v_att(v, q_emb)
        att = nn.functional.softmax(att, 1)
        v_emb = (att * v).sum(1)

        q_repr = self.q_net(q_emb)
        v_repr = self.v_net(v_emb)
        joint_repr = v_repr * q_repr
        logits = self.classifier(joint_repr)
        return logits


class Discriminator(nn.Module):
    def __init__(self, num_hid, num_ans):
        super(Discriminator, self).__init__()
        self.net = nn.Sequential(
            nn.Linear(num_ans, num_hid),
            nn.ReLU(True),
            nn.Linear(num_hid, num_hid // 2),
            nn.ReLU(True),
            nn.Linear(num_hid // 2, num_hid // 4),
            nn.ReLU(True),
            nn.Linear(num_hid // 4, 1),
            nn.Sigmoid(),
        )
        self.weight_init()

    def weight_init(self):
        for block in self._modules:
            for m in self._modules[block]:
                kaiming_init(m)

    def forward(self, z):
        return self.net(z)


def calc_genb_loss(logits, bias, labels):
    gen_grad = torch.clamp(2 * labels * torch.sigmoid(-2 * labels * bias.detach()), 0, 1)
    loss = F.binary_cross_entropy_with_logits(logits, gen_grad)
    loss *= labels.size(1)
    return loss


def train(model, genb, discriminator, train_loader):
    optim = torch.optim.Adamax(filter(lambda p: p.requires_grad, model.parameters()), lr=0.001)
    optim_G = torch.optim.Adamax(filter(lambda p: p.requires_grad, genb.parameters()), lr=0.001)
    optim_D = torch.optim.Adamax(filter(lambda p: p.requires_grad, discriminator.parameters()), lr=0.001)

    genb.train(True)
    discriminator.train(True)

    kld = nn.KLDivLoss(reduction='batchmean')
    bce = nn.BCELoss()

    for i, (v, q, a, qid) in enumerate(train_loader):
        v = v.requires_grad_()
        valid = torch.ones(v.size(0), 1)
        fake = torch.zeros(v.size(0), 1)

        # get model output
        optim.zero_grad()
        pred = model(v, q)

        # train genb
        optim_G.zero_grad()
        optim_D.zero_grad()

        pred_g = genb(v, q, gen=True)
        g_loss = F.binary_cross_entropy_with_logits(pred_g, a, reduction='none').mean()
        g_loss *= a.size(1)

        vae_preds = discriminator(pred_g)
        main_preds = discriminator(pred)

        g_distill = kld(pred_g, pred.detach())
        dsc_loss = bce(vae_preds, valid) + bce(main_preds, valid)

        g_loss += dsc_loss + g_distill * 5
        g_loss.backward(retain_graph=True)
        nn.utils.clip_grad_norm_(genb.parameters(), 0.25)
        optim_G.step()  # error: IPL003
        # done training genb

        # train the discriminator
        dsc_loss = bce(vae_preds, fake) + bce(main_preds, valid)
        dsc_loss.backward(retain_graph=True)
        optim_D.step()
        # done training the discriminator

        # use genb to train the robust model
        genb.train(False)
        pred_g = genb(v, q, gen=False)

        genb_loss = calc_genb_loss(pred, pred_g, a)
        genb_loss.backward()

        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optim.step()

        genb.train(True)


torch.manual_seed(0)
ntoken, v_dim, num_hid, num_ans = 20, 16, 32, 10
model = BaseModel(ntoken, v_dim, num_hid, num_ans)
genb = GenB(ntoken, v_dim, num_hid, num_ans)
discriminator = Discriminator(num_hid, num_ans)
v = torch.randn(4, 3, v_dim)
q = torch.randint(0, ntoken, (4, 5))
a = (torch.rand(4, num_ans) < 0.2).float()
train_loader = [(v, q, a, torch.arange(4))]
train(model, genb, discriminator, train_loader)
