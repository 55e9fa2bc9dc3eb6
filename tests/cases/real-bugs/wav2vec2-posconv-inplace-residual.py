# case: wav2vec2-posconv-inplace-residual
# source: https://github.com/dobby-seo/Wav2Keyword/pull/9
# expect: markers
# torch: raises "modified by an inplace operation"

# dobby-seo/Wav2Keyword (keyword spotting on wav2vec 2.0) PR #9: fairseq's
# TransformerEncoder.extract_features in models/wav2vec/wav2vec2.py computes
# x_conv = self.pos_conv(x.transpose(1, 2)), where pos_conv is an nn.Sequential(weight-normed
# Conv1d, SamePad, GELU) built in __init__; the Conv1d saves its input, a transpose VIEW of x.
# Then `x += x_conv` writes x in place, bumping the version of that saved view, and backward
# fails (torch >= 1.11 in the PR). Reduced: 16-dim encoder, 1 layer, a mean-pool keyword head
# over random conv features. IPL003 on the `x += x_conv` line.
import math
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F


class SamePad(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.remove = kernel_size % 2 == 0

    def forward(self, x):
        if self.remove:
            x = x[:, :, :-1]
        return x


class TransformerSentenceEncoderLayer(nn.Module):
    def __init__(self, embedding_dim, ffn_embedding_dim, num_attention_heads, dropout=0.0):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(embedding_dim, num_attention_heads, dropout=dropout)
        self.self_attn_layer_norm = nn.LayerNorm(embedding_dim)
        self.fc1 = nn.Linear(embedding_dim, ffn_embedding_dim)
        self.fc2 = nn.Linear(ffn_embedding_dim, embedding_dim)
        self.final_layer_norm = nn.LayerNorm(embedding_dim)

    def forward(self, x, self_attn_padding_mask=None):
        residual = x
        x, attn = self.self_attn(x, x, x, key_padding_mask=self_attn_padding_mask, need_weights=False)
        x = self.self_attn_layer_norm(residual + x)
        residual = x
        x = self.fc2(F.gelu(self.fc1(x)))
        x = self.final_layer_norm(residual + x)
        return x, attn


class TransformerEncoder(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.dropout = args.dropout
        self.embedding_dim = args.encoder_embed_dim
        self.pos_conv = nn.Conv1d(
            self.embedding_dim,
            self.embedding_dim,
            kernel_size=args.conv_pos,
            padding=args.conv_pos // 2,
            groups=args.conv_pos_groups,
        )
        dropout = 0
        std = math.sqrt((4 * (1.0 - dropout)) / (args.conv_pos * self.embedding_dim))
        nn.init.normal_(self.pos_conv.weight, mean=0, std=std)
        nn.init.constant_(self.pos_conv.bias, 0)

        self.pos_conv = nn.utils.weight_norm(self.pos_conv, name="weight", dim=2)
        self.pos_conv = nn.Sequential(self.pos_conv, SamePad(args.conv_pos), nn.GELU())

        self.layers = nn.ModuleList(
            [TransformerSentenceEncoderLayer(self.embedding_dim, args.encoder_ffn_embed_dim,
                                             args.encoder_attention_heads, self.dropout)
             for _ in range(args.encoder_layers)]
        )
        self.layer_norm_first = args.layer_norm_first
        self.layer_norm = nn.LayerNorm(self.embedding_dim)

    def forward(self, x, padding_mask=None):
        x = self.extract_features(x, padding_mask)
        if self.layer_norm_first:
            x = self.layer_norm(x)
        return x

    def extract_features(self, x, padding_mask=None):
        if padding_mask is not None:
            x[padding_mask] = 0

        x_conv = self.pos_conv(x.transpose(1, 2))
        x_conv = x_conv.transpose(1, 2)
        x += x_conv  # error: IPL003

        if not self.layer_norm_first:
            x = self.layer_norm(x)

        x = F.dropout(x, p=self.dropout, training=self.training)

        # B x T x C -> T x B x C
        x = x.transpose(0, 1)
        for i, layer in enumerate(self.layers):
            x, z = layer(x, self_attn_padding_mask=padding_mask)

        # T x B x C -> B x T x C
        x = x.transpose(0, 1)
        return x


class KeywordSpotter(nn.Module):
    """Wav2Keyword-style head: wav2vec2 context network features -> mean pool -> classes."""

    def __init__(self, args, n_class=4):
        super().__init__()
        self.post_extract_proj = nn.Linear(args.feat_dim, args.encoder_embed_dim)
        self.layer_norm = nn.LayerNorm(args.feat_dim)
        self.encoder = TransformerEncoder(args)
        self.decoder = nn.Linear(args.encoder_embed_dim, n_class)

    def forward(self, features):
        x = self.layer_norm(features)
        x = self.post_extract_proj(x)
        x = self.encoder(x)
        return self.decoder(x.mean(dim=1))


torch.manual_seed(0)
args = SimpleNamespace(dropout=0.0, encoder_embed_dim=16, conv_pos=4, conv_pos_groups=2,
                       encoder_ffn_embed_dim=32, encoder_attention_heads=2, encoder_layers=1,
                       layer_norm_first=False, feat_dim=8)
model = KeywordSpotter(args)
model.train()
features = torch.randn(3, 10, 8)      # (B, T, C) conv feature-extractor output
labels = torch.tensor([0, 2, 3])
loss = F.cross_entropy(model(features), labels)
loss.backward()
