"""IPL006 detached-copy-trains: a detached copy of ``x`` is made to require grad, and ``x.grad`` is read later.

``x.detach()`` / ``x.clone().detach()`` / ``torch.tensor(x)`` cut the graph: a loss computed from the copy never
reaches ``x``, so ``x.grad`` stays None. Reported on the detaching assignment, when ``x`` takes part in no other
computation that could give it a gradient.
"""

CODE = "IPL006"
