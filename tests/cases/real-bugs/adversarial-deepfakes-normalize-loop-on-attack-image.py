# case: adversarial-deepfakes-normalize-loop-on-attack-image
# source: https://github.com/paarthneekhara/AdversarialDeepFakes/issues/23
# expect: markers
# torch: raises "is a view and is being modified inplace. This view is the output of a function that returns multiple views"

# The traceback ends in the repository's own normalisation transform (dataset/transform.py:39, `t.sub_(m).div_(s)`
# inside `for t, m, s in zip(tensor, self.mean, self.std)`); the class around that line is completed minimally from
# the repository's UnNormalize, and the model is a stand-in.
import torch
import torch.nn as nn


class Normalize(object):
    def __init__(self, mean, std):
        self.mean = mean
        self.std = std

    def __call__(self, tensor):
        for t, m, s in zip(tensor, self.mean, self.std):
            t.sub_(m).div_(s)  # error: IPL009
        return tensor


def predict_with_model(preprocessed_image, model, post_function=nn.Softmax(dim=1)):
    # differentiable resizing: doing resizing here instead of preprocessing
    resized_image = nn.functional.interpolate(preprocessed_image, size=(6, 6), mode="bilinear", align_corners=True)
    norm_transform = Normalize([0.5] * 3, [0.5] * 3)
    normalized_image = norm_transform(resized_image[0])[None]
    logits = model(normalized_image)
    output = post_function(logits)
    return output, logits


def robust_fgsm(input_img, model, eps=0.05):
    input_var = input_img.clone().requires_grad_(True)
    output, logits = predict_with_model(input_var, model)
    loss = nn.functional.cross_entropy(logits, torch.tensor([0]))
    loss.backward()
    return input_var + eps * input_var.grad.sign()


torch.manual_seed(0)
model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 6 * 6, 2))
perturbed = robust_fgsm(torch.rand(1, 3, 4, 4), model)
