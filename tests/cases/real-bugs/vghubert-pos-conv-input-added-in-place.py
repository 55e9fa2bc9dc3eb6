# case: vghubert-pos-conv-input-added-in-place
# source: https://github.com/jasonppy/word-discovery/pull/4
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# VG-HuBERT's AudioEncoder (models/audio_encoder.py, a fork of fairseq's wav2vec2). forward(source)
# runs the conv feature extractor, layer norm, post_extract_proj and dropout_input, sets x = features,
# feeds x.transpose(1, 2) to self.pos_conv (an nn.Sequential of a weight-normed Conv1d, SamePad and
# GELU) and then adds the positional conv back with `x += x_conv`. The Conv1d saved its input, a
# transposed view of x -- the PR's "[BS, 768, 399] ... output 0 of AsStridedBackward0". Reduced:
# tiny dims, 2 conv blocks, one Linear standing in for the transformer layers, the weight norm
# through torch.nn.utils.parametrizations (nn.utils.weight_norm is deprecated); names kept.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class SamePad(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.remove = 1 if kernel_size % 2 == 0 else 0

    def forward(self, x):
        if self.remove > 0:
            x = x[:, :, : -self.remove]
        return x


class ConvFeatureExtractionModel(nn.Module):
    def __init__(self, conv_layers):
        super().__init__()
        in_d = 1
        self.conv_layers = nn.ModuleList()
        for dim, k, stride in conv_layers:
            self.conv_layers.append(nn.Sequential(nn.Conv1d(in_d, dim, k, stride=stride, bias=False),
                                                  nn.Dropout(p=0.0), nn.GELU()))
            in_d = dim

    def forward(self, x):
        if len(x.shape) == 2:
            x = x.unsqueeze(1)
        for conv in self.conv_layers:
            x = conv(x)
        return x


class AudioEncoder(nn.Module):
    def __init__(self, conv_feature_layers=((8, 10, 5), (8, 3, 2)), encoder_embed_dim=12,
                 conv_pos=4, conv_pos_groups=2):
        super().__init__()
        self.embed = conv_feature_layers[-1][0]
        self.feature_extractor = ConvFeatureExtractionModel(conv_feature_layers)
        self.post_extract_proj = nn.Linear(self.embed, encoder_embed_dim)
        self.dropout_input = nn.Dropout(0.1)
        self.pos_conv = nn.Conv1d(encoder_embed_dim, encoder_embed_dim, kernel_size=conv_pos,
                                  padding=conv_pos // 2, groups=conv_pos_groups)
        std = math.sqrt(4 / (conv_pos * encoder_embed_dim))
        nn.init.normal_(self.pos_conv.weight, mean=0, std=std)
        nn.init.constant_(self.pos_conv.bias, 0)
        self.pos_conv = nn.utils.parametrizations.weight_norm(self.pos_conv, name="weight", dim=2)
        self.pos_conv = nn.Sequential(self.pos_conv, SamePad(conv_pos), nn.GELU())
        self.layer_norm = nn.LayerNorm(self.embed)
        self.encoder = nn.Linear(encoder_embed_dim, encoder_embed_dim)

    def forward(self, source, padding_mask=None):
        features = self.feature_extractor(source)
        features_pen = features.float().pow(2).mean()
        features = features.transpose(1, 2)
        features = self.layer_norm(features)
        features = self.post_extract_proj(features)
        features = self.dropout_input(features)

        x = features
        x_conv = self.pos_conv(x.transpose(1, 2))
        x_conv = x_conv.transpose(1, 2)
        x += x_conv  # error: IPL003

        features = self.encoder(x)
        return {"features": features, "features_pen": features_pen}


torch.manual_seed(0)
audio_encoder = AudioEncoder().train()
source = torch.randn(2, 400)
out = audio_encoder(source)
loss = out["features"].pow(2).mean() + 0.1 * out["features_pen"]
loss.backward()
