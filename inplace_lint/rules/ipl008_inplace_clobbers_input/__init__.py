"""IPL008 inplace-clobbers-input: a module that overwrites its input in place is applied to a tensor the caller
reads again afterwards.

No autograd error: the caller just reads the overwritten values (``out = self.block(x); out += x`` adds
``relu(x)`` where ``x`` was meant). Reported on the call; the read is named in the message.
"""

CODE = "IPL008"
