# case: view-applied-to-new-leaf-grad-none
# source: https://github.com/pytorch/pytorch/issues/19778
# expect: markers
# torch: raises "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"

# The "test with view": `.view(2, 1, 1)` on the tensor created with requires_grad=True returns a non-leaf,
# so X_view.grad is None after backward (torch now warns when it is read).
import torch

X = torch.tensor([[[0.25]], [[0.75]]], requires_grad=True,)
print(f"X.shape: {X.shape}")
X.sum().backward()
print(f"X.grad: {X.grad}")

X_view = torch.tensor([0.25, 0.75], requires_grad=True,).view(2, 1, 1)  # error: IPL005
print(f"X_view.shape: {X_view.shape}")
X_view.sum().backward()
print(f"X_view.grad: {X_view.grad}")
