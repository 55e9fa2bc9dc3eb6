"""IPL009 inplace-on-multi-output-view: an in-place write into an output of ``unbind``/``split``/``chunk``/
``split_with_sizes`` (or of iterating or unpacking a tensor), or into a view of one, that requires grad.

torch raises at that line: "Output 0 of Unbind is a view and is being modified inplace. This view is the output of a
function that returns multiple views. Such functions do not allow the output views to be modified inplace."
"""

CODE = "IPL009"
