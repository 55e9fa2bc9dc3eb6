# case: fast-transformers-recurrent-linear-attention-state-accumulated-in-place
# source: https://github.com/idiap/fast-transformers/pull/10
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# fast-transformers (idiap), RecurrentLinearAttention: the autoregressive
# form of linear attention keeps a state [Si, Zi] that the caller passes
# back in at the next step. forward() updates it with `Zi += K` and
# `Si += torch.einsum("nhd,nhm->nhdm", K, value)`, then reads it in the
# normaliser einsum and the output einsum, which save it. The PR reports the
# "modified by an inplace operation" error "when chaining the transformer's
# output to other modules" (i.e. training through the recurrent steps): the
# second step's `Zi += K` overwrites the state the first step's einsums
# saved. Kept: RecurrentLinearAttention.forward as it was before the PR
# (state init with new_zeros, batch-size check, in-place state update,
# normaliser and output einsums, `return V, [Si, Zi]`), the elu feature map.
# Completed: a tiny single-layer recurrent decoder (token embedding,
# per-head q/k/v projections, output head) unrolled over a short random
# sequence and trained with cross-entropy; check_state reduced to its
# state/memory fallback.
import torch
from torch.nn import Module
import torch.nn as nn
import torch.nn.functional as F


def check_state(state=None, memory=None):
    if memory is not None:
        return memory
    return state


class ActivationFunctionFeatureMap(Module):
    def __init__(self, query_dims, activation_function):
        super().__init__()
        self.query_dims = query_dims
        self.activation_function = activation_function

    def new_feature_map(self):
        return

    def forward_queries(self, x):
        return self.activation_function(x)

    def forward_keys(self, x):
        return self.activation_function(x)


def elu_feature_map(query_dims):
    return ActivationFunctionFeatureMap(query_dims, lambda x: F.elu(x) + 1)


class RecurrentLinearAttention(Module):
    """Implement fast_transformers.attention.causal_linear_attention as a
    fixed-dimensional state recurrent model."""
    def __init__(self, query_dimensions, feature_map=None, eps=1e-6):
        super(RecurrentLinearAttention, self).__init__()
        self.feature_map = (
            feature_map(query_dimensions) if feature_map else
            elu_feature_map(query_dimensions)
        )
        self.eps = eps

    def forward(self, query, key, value, state=None, memory=None):
        # Normalize state/memory
        state = check_state(state, memory)

        # If this is a new sequence reinitialize the feature map
        if state is None:
            self.feature_map.new_feature_map()

        # Apply the feature map to the query and key
        Q = self.feature_map.forward_queries(query)
        K = self.feature_map.forward_keys(key)

        # Extract some shapes
        N, H, D = Q.shape
        _, _, M = value.shape

        # Extract the memory or initialize it
        if state is None:
            Si = query.new_zeros((N, H, D, M))
            Zi = query.new_zeros((N, H, D))
        else:
            Si, Zi = state

        # Ensure the batch size did not change
        if len(Si) != N:
            raise ValueError("The batch size changed during iteration")

        # Update the internal state
        Zi += K  # error: IPL003
        Si += torch.einsum("nhd,nhm->nhdm", K, value)  # error: IPL003

        # Compute the output
        Z = 1. / (torch.einsum("nhd,nhd->nh", Q, Zi) + self.eps)
        V = torch.einsum("nhd,nhdm,nh->nhm", Q, Si, Z)

        return V, [Si, Zi]


class TinyRecurrentDecoder(nn.Module):
    def __init__(self, vocab, d_model=16, n_heads=2):
        super().__init__()
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.embed = nn.Embedding(vocab, d_model)
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.attention = RecurrentLinearAttention(self.d_head)
        self.out = nn.Linear(d_model, vocab)

    def forward(self, token, state=None):
        x = self.embed(token)
        N = x.size(0)
        q = self.q(x).view(N, self.n_heads, self.d_head)
        k = self.k(x).view(N, self.n_heads, self.d_head)
        v = self.v(x).view(N, self.n_heads, self.d_head)
        y, state = self.attention(q, k, v, state=state)
        return self.out(y.reshape(N, -1) + x), state


torch.manual_seed(0)
vocab = 11
model = TinyRecurrentDecoder(vocab)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
tokens = torch.randint(0, vocab, (3, 5))
state = None
loss = 0
for t in range(tokens.size(1) - 1):
    logits, state = model(tokens[:, t], state)
    loss = loss + F.cross_entropy(logits, tokens[:, t + 1])
optimizer.zero_grad()
loss.backward()
optimizer.step()
