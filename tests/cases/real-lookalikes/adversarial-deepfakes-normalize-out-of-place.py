# case: adversarial-deepfakes-normalize-out-of-place
# source: https://github.com/paarthneekhara/AdversarialDeepFakes/issues/23
# expect: clean
# torch: clean
# check: perturbed.shape == (1, 3, 4, 4) and torch.isfinite(perturbed).all()

# The look-alike of real-bugs/adversarial-deepfakes-normalize-loop-on-attack-image: the same attack with the
# normalisation done out of place (a broadcast `(tensor - mean) / std`, what torchvision's Normalize does on a
# tensor that requires grad), so the image stays differentiable.
import torch
import torch.nn as nn


class Normalize(object):
    def __init__(self, mean, std):
        self.mean = mean
        self.std = std

    def __call__(self, tensor):
        mean = torch.tensor(self.mean)[:, None, None]
        std = torch.tensor(self.std)[:, None, None]
        return (tensor - mean) / std


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
