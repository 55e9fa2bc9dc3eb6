# case: advertorch-fgsm-adversarial-detached-then-requires-grad-fixed
# source: https://github.com/BorealisAI/advertorch/issues/49
# expect: clean
# torch: clean
# check: fgsm_tensor.is_leaf and grad is not None and torch.allclose(grad, ref_grad)

# Look-alike of advertorch-fgsm-adversarial-grad-read-from-non-leaf: the change the reporter
# proposes, `return xadv.detach()`, with the user then asking for gradients on the returned batch
# (`.requires_grad_()`), as PGD's leaf result allows. The adversarial batch is a leaf, so its
# .grad is filled; it matches torch.autograd.grad of the same loss.
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
        return xadv.detach()


FGSM = GradientSignAttack

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
x, y = torch.rand(2, 1, 8, 8), torch.randint(0, 10, (2,))
adversary = FGSM(model, eps=0.1)
fgsm_tensor = adversary.perturb(x, y).requires_grad_()
loss = nn.functional.cross_entropy(model(fgsm_tensor), y)
loss.backward()
grad = fgsm_tensor.grad.clone()

probe = fgsm_tensor.detach().requires_grad_()
ref_grad = torch.autograd.grad(nn.functional.cross_entropy(model(probe), y), probe)[0]
