# case: ultralytics-sam-predictor-builds-model-under-inference-mode
# source: https://github.com/ultralytics/ultralytics/pull/25756
# expect: markers
# torch: raises "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed"
# known-miss: the model is built by `setup_model` inside a generator decorated with `@smart_inference_mode()` (a decorator of the library that returns `torch.inference_mode()`), and fine-tuned after the generator ran; the analysis does not read that decorator, nor carry the module built there into the later calls

# Ultralytics' SAM Predictor driven directly (not through Model.predict): BasePredictor.stream_inference, a
# generator decorated with @smart_inference_mode(), calls `self.setup_model(model)` on first use, and the SAM
# Predictor.setup_model builds the network there (get_model -> build_sam), so every parameter and buffer the
# predictor keeps in self.model is an inference tensor ("451 of 451" in the PR's measurements). Fine-tuning the
# model afterwards fails where its tensors are used -- the PR shows `predictor.model.requires_grad_(True)` raising;
# the PR builds the model outside inference mode, still under no_grad. Kept: smart_inference_mode, __call__ /
# stream_inference (first-call setup, preprocess, inference, postprocess, yield), Predictor.setup_model, get_model
# and preprocess as in the files. Completed/reduced: a three-part stand-in for build_sam (patch-conv image encoder,
# point-prompt embedding, linear mask decoder), select_device returning the CPU, one 32x32 image tensor as the
# source and a single point prompt, a mask loss and one Adam step on the mask decoder as the user's fine-tuning.
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F


def smart_inference_mode():
    """Applies torch.inference_mode() decorator if torch>=1.9.0 else torch.no_grad() decorator."""

    def decorate(fn):
        """Applies appropriate torch decorator for inference mode based on torch version."""
        if torch.is_inference_mode_enabled():
            return fn  # already in inference_mode, act as a pass-through
        else:
            return torch.inference_mode()(fn)

    return decorate


def select_device(device="", verbose=True):
    return torch.device("cpu")


class TinySam(nn.Module):
    """Stand-in for build_sam(): image encoder, prompt encoder and mask decoder."""

    def __init__(self, embed_dim=16):
        super().__init__()
        self.image_encoder = nn.Conv2d(3, embed_dim, kernel_size=4, stride=4)
        self.prompt_encoder = nn.Linear(2, embed_dim)
        self.mask_decoder = nn.Linear(embed_dim, 1)

    def forward(self, im, points):
        feats = self.image_encoder(im)  # B, C, h, w
        prompt = self.prompt_encoder(points)  # B, C
        logits = self.mask_decoder((feats + prompt[:, :, None, None]).permute(0, 2, 3, 1))
        return logits.permute(0, 3, 1, 2)  # B, 1, h, w


def build_sam(ckpt="mobile_sam.pt"):
    return TinySam()


class BasePredictor:
    def __init__(self, overrides=None):
        self.args = SimpleNamespace(device="cpu", half=False, model="mobile_sam.pt", imgsz=32, verbose=False)
        self.model = None
        self.prompts = {}

    def __call__(self, source=None, model=None, stream=False, *args, **kwargs):
        """Perform inference on an image or stream."""
        self.stream = stream
        if stream:
            return self.stream_inference(source, model, *args, **kwargs)
        else:
            return list(self.stream_inference(source, model, *args, **kwargs))  # merge list of Result into one

    @smart_inference_mode()
    def stream_inference(self, source=None, model=None, *args, **kwargs):
        """Stream real-time inference on camera feed and save results to file."""
        # Setup model
        if not self.model:
            self.setup_model(model)

        for im0s in [source]:
            im = self.preprocess(im0s)
            preds = self.inference(im, *args, **kwargs)
            self.results = self.postprocess(preds, im, im0s)
            yield from self.results


class Predictor(BasePredictor):
    def preprocess(self, im):
        im = im.to(self.device)
        im = (im - self.mean) / self.std
        return im.half() if self.model.fp16 else im.float()

    def inference(self, im, points=None):
        points = self.prompts.get("points", points)
        return self.model(im, points)

    def postprocess(self, preds, img, orig_imgs):
        return [m > 0 for m in preds]

    def setup_model(self, model=None, verbose=True):
        device = select_device(self.args.device, verbose=verbose)
        if model is None:
            model = self.get_model()
        model.eval()
        model = model.to(device)
        self.model = model.half() if self.args.half else model.float()
        self.device = device
        self.mean = torch.tensor([123.675, 116.28, 103.53]).view(-1, 1, 1).to(device)
        self.std = torch.tensor([58.395, 57.12, 57.375]).view(-1, 1, 1).to(device)

        # Ultralytics compatibility settings
        self.model.pt = False
        self.model.triton = False
        self.model.stride = 32
        self.model.fp16 = self.args.half
        self.done_warmup = True

    def get_model(self):
        return build_sam(self.args.model)


torch.manual_seed(0)
predictor = Predictor()
image = torch.rand(1, 3, 32, 32) * 255
points = torch.tensor([[16.0, 16.0]])
masks = predictor(image, points=points)

# fine-tune the mask decoder on one annotated mask
predictor.model.requires_grad_(True)  # error: IPL011
predictor.model.train()
optimizer = torch.optim.Adam(predictor.model.mask_decoder.parameters(), lr=1e-3)
target = (torch.rand(1, 1, 8, 8) > 0.5).float()
logits = predictor.model(predictor.preprocess(image), points)
loss = F.binary_cross_entropy_with_logits(logits, target)
optimizer.zero_grad()
loss.backward()
optimizer.step()
