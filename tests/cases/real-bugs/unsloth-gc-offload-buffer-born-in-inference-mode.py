# case: unsloth-gc-offload-buffer-born-in-inference-mode
# source: https://github.com/unslothai/unsloth-zoo/pull/805
# expect: markers
# known-miss: the offload buffer is appended to a module-level list by an earlier call made under `inference_mode` and fetched from it by a later one; the analysis does not carry module-level state from one call to the next
# torch: raises "Inplace update to inference tensor outside InferenceMode is not allowed"

# Unsloth's "smart" gradient checkpointing (unsloth_zoo/gradient_checkpointing.py) under
# GRPO, as the PR's root-cause analysis describes it (report: unslothai/unsloth#3828).
# The checkpoint Function offloads each layer's input hidden states into persistent,
# module-level buffers that a helper allocates lazily on first use and reuses on every
# later call (`x.copy_(arg, non_blocking = True)`, the line of the traceback). GRPO
# computes the reference log-probs under `torch.inference_mode` while the model is still
# in training mode, so the first forward allocates (and fills) the buffers there: they
# are inference tensors for good. The next training forward copies into them outside
# inference mode. Trimmed to: a 2-layer MLP "LLM", the buffer helper, the checkpoint
# Function (recompute in backward), the reference pass and one policy training step.
import torch
import torch.nn as nn

CPU_BUFFERS = []
CPU_INDEX = 0


def reset_buffer_index():
    global CPU_INDEX
    CPU_INDEX = 0


def get_offload_buffer(arg):
    global CPU_INDEX
    if CPU_INDEX >= len(CPU_BUFFERS):
        CPU_BUFFERS.append(torch.empty(arg.shape, dtype=arg.dtype, device="cpu"))
    x = CPU_BUFFERS[CPU_INDEX]
    CPU_INDEX += 1
    return x


class UnslothCheckpointFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, forward_function, hidden_states, *args):
        x = get_offload_buffer(hidden_states)
        x.copy_(hidden_states, non_blocking=True)  # error: IPL011
        ctx.saved_hidden_states = x
        ctx.forward_function = forward_function
        ctx.args = args
        with torch.no_grad():
            output = forward_function(hidden_states, *args)
        return output

    @staticmethod
    def backward(ctx, dY):
        hidden_states = ctx.saved_hidden_states.detach().clone()
        hidden_states.requires_grad_(True)
        with torch.enable_grad():
            output = ctx.forward_function(hidden_states, *ctx.args)
        torch.autograd.backward(output, dY)
        return (None, hidden_states.grad,) + (None,) * len(ctx.args)


class DecoderLayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.SiLU(), nn.Linear(2 * d, d))

    def forward(self, hidden_states):
        return hidden_states + self.mlp(hidden_states)


class TinyLM(nn.Module):
    def __init__(self, vocab=20, d=8, n_layers=2):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([DecoderLayer(d) for _ in range(n_layers)])
        self.lm_head = nn.Linear(d, vocab)
        self.gradient_checkpointing = True

    def forward(self, input_ids):
        reset_buffer_index()
        hidden_states = self.embed_tokens(input_ids)
        for layer in self.layers:
            if self.gradient_checkpointing and self.training:
                hidden_states = UnslothCheckpointFunction.apply(layer, hidden_states)
            else:
                hidden_states = layer(hidden_states)
        return self.lm_head(hidden_states)


def get_per_token_logps(model, input_ids):
    logits = model(input_ids)[:, :-1]
    return torch.log_softmax(logits, dim=-1).gather(-1, input_ids[:, 1:, None]).squeeze(-1)


model = TinyLM()
model.train()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
completion_ids = torch.randint(0, 20, (2, 6))
advantages = torch.tensor([[0.5], [-0.5]])

# GRPO: reference / old log-probs, computed under inference mode (model still in train mode).
with torch.inference_mode():
    ref_per_token_logps = get_per_token_logps(model, completion_ids)

# Policy step.
optimizer.zero_grad()
per_token_logps = get_per_token_logps(model, completion_ids)
kl = torch.exp(ref_per_token_logps.clone() - per_token_logps) - (ref_per_token_logps.clone() - per_token_logps) - 1
loss = (-(per_token_logps * advantages) + 0.04 * kl).mean()
loss.backward()
optimizer.step()
