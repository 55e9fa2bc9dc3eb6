"""IPL007 function-dirty: an in-place write inside a custom ``torch.autograd.Function`` that autograd is not told of.

(a) an input of ``forward`` written in place without ``ctx.mark_dirty``; (b) a tensor written in place after it was
passed to ``ctx.save_for_backward``; (c) an incoming gradient written in place in ``backward``. torch runs both with
grad mode off, so nothing raises at the write: gradients come out silently wrong (or torch raises at backward).
"""

CODE = "IPL007"
