import torch

x = torch.randn(3, requires_grad=True)
y = x.clone().detach()  #Create a detached copy for in-place operation
y.requires_grad_(True)   #Ensure that the copy also tracks gradients
y.add_(1)               # In-place addition
loss = y.sum()
loss.backward()
print(x.grad) # Gradients are correctly calculated despite in-place operation on y
