"""IPL004 data-mutation: an in-place write through ``.data`` of a tensor that requires grad.

``.data`` bypasses autograd's version counter: if a live graph saved the tensor, backward uses the new values and
the gradients are silently wrong (torch raises nothing). A warning where a graph of this code may hold the tensor;
an error where an op is known to have saved it.
"""

CODE = "IPL004"
