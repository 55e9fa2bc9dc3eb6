"""IPL011 inference-tensor-in-autograd: a tensor made under ``torch.inference_mode()`` used where autograd needs a
normal tensor, outside inference mode: written in place, saved for backward by an op that records a graph, or made
to require grad.

torch raises at that line: "Inplace update to inference tensor outside InferenceMode is not allowed", "Inference
tensors cannot be saved for backward", "Setting requires_grad=True on inference tensor outside InferenceMode is not
allowed."
"""

CODE = "IPL011"
