"""IPL003 inplace-on-saved: an in-place write to a tensor that an earlier op saved for backward.

torch raises only at ``backward()``, far from the culprit: "one of the variables needed for gradient computation has
been modified by an inplace operation: [...] which is output 0 of SigmoidBackward0, is at version 1; expected version
0 instead". What each op saves comes from the generated op table (``inplace_lint/ops``); views and ``detach()``
share the version counter of their base, so writing any of them counts. ``.data`` does not: that is IPL004.
"""

CODE = "IPL003"
