"""IPL012 inplace-on-custom-function-view: an in-place write, with grad mode on, into an output of a custom
``torch.autograd.Function`` that is a view of an input or the input itself, or into the output of a module with a
full backward hook (``BackwardHookFunction``), or into a view of either.

torch raises at that line: "Output 0 of BackwardHookFunction is a view and is being modified inplace. This view was
created inside a custom Function (or because an input was returned as-is) and the autograd logic to handle
view+inplace would override the custom backward associated with the custom Function, leading to incorrect gradients.
This behavior is forbidden."
"""

CODE = "IPL012"
