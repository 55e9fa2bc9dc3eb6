# case: context-chosen-at-run-time-inference-mode-then-write
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/15925
# expect: markers
# torch: raises "Inplace update to inference tensor outside InferenceMode is not allowed"

# Lightning's predict loop picks its context at run time: `ctx = torch.inference_mode if self.inference_mode else
# torch.no_grad`, then `with ctx():`. With inference mode chosen, the predictions are inference tensors, and
# post-processing them in place afterwards raises.
import torch
import torch.nn as nn


class Predictor:
    def __init__(self, inference_mode=True):
        self.inference_mode = inference_mode

    def predict(self, model, x):
        ctx = torch.inference_mode if self.inference_mode else torch.no_grad
        with ctx():
            return model(x)


preds = Predictor().predict(nn.Linear(4, 3), torch.randn(2, 4))
preds[:, 0] = 0.0  # error: IPL011
