# case: nnue-zero-virtual-feature-weights-slice-assigned-on-parameter
# source: https://github.com/official-stockfish/nnue-pytorch/pull/75
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# nnue-pytorch (Stockfish NNUE trainer, chess evaluation). NNUE.__init__
# calls self._zero_virtual_feature_weights(), which takes
# `weights = self.input.weight` (the nn.Linear Parameter, a leaf that
# requires grad) and zeroes the columns of the factorised "virtual" features
# with `weights[:, a:b] = 0.0`. The PR ("Some versions of pytorch disallow
# this in-place operation with grad") wraps the loop in torch.no_grad().
# Kept: the model of that time (input layer re-initialised through clone /
# normal_ / fill_, the clipped-ReLU forward on the two perspectives, the
# cross-entropy step_ against teacher scores and outcomes, on_after_backward
# scaling the grads of the HalfK factor). Completed: plain nn.Module instead
# of pl.LightningModule, a tiny HalfKP^-like feature set, Adam instead of
# Ranger, random sparse batches; tiny sizes.
import math

import torch
from torch import nn
import torch.nn.functional as F

L1 = 16
L2 = 8
L3 = 8


class FeatureBlock:
    def __init__(self, name, factors):
        self.name = name
        self.factors = factors            # name -> size, real factor first
        self.num_real_features = next(iter(factors.values()))
        self.num_virtual_features = sum(factors.values()) - self.num_real_features
        self.num_features = sum(factors.values())

    def get_factor_base_feature(self, name):
        offset = 0
        for n, size in self.factors.items():
            if n == name:
                return offset
            offset += size
        raise KeyError(name)


class FeatureSet:
    def __init__(self, features):
        self.features = features
        self.name = '+'.join(f.name for f in features)
        self.num_features = sum(f.num_features for f in features)

    def get_virtual_feature_ranges(self):
        ranges = []
        offset = 0
        for f in self.features:
            if f.num_virtual_features:
                ranges.append((offset + f.num_real_features, offset + f.num_features))
            offset += f.num_features
        return ranges


class NNUE(nn.Module):
  def __init__(self, feature_set, lambda_=1.0):
    super(NNUE, self).__init__()
    self.input = nn.Linear(feature_set.num_features, L1)

    weights = self.input.weight.clone()
    kMaxActiveDimensions = 30 # kings don't count
    kSigma = 0.1 / math.sqrt(kMaxActiveDimensions)
    weights = weights.normal_(0.0, kSigma)
    biases = self.input.bias
    biases = biases.clone().fill_(0.5)
    self.input.weight = nn.Parameter(weights)
    self.input.bias = nn.Parameter(biases)

    self.feature_set = feature_set
    self.l1 = nn.Linear(2 * L1, L2)
    self.l2 = nn.Linear(L2, L3)
    self.output = nn.Linear(L3, 1)
    self.lambda_ = lambda_

    self._zero_virtual_feature_weights()

  def _zero_virtual_feature_weights(self):
    weights = self.input.weight
    for a, b in self.feature_set.get_virtual_feature_ranges():
        weights[:, a:b] = 0.0  # error: IPL002
    self.input.weight = nn.Parameter(weights)

  def forward(self, us, them, w_in, b_in):
    w = self.input(w_in)
    b = self.input(b_in)
    l0_ = (us * torch.cat([w, b], dim=1)) + (them * torch.cat([b, w], dim=1))
    # clamp here is used as a clipped relu to (0.0, 1.0)
    l0_ = torch.clamp(l0_, 0.0, 1.0)
    l1_ = torch.clamp(self.l1(l0_), 0.0, 1.0)
    l2_ = torch.clamp(self.l2(l1_), 0.0, 1.0)
    x = self.output(l2_)
    return x

  def on_after_backward(self):
    w = self.input.weight
    g = w.grad
    a = self.feature_set.features[0].get_factor_base_feature('HalfK')
    b = self.feature_set.features[0].get_factor_base_feature('P')
    g[:, a:b] /= 30.0

  def step_(self, batch):
    us, them, white, black, outcome, score = batch
    nnue2score = 600
    pawnValueEg = 208
    scaling = pawnValueEg * 4 * math.log(10)

    q = self(us, them, white, black) * nnue2score / scaling
    t = outcome
    p = (score / scaling).sigmoid()

    epsilon = 1e-12
    teacher_entropy = -(p * (p + epsilon).log() + (1.0 - p) * (1.0 - p + epsilon).log())
    teacher_loss = -(p * F.logsigmoid(q) + (1.0 - p) * F.logsigmoid(-q))
    outcome_entropy = -(t * (t + epsilon).log() + (1.0 - t) * (1.0 - t + epsilon).log())
    outcome_loss = -(t * F.logsigmoid(q) + (1.0 - t) * F.logsigmoid(-q))

    result  = self.lambda_ * teacher_loss    + (1.0 - self.lambda_) * outcome_loss
    entropy = self.lambda_ * teacher_entropy + (1.0 - self.lambda_) * outcome_entropy
    loss = result.mean() - entropy.mean()
    return loss


def random_batch(num_features, n=8):
    white = (torch.rand(n, num_features) < 0.1).float()
    black = (torch.rand(n, num_features) < 0.1).float()
    us = (torch.rand(n, 1) < 0.5).float()
    them = 1.0 - us
    outcome = torch.randint(0, 3, (n, 1)).float() / 2.0
    score = torch.randn(n, 1) * 300.0
    return us, them, white, black, outcome, score


torch.manual_seed(0)
halfkp = FeatureBlock('HalfKP^', {'HalfKP': 40, 'HalfK': 6, 'P': 10})
feature_set = FeatureSet([halfkp])
model = NNUE(feature_set, lambda_=0.7)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(3):
    batch = random_batch(feature_set.num_features)
    loss = model.step_(batch)
    optimizer.zero_grad()
    loss.backward()
    model.on_after_backward()
    optimizer.step()
