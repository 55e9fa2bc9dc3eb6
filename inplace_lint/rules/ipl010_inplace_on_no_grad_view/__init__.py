"""IPL010 inplace-on-no-grad-view: an in-place write, with grad mode on, into a view that was made under
``torch.no_grad()`` or ``torch.inference_mode()`` of a tensor that requires grad.

torch raises at that line: "A view was created in no_grad mode and is being modified inplace with grad mode
enabled." (or "... in inference mode and is being modified inplace in normal mode").
"""

CODE = "IPL010"
