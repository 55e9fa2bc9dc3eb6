"""IPL001 inplace-on-leaf: an in-place write to a leaf tensor that requires grad, with grad mode on.

torch raises at that line: "a leaf Variable that requires grad is being used in an in-place operation."
(``out=`` into such a leaf raises "functions with out=... arguments don't support automatic differentiation".)
"""

CODE = "IPL001"
