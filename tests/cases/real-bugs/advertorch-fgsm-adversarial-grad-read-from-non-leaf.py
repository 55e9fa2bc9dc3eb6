# case: advertorch-fgsm-adversarial-grad-read-from-non-leaf
# source: https://github.com/BorealisAI/advertorch/issues/49
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# The user crafts an adversarial batch with advertorch's GradientSignAttack (FGSM), runs the model
# on it, backpropagates and wants `fgsm_tensor.grad.clone()`; it fails with 'NoneType' object has
# no attribute 'clone'. The reporter: "fgsm_tensor.is_leaf is False ... In this line
# (one_step_gradient.py#L71) xadv.is_leaf become False" -- perturb() returns
# `clamp(xadv + eps * grad_sign, ...)`, a result computed from the input that was made to require
# grad, so autograd keeps no .grad for it (PGD returns a leaf, hence "PGD doesn't have this
# problem"). Under `-W error::UserWarning` torch's warning for this read is raised.
# Kept: the Attack/LabelMixin-style class with perturb() as in advertorch (requires_grad_ on x,
# loss.backward, grad sign step, clamp, return xadv), the user's read of the adversarial tensor's
# .grad after their own backward. Completed: a small CNN, random images and labels, advertorch's
# clamp helper written with torch.clamp.
# Marker (moved to the rule's convention): IPL005 is reported on the binding of the name whose .grad is read.
import torch
import torch.nn as nn


def clamp(input, min=None, max=None):
    return torch.clamp(input, min=min, max=max)


class GradientSignAttack:
    def __init__(self, predict, loss_fn=None, eps=0.3, clip_min=0., clip_max=1., targeted=False):
        self.predict = predict
        self.loss_fn = loss_fn or nn.CrossEntropyLoss(reduction="sum")
        self.eps, self.clip_min, self.clip_max, self.targeted = eps, clip_min, clip_max, targeted

    def _verify_and_process_inputs(self, x, y):
        return x.detach().clone(), y.detach().clone()

    def perturb(self, x, y=None):
        x, y = self._verify_and_process_inputs(x, y)
        xadv = x.requires_grad_()
        outputs = self.predict(xadv)
        loss = self.loss_fn(outputs, y)
        if self.targeted:
            loss = -loss
        loss.backward()
        grad_sign = xadv.grad.detach().sign()
        xadv = xadv + self.eps * grad_sign
        xadv = clamp(xadv, self.clip_min, self.clip_max)
        return xadv


FGSM = GradientSignAttack

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
x, y = torch.rand(2, 1, 8, 8), torch.randint(0, 10, (2,))
adversary = FGSM(model, eps=0.1)
fgsm_tensor = adversary.perturb(x, y)  # error: IPL005
loss = nn.functional.cross_entropy(model(fgsm_tensor), y)
loss.backward()
grad = fgsm_tensor.grad.clone()
