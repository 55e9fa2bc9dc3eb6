# case: discuss-leaf-variable-cloned-then-plus-equals
# source: https://discuss.pytorch.org/t/leaf-variable-was-used-in-an-inplace-operation/308/2
# expect: clean
# torch: clean
# check: torch.equal(x.grad, torch.ones(3))

# The answer's workaround: clone the leaf and work in place on the clone, which stays differentiable.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
x2 = x.clone()  # clone the variable
x2 += 1  # in-place operation
x2.sum().backward()
