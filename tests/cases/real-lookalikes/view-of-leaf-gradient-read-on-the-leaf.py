# case: view-of-leaf-gradient-read-on-the-leaf
# source: https://github.com/pytorch/pytorch/issues/19778
# expect: clean
# torch: clean
# check: torch.allclose(X_flat.grad, torch.ones(2)) and X_view.shape == (2, 1, 1)

# The same tensor with the leaf kept under its own name and the view taken from it: the gradient is read from the
# leaf, which backward populates.
import torch

X_flat = torch.tensor([0.25, 0.75], requires_grad=True,)
X_view = X_flat.view(2, 1, 1)
print(f"X_view.shape: {X_view.shape}")
X_view.sum().backward()
print(f"X_flat.grad: {X_flat.grad}")
