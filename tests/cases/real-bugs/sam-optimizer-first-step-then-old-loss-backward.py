# case: sam-optimizer-first-step-then-old-loss-backward
# source: https://github.com/kozistr/pytorch_optimizer/issues/64
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Active-learning training loop (models / optimizers kept in dicts, backbone returns
# (scores, _, features)) switched to pytorch_optimizer's SAM. SAM.first_step climbs to w + e(w) with
# `p.add_(e_w)` under no_grad. The user's second pass calls criterion(models['backbone'](inputs)[0],
# labels) without assigning the result, so the following `loss.backward(retain_graph=True)` runs
# again through the FIRST forward, whose fc weight (the thread's [512, 100] AsStridedBackward0) was
# saved for backward and has just been moved by first_step. SAM is kept as the library has it (cut to
# SGD); sizes reduced. The harmful write is the call `optimizers['backbone'].first_step(...)`.
import torch
import torch.nn as nn
from torch.optim.optimizer import Optimizer


class SAM(Optimizer):
    def __init__(self, params, base_optimizer, rho=0.05, adaptive=False, **kwargs):
        defaults = dict(rho=rho, adaptive=adaptive, **kwargs)
        super().__init__(params, defaults)
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
        self.param_groups = self.base_optimizer.param_groups

    @torch.no_grad()
    def first_step(self, zero_grad=False):
        grad_norm = self.grad_norm()
        for group in self.param_groups:
            scale = group['rho'] / (grad_norm + 1e-12)
            for p in group['params']:
                if p.grad is None:
                    continue
                self.state[p]['old_p'] = p.data.clone()
                e_w = (torch.pow(p, 2) if group['adaptive'] else 1.0) * p.grad * scale.to(p)
                p.add_(e_w)  # climb to the local maximum "w + e(w)"
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def second_step(self, zero_grad=False):
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                p.data = self.state[p]['old_p']
        self.base_optimizer.step()
        if zero_grad:
            self.zero_grad()

    def grad_norm(self):
        return torch.norm(torch.stack([p.grad.norm(p=2) for group in self.param_groups
                                       for p in group['params'] if p.grad is not None]), p=2)


class ResNetBackbone(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.linear = nn.Linear(8, num_classes)

    def forward(self, x):
        out = torch.flatten(self.features(x), 1)
        scores = self.linear(out)
        return scores, out, [out]


def train_epoch(models, criterion, optimizers, dataloaders):
    models['backbone'].train()
    for inputs, labels in dataloaders['train']:
        optimizers['backbone'].zero_grad()
        scores, _, features = models['backbone'](inputs)
        target_loss = criterion(scores, labels)
        m_backbone_loss = torch.sum(target_loss) / target_loss.size(0)
        loss = m_backbone_loss
        # -----------------SAM Optimizer -------------------
        loss.backward(retain_graph=True)
        optimizers['backbone'].first_step(zero_grad=True)  # error: IPL003

        criterion(models['backbone'](inputs)[0], labels)
        loss.backward(retain_graph=True)
        optimizers['backbone'].second_step(zero_grad=True)
    return loss


torch.manual_seed(0)
models = {'backbone': ResNetBackbone()}
criterion = nn.CrossEntropyLoss(reduction='none')
optimizers = {'backbone': SAM(models['backbone'].parameters(), torch.optim.SGD, lr=0.1, momentum=0.9)}
dataloaders = {'train': [(torch.randn(4, 3, 6, 6), torch.tensor([0, 1, 2, 3]))]}
loss = train_epoch(models, criterion, optimizers, dataloaders)
