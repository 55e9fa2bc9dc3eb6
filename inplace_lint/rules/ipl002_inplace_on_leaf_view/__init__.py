"""IPL002 inplace-on-leaf-view: item/slice assignment into, or an in-place op on a view of, a leaf that requires grad.

torch raises at that line: "a view of a leaf Variable that requires grad is being used in an in-place operation."
(Assignment through a mask or index tensor, ``w[mask] = 0``, writes ``w`` itself: "a leaf Variable ...".)
"""

CODE = "IPL002"
