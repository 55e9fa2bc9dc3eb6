# case: context-chosen-at-run-time-no-grad-then-write
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/15925
# expect: clean
# torch: clean
# check: bool((preds[:, 0] == 0).all())

# Lightning's predict loop picks its context at run time: `ctx = torch.inference_mode if self.inference_mode else
# torch.no_grad`, then `with ctx():`. Built with `inference_mode=False` it runs under `no_grad`: the predictions are
# normal tensors that do not require grad, and post-processing them in place is fine.
import torch
import torch.nn as nn


class Predictor:
    def __init__(self, inference_mode=True):
        self.inference_mode = inference_mode

    def predict(self, model, x):
        ctx = torch.inference_mode if self.inference_mode else torch.no_grad
        with ctx():
            return model(x)


preds = Predictor(inference_mode=False).predict(nn.Linear(4, 3), torch.randn(2, 4))
preds[:, 0] = 0.0
