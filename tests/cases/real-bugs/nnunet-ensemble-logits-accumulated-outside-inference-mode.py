# case: nnunet-ensemble-logits-accumulated-outside-inference-mode
# source: https://github.com/MIC-DKFZ/nnUNet/issues/2364
# expect: markers
# torch: raises "Inplace update to inference tensor outside InferenceMode"

# nnU-Net v2 (medical image segmentation), prediction on CPU with an
# ensemble of folds. nnUNetPredictor.predict_sliding_window_return_logits
# is decorated with @torch.inference_mode(), so the logits it returns are
# inference tensors; predict_logits_from_preprocessed_data runs only under
# torch.no_grad() and accumulates the folds with
# `prediction += self.predict_sliding_window_return_logits(data).to('cpu')`.
# On GPU the .to('cpu') makes a normal copy; on CPU it returns the same
# inference tensor, and the in-place add of the second fold fails (the
# maintainer's explanation in the thread; workaround: `.clone()` at the end
# of both lines). Kept: the predictor's method names and structure (folds
# loaded with load_state_dict from list_of_parameters, the sliding-window
# helpers with gaussian importance weighting, the revert-padding slice).
# Completed: a tiny 2D conv network, two random "fold" state dicts, a small
# random image, a minimal padding and slicer computation; no plans/dataset
# json, no multiprocessing. The `/=` after the loop is marked too: with the `+=` removed, torch raises there
# (the first fold's logits are still that inference tensor).
from contextlib import contextmanager

import torch
import torch.nn as nn

default_num_processes = 1


@contextmanager
def dummy_context():
    yield


class TinySegNet(nn.Module):
    def __init__(self, in_ch=1, num_classes=3):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(in_ch, 8, 3, padding=1), nn.LeakyReLU(inplace=True))
        self.head = nn.Conv2d(8, num_classes, 1)

    def forward(self, x):
        return self.head(self.enc(x))


def compute_gaussian(tile_size, sigma_scale=1. / 8):
    coords = [torch.arange(s, dtype=torch.float32) - (s - 1) / 2 for s in tile_size]
    sig = [s * sigma_scale for s in tile_size]
    g = torch.exp(-(coords[0][:, None] ** 2) / (2 * sig[0] ** 2) - (coords[1][None, :] ** 2) / (2 * sig[1] ** 2))
    g = g / g.max()
    return g.clamp(min=g[g > 0].min())


def compute_steps_for_sliding_window(image_size, tile_size, tile_step_size):
    steps = []
    for dim in range(len(tile_size)):
        max_step = image_size[dim] - tile_size[dim]
        n = int(torch.ceil(torch.tensor(max_step / (tile_size[dim] * tile_step_size)))) + 1
        actual = max_step / (n - 1) if n > 1 else 99999999999
        steps.append([int(round(actual * i)) for i in range(n)])
    return steps


def pad_nd_image(image, new_shape):
    pad_h = max(0, new_shape[0] - image.shape[-2])
    pad_w = max(0, new_shape[1] - image.shape[-1])
    data = torch.nn.functional.pad(image, (0, pad_w, 0, pad_h))
    slicer = (slice(None), slice(0, image.shape[-2]), slice(0, image.shape[-1]))
    return data, slicer


class nnUNetPredictor(object):
    def __init__(self, network, list_of_parameters, patch_size, tile_step_size=0.5,
                 use_gaussian=True, perform_everything_on_device=True,
                 device=torch.device('cpu'), verbose=False):
        self.network = network
        self.list_of_parameters = list_of_parameters
        self.patch_size = patch_size
        self.tile_step_size = tile_step_size
        self.use_gaussian = use_gaussian
        self.perform_everything_on_device = perform_everything_on_device
        self.device = device
        self.verbose = verbose
        self.num_segmentation_heads = 3

    def predict_logits_from_preprocessed_data(self, data: torch.Tensor) -> torch.Tensor:
        """
        IMPORTANT! IF YOU ARE RUNNING THE CASCADE, THE SEGMENTATION FROM THE PREVIOUS STAGE MUST ALREADY BE STACKED ON
        TOP OF THE IMAGE AS ONE-HOT REPRESENTATION! SEE PreprocessAdapter ON HOW THIS SHOULD BE DONE!
        """
        n_threads = torch.get_num_threads()
        torch.set_num_threads(default_num_processes if default_num_processes < n_threads else n_threads)
        with torch.no_grad():
            prediction = None

            for params in self.list_of_parameters:

                # messing with state dict names...
                self.network.load_state_dict(params)

                # why not leave prediction on device if perform_everything_on_device? Because this may cause the
                # second iteration to crash due to OOM. Grabbing that with try except cause way more bloated code than
                # this actually saves computation time
                if prediction is None:
                    prediction = self.predict_sliding_window_return_logits(data).to('cpu')
                else:
                    prediction += self.predict_sliding_window_return_logits(data).to('cpu')  # error: IPL011

            if len(self.list_of_parameters) > 1:
                prediction /= len(self.list_of_parameters)  # error: IPL011

            if self.verbose: print('Prediction done')
            prediction = prediction.to('cpu')
        torch.set_num_threads(n_threads)
        return prediction

    def _internal_get_sliding_window_slicers(self, image_size):
        slicers = []
        steps = compute_steps_for_sliding_window(image_size[1:], self.patch_size, self.tile_step_size)
        for sx in steps[0]:
            for sy in steps[1]:
                slicers.append(tuple([slice(None), *[slice(si, si + ti) for si, ti in
                                                     zip((sx, sy), self.patch_size)]]))
        return slicers

    @torch.inference_mode()
    def _internal_predict_sliding_window_return_logits(self, data, slicers, do_on_device=True):
        results_device = self.device if do_on_device else torch.device('cpu')
        predicted_logits = torch.zeros((self.num_segmentation_heads, *data.shape[1:]),
                                       dtype=torch.half, device=results_device)
        n_predictions = torch.zeros(data.shape[1:], dtype=torch.half, device=results_device)
        if self.use_gaussian:
            gaussian = compute_gaussian(tuple(self.patch_size)).to(results_device)
        for sl in slicers:
            workon = data[sl][None]
            prediction = self.network(workon)[0].to(results_device)
            if self.use_gaussian:
                prediction *= gaussian
            predicted_logits[sl] += prediction
            n_predictions[sl[1:]] += (gaussian if self.use_gaussian else 1)
        predicted_logits /= n_predictions
        return predicted_logits

    @torch.inference_mode()
    def predict_sliding_window_return_logits(self, input_image: torch.Tensor):
        assert isinstance(input_image, torch.Tensor)
        self.network = self.network.to(self.device)
        self.network.eval()

        with torch.autocast(self.device.type, enabled=True) if self.device.type == 'cuda' else dummy_context():
            assert input_image.ndim == 3, 'input_image must be a 3D np.ndarray or torch.Tensor (c, x, y)'

            data, slicer_revert_padding = pad_nd_image(input_image, self.patch_size)
            slicers = self._internal_get_sliding_window_slicers(data.shape)

            if self.perform_everything_on_device and self.device != torch.device('cpu'):
                predicted_logits = self._internal_predict_sliding_window_return_logits(data, slicers, True)
            else:
                predicted_logits = self._internal_predict_sliding_window_return_logits(data, slicers, False)

            # revert padding
            predicted_logits = predicted_logits[(slice(None), *slicer_revert_padding[1:])]
        return predicted_logits


torch.manual_seed(0)
network = TinySegNet()
folds = []
for fold in range(2):
    net = TinySegNet()
    folds.append({k: v.clone() for k, v in net.state_dict().items()})
predictor = nnUNetPredictor(network, folds, patch_size=[8, 8], tile_step_size=0.5)
image = torch.randn(1, 12, 12)
logits = predictor.predict_logits_from_preprocessed_data(image)
segmentation = logits.argmax(0)
