"""IPL005 grad-of-non-leaf: ``.grad`` read from (or an optimizer given) a name bound to the result of an op on a leaf.

A non-leaf's ``.grad`` is never populated: torch only warns ("The .grad attribute of a Tensor that is not a leaf
Tensor is being accessed") and returns None; an optimizer raises "can't optimize a non-leaf Tensor". The finding sits
on the (re)binding assignment, e.g. ``w = w - lr * w.grad`` in a training loop.
"""

CODE = "IPL005"
