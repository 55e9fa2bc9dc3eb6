# case: lightning-predict-step-enable-grad
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/15925
# expect: markers
# torch: raises "element 0 of tensors does not require grad and does not have a grad_fn"

# The reporter wants gradients inside `predict_step` and wraps the body in
# `torch.enable_grad()`.  `Trainer.predict` runs the step under `torch.inference_mode()`
# (Trainer(inference_mode=True) is the default), and enable_grad does not leave inference
# mode: nothing inside is recorded by autograd, so `loss.backward()` fails.
# Kept verbatim: the LightningModule with `self.linear`, predict_step with enable_grad,
# `x = torch.randn(2, 4, requires_grad=True)`, `y = self.linear(x)`, `loss.backward()`,
# the TensorDataset/DataLoader and `trainer.predict(model, dataloaders=dataloader)`.
# Completed: Lightning itself is replaced by a minimal `Trainer` whose predict loop does
# what Lightning's does (`torch.inference_mode()` if inference_mode else `torch.no_grad()`),
# and `LightningModule` by nn.Module.  The marked line is where the tensors produced
# under inference mode are used by autograd.
import torch
import torch.nn as nn


class LightningModule(nn.Module):
    pass


class Trainer:
    def __init__(self, inference_mode=True):
        self.inference_mode = inference_mode

    def predict(self, model, dataloaders):
        ctx = torch.inference_mode if self.inference_mode else torch.no_grad
        model.eval()
        outs = []
        with ctx():
            for batch_idx, batch in enumerate(dataloaders):
                outs.append(model.predict_step(batch, batch_idx))
        return outs


class Model(LightningModule):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 2)

    def predict_step(self, batch, batch_idx):
        with torch.enable_grad():
            x = torch.randn(2, 4, requires_grad=True)
            x.requires_grad = True
            y = self.linear(x)
            loss = y.mean()
            loss.backward()  # error: IPL011
        return x.grad


dataset = torch.utils.data.TensorDataset(torch.randn(16, 4))
dataloader = torch.utils.data.DataLoader(dataset, batch_size=2)

trainer = Trainer()
model = Model()

grads = trainer.predict(model, dataloaders=dataloader)
