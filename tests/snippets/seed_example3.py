import torch

x = torch.randn(3, requires_grad=True)
y = x.clone().detach()
y.requires_grad_(True)
y.add_(1)
z = y.clone().detach()
z.requires_grad_(True)
z.mul_(2)
loss = z.sum()
loss.backward()
print(x.grad)
