# case: lightning-predict-step-enable-grad-fixed
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/15925
# expect: clean
# torch: clean
# check: len(grads) == 8 and all(g is not None for g in grads) and model.linear.weight.grad is not None

# The way out Lightning offers: `Trainer(inference_mode=False)`, so the predict loop uses
# `torch.no_grad()`, which `torch.enable_grad()` inside predict_step does override.
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
            loss.backward()
        return x.grad


dataset = torch.utils.data.TensorDataset(torch.randn(16, 4))
dataloader = torch.utils.data.DataLoader(dataset, batch_size=2)

trainer = Trainer(inference_mode=False)
model = Model()

grads = trainer.predict(model, dataloaders=dataloader)
