# case: torchgeo-ltae-inplace-dropout-after-relu-and-softmax
# source: https://github.com/torchgeo/torchgeo/issues/3735
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# torchgeo's L-TAE (lightweight temporal attention encoder for satellite
# image time series). The issue: `loss.backward()` fails with "[128, 32],
# which is output 0 of ReluBackward0, is at version 2"; torchgeo's port had
# given the nn.Dropout layers `inplace=True` "to reduce memory", the
# reference implementation (VSainteuf/lightweight-temporal-attention-pytorch)
# does not; the fix (PR #3737) removes `inplace=True`. The in-place
# dropouts sit right after ops that save their output: LTAE.forward applies
# self.dropout to the output of self.mlp (an nn.Sequential ending in ReLU),
# and ScaledDotProductAttention applies its dropout to the softmax
# attention. Kept: LTAE, MultiHeadAttention (learned master query, shared
# key projection, value split into heads), ScaledDotProductAttention,
# the sinusoid position table, the reproduction sizes
# (in_channels=16, d_model=16, n_head=4, n_neurons=(16, 32),
# len_max_seq=5). Completed: torch instead of numpy for the sinusoid table,
# a small optimizer step; which two Dropout layers carried inplace=True is
# inferred from the thread (both are marked).
import copy
import math

import torch
import torch.nn as nn
from torch import Tensor


def get_sinusoid_encoding_table(positions: int, d_hid: int, T: int = 1000) -> Tensor:
    """Sinusoid position encoding table."""
    pos = torch.arange(positions, dtype=torch.float32).unsqueeze(1)
    hid = torch.arange(d_hid, dtype=torch.float32).unsqueeze(0)
    table = pos / torch.pow(torch.tensor(float(T)), 2 * torch.div(hid, 2, rounding_mode='floor') / d_hid)
    table[:, 0::2] = torch.sin(table[:, 0::2])
    table[:, 1::2] = torch.cos(table[:, 1::2])
    return table


class ScaledDotProductAttention(nn.Module):
    """Scaled Dot-Product Attention."""

    def __init__(self, temperature: float, attn_dropout: float = 0.1) -> None:
        super().__init__()
        self.temperature = temperature
        self.dropout = nn.Dropout(attn_dropout, inplace=True)
        self.softmax = nn.Softmax(dim=2)

    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        attn = torch.matmul(q.unsqueeze(1), k.transpose(1, 2))
        attn = attn / self.temperature
        attn = self.softmax(attn)
        attn = self.dropout(attn)  # error: IPL003
        output = torch.matmul(attn, v)
        return output, attn


class MultiHeadAttention(nn.Module):
    """Multi-Head Attention module with a learned master query."""

    def __init__(self, n_head: int, d_k: int, d_in: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.d_k = d_k
        self.d_in = d_in

        self.Q = nn.Parameter(torch.zeros((n_head, d_k)))
        nn.init.normal_(self.Q, mean=0, std=math.sqrt(2.0 / d_k))

        self.fc1_k = nn.Linear(d_in, n_head * d_k)
        nn.init.normal_(self.fc1_k.weight, mean=0, std=math.sqrt(2.0 / d_k))

        self.attention = ScaledDotProductAttention(temperature=d_k ** 0.5)

    def forward(self, q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        d_k, d_in, n_head = self.d_k, self.d_in, self.n_head
        sz_b, seq_len, _ = q.size()

        q = torch.stack([self.Q for _ in range(sz_b)], dim=1).view(-1, d_k)  # (n*b) x d_k

        k = self.fc1_k(v).view(sz_b, seq_len, n_head, d_k)
        k = k.permute(2, 0, 1, 3).contiguous().view(-1, seq_len, d_k)  # (n*b) x lk x dk

        v = torch.stack(v.split(v.shape[-1] // n_head, dim=-1)).view(n_head * sz_b, seq_len, -1)
        output, attn = self.attention(q, k, v)
        attn = attn.view(n_head, sz_b, 1, seq_len)
        attn = attn.squeeze(dim=2)

        output = output.view(n_head, sz_b, 1, d_in // n_head)
        output = output.squeeze(dim=2)
        return output, attn


class LTAE(nn.Module):
    """Lightweight Temporal Attention Encoder (L-TAE)."""

    def __init__(
        self,
        in_channels: int = 128,
        n_head: int = 16,
        d_k: int = 8,
        n_neurons: tuple[int, ...] = (256, 128),
        dropout: float = 0.2,
        d_model: int | None = 256,
        T: int = 1000,
        len_max_seq: int = 24,
        positions: list[int] | None = None,
        return_att: bool = False,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.positions = positions
        self.n_neurons = copy.deepcopy(list(n_neurons))
        self.return_att = return_att
        self.len_max_seq = len_max_seq

        n_positions = self.len_max_seq + 1 if positions is None else len(positions)

        if d_model is not None:
            self.d_model = d_model
            self.inconv = nn.Sequential(
                nn.Conv1d(in_channels, d_model, 1),
                nn.LayerNorm((d_model, len_max_seq)),
            )
        else:
            self.d_model = in_channels
            self.inconv = None

        sin_tab = get_sinusoid_encoding_table(n_positions, self.d_model // n_head, T=T)
        self.position_enc = nn.Embedding.from_pretrained(
            torch.cat([sin_tab for _ in range(n_head)], dim=1), freeze=True
        )

        self.inlayernorm = nn.LayerNorm(self.in_channels)
        self.outlayernorm = nn.LayerNorm(n_neurons[-1])

        self.attention_heads = MultiHeadAttention(n_head=n_head, d_k=d_k, d_in=self.d_model)

        assert self.n_neurons[0] == self.d_model

        activation = nn.ReLU()
        layers: list[nn.Module] = []
        for i in range(len(self.n_neurons) - 1):
            layers.extend(
                [
                    nn.Linear(self.n_neurons[i], self.n_neurons[i + 1]),
                    nn.BatchNorm1d(self.n_neurons[i + 1]),
                    activation,
                ]
            )
        self.mlp = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout, inplace=True)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        sz_b, seq_len, d = x.shape
        x = self.inlayernorm(x)

        if self.inconv is not None:
            x = self.inconv(x.permute(0, 2, 1)).permute(0, 2, 1)

        if self.positions is None:
            src_pos = torch.arange(1, seq_len + 1, dtype=torch.long).expand(sz_b, seq_len)
        else:
            src_pos = torch.arange(0, seq_len, dtype=torch.long).expand(sz_b, seq_len)
        enc_output = x + self.position_enc(src_pos)

        enc_output, attn = self.attention_heads(enc_output, enc_output, enc_output)

        enc_output = enc_output.permute(1, 0, 2).contiguous().view(sz_b, -1)  # Concatenate heads

        enc_output = self.outlayernorm(self.dropout(self.mlp(enc_output)))  # error: IPL003

        if self.return_att:
            return enc_output, attn
        return enc_output


torch.manual_seed(0)
model = LTAE(in_channels=16, d_model=16, n_head=4, n_neurons=(16, 32), len_max_seq=5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(2, 5, 16)
model.train()
y = model(x)
loss = y.mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
