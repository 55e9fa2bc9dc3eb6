# case: bg-resample-both-backwards-before-steps-fixed
# source: https://github.com/JerryYLi/bg-resample-ood/issues/1
# expect: clean
# torch: clean
# check: weight_params.grad is not None and bool(torch.isfinite(weight_params).all()) and bool(torch.isfinite(model.fc.weight).all())

# Background resampling for OOD detection (utils/trainer.py, train_epoch_resample) with the fix the
# reporter gives in the thread: both losses are backpropagated first (loss.backward(retain_graph=True),
# then loss_w.backward()), and only then do optimizer.step() and optimizer_w.step() update the
# classifier and the resampling weights in place. loss_w's backward therefore reads the classifier
# weights the forward saved. Same reduction as the bug beside it.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class WideResNet(nn.Module):
    def __init__(self, n_class):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, n_class)

    def forward(self, x):
        x = F.relu(self.conv(x)).mean((2, 3))
        return self.fc(x)


n_class, n_out = 10, 6


def weighted_entropy_loss(logits, weights=None, coef=0.5):
    log_scores = F.log_softmax(logits, 1)
    if weights is None:
        loss = torch.mean(-log_scores) - math.log(n_class)
    else:
        kld = -log_scores.mean(1) - math.log(n_class)
        loss = torch.mean(weights * kld)
    return coef * loss


def train_epoch_resample(epoch, loader1, loader2, weight_params, model, loss2, optimizer, optimizer_w):
    model.eval()
    for i, (inputs, targets) in enumerate(loader1):
        N = inputs.size(0)
        indices, inputs2, _ = next(loader2)
        inputs = torch.cat((inputs, inputs2), 0)

        # resampling weights
        w = F.softplus(weight_params)
        scale = (w ** .5).mean() / (w.mean() ** .5)
        weights = scale * (w[indices] / w.mean()) ** .5

        # forward
        outputs = model(inputs)
        loss = F.cross_entropy(outputs[:N], targets)
        loss_ood = loss2(outputs[N:], weights)
        loss += loss_ood
        loss_w = -loss_ood

        # backward
        optimizer.zero_grad()
        optimizer_w.zero_grad()
        loss.backward(retain_graph=True)
        loss_w.backward()
        optimizer.step()
        optimizer_w.step()


torch.manual_seed(0)
model = WideResNet(n_class)
weight_params = nn.Parameter(torch.zeros(n_out))
optimizer = optim.SGD(model.parameters(), 0.1, momentum=0.9, weight_decay=5e-4)
optimizer_w = optim.SGD([weight_params], 100, momentum=0.9)
train_in_loader = [(torch.randn(4, 3, 6, 6), torch.randint(0, n_class, (4,))) for _ in range(2)]
train_out_loader = iter([(torch.randint(0, n_out, (4,)), torch.randn(4, 3, 6, 6), None) for _ in range(2)])
train_epoch_resample(1, train_in_loader, train_out_loader, weight_params, model, weighted_entropy_loss,
                     optimizer, optimizer_w)
