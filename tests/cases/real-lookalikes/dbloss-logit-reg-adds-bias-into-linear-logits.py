# case: dbloss-logit-reg-adds-bias-into-linear-logits
# source: https://github.com/wutong16/DistributionBalancedLoss/issues/20
# expect: clean
# torch: clean
# check: torch.allclose(model[2].weight.grad, reference_grad, atol=1e-6) and float(reference_grad.abs().sum()) > 0

# The same ResampleLoss, used as the repository's classifiers use it: the head outputs raw logits (nn.Linear, no
# Sigmoid; the loss applies the sigmoid itself through binary_cross_entropy_with_logits). logit_reg_functions still
# adds the negative-class bias in place, but into the Linear's output, which addmm does not save for backward. Same
# reduced loss, class frequencies and training step as real-bugs/dbloss-logit-reg-adds-bias-into-sigmoid-output; the
# check recomputes the loss with the bias added out of place on a copy of the model taken before the step.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


def reduce_loss(loss, reduction):
    if reduction == 'none':
        return loss
    elif reduction == 'mean':
        return loss.mean()
    return loss.sum()


def weight_reduce_loss(loss, weight=None, reduction='mean', avg_factor=None):
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        loss = reduce_loss(loss, reduction)
    elif reduction == 'mean':
        loss = loss.sum() / avg_factor
    return loss


def binary_cross_entropy(pred, label, weight=None, reduction='mean', avg_factor=None):
    if weight is not None:
        weight = weight.float()
    loss = F.binary_cross_entropy_with_logits(pred, label.float(), weight, reduction='none')
    loss = weight_reduce_loss(loss, reduction=reduction, avg_factor=avg_factor)
    return loss


class ResampleLoss(nn.Module):

    def __init__(self, class_freq, neg_class_freq, use_sigmoid=True, reduction='mean', loss_weight=1.0,
                 focal=dict(focal=True, balance_param=2.0, gamma=2),
                 map_param=dict(alpha=10.0, beta=0.2, gamma=0.1),
                 logit_reg=dict(neg_scale=5.0, neg_bias=0.1),
                 reweight_func='rebalance', weight_norm=None):
        super(ResampleLoss, self).__init__()
        self.use_sigmoid = use_sigmoid
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.cls_criterion = binary_cross_entropy

        self.reweight_func = reweight_func
        self.weight_norm = weight_norm

        self.focal = focal['focal']
        self.gamma = focal['gamma']
        self.balance_param = focal['balance_param']

        self.map_alpha = map_param['alpha']
        self.map_beta = map_param['beta']
        self.map_gamma = map_param['gamma']

        self.class_freq = torch.tensor(class_freq).float()
        self.neg_class_freq = torch.tensor(neg_class_freq).float()
        self.num_classes = self.class_freq.shape[0]
        self.train_num = self.class_freq[0] + self.neg_class_freq[0]
        self.logit_reg = logit_reg
        self.neg_scale = logit_reg['neg_scale'] if 'neg_scale' in logit_reg else 1.0
        neg_bias = logit_reg['neg_bias'] if 'neg_bias' in logit_reg else 0.0
        self.neg_bias = - torch.log(self.train_num / self.class_freq - 1) * neg_bias / self.neg_scale

        self.freq_inv = torch.ones(self.class_freq.shape) / self.class_freq
        self.propotion_inv = self.train_num / self.class_freq

    def forward(self, cls_score, label, weight=None, avg_factor=None, reduction_override=None, **kwargs):
        reduction = (reduction_override if reduction_override else self.reduction)

        weight = self.reweight_functions(label)

        cls_score, weight = self.logit_reg_functions(label.float(), cls_score, weight)

        if self.focal:
            logpt = - self.cls_criterion(cls_score.clone(), label, weight=None, reduction='none',
                                         avg_factor=avg_factor)
            # pt is sigmoid(logit) for pos or sigmoid(-logit) for neg
            pt = torch.exp(logpt)
            loss = self.cls_criterion(cls_score, label.float(), weight=weight, reduction='none')
            loss = ((1 - pt) ** self.gamma) * loss
            loss = self.balance_param * loss
        else:
            loss = self.cls_criterion(cls_score, label.float(), weight, reduction=reduction)

        loss = self.loss_weight * loss
        return loss

    def reweight_functions(self, label):
        if self.reweight_func is None:
            return None
        weight = self.rebalance_weight(label.float())
        if self.weight_norm is not None:
            if 'by_instance' in self.weight_norm:
                max_by_instance, _ = torch.max(weight, dim=-1, keepdim=True)
                weight = weight / max_by_instance
            elif 'by_batch' in self.weight_norm:
                weight = weight / torch.max(weight)
        return weight

    def logit_reg_functions(self, labels, logits, weight=None):
        if not self.logit_reg:
            return logits, weight
        if 'neg_bias' in self.logit_reg:
            logits += self.neg_bias
        if 'neg_scale' in self.logit_reg:
            logits = logits * (1 - labels) * self.neg_scale + logits * labels
            weight = weight / self.neg_scale * (1 - labels) + weight * labels
        return logits, weight

    def rebalance_weight(self, gt_labels):
        repeat_rate = torch.sum(gt_labels.float() * self.freq_inv, dim=1, keepdim=True)
        pos_weight = self.freq_inv.clone().detach().unsqueeze(0) / repeat_rate
        # pos and neg are equally treated
        weight = torch.sigmoid(self.map_beta * (pos_weight - self.map_gamma)) + self.map_alpha
        return weight


torch.manual_seed(0)
num_classes = 6
class_freq = [120, 60, 30, 15, 8, 4]
neg_class_freq = [1000 - f for f in class_freq]
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, num_classes))
reference_model = copy.deepcopy(model)
criterion = ResampleLoss(class_freq, neg_class_freq)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

features = torch.randn(8, 16)
labels = (torch.rand(8, num_classes) < 0.3).long()
labels[:, 0] = 1
optimizer.zero_grad()
cls_score = model(features)
loss = criterion(cls_score, labels).mean()
loss.backward()
optimizer.step()


def logit_reg_out_of_place(labels, logits, weight):
    logits = logits + criterion.neg_bias
    logits = logits * (1 - labels) * criterion.neg_scale + logits * labels
    weight = weight / criterion.neg_scale * (1 - labels) + weight * labels
    return logits, weight


criterion.logit_reg_functions = logit_reg_out_of_place
criterion(reference_model(features), labels).mean().backward()
reference_grad = reference_model[2].weight.grad
