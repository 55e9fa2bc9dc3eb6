# case: timesnet-forecast-divides-normalized-input-in-place
# source: https://github.com/thuml/Time-Series-Library/issues/699
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Time-Series-Library (thuml), models/TimesNet.py, Model.forecast: the
# "Normalization from Non-stationary Transformer" centres x_enc, computes
# stdev = sqrt(var(x_enc) + 1e-5) from it, then divides in place with
# `x_enc /= stdev`. torch.var saved x_enc for its backward, so the division
# invalidates it. With raw data x_enc does not require grad and nothing
# fails; the reporter extended TimesNet with a trainable layer in
# front of it, so x_enc arrives as a forward parameter that requires grad
# (the DivBackward0 output at version 1). Kept: FFT_for_Period,
# TimesBlock, Inception_Block_V1, DataEmbedding (token, positional and
# timeF embeddings), Model with the long-term forecast path, the
# experiment's loss/backward/step. Completed: the front layer (the issue
# does not show it) is a learnable per-channel affine map, ExtendedTimesNet;
# FFT_for_Period's numpy conversion of the top frequencies is written with
# tolist(); tiny configs and random series.
import math
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.fft


# ---- layers/Conv_Blocks.py
class Inception_Block_V1(nn.Module):
    def __init__(self, in_channels, out_channels, num_kernels=6, init_weight=True):
        super(Inception_Block_V1, self).__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.num_kernels = num_kernels
        kernels = []
        for i in range(self.num_kernels):
            kernels.append(nn.Conv2d(in_channels, out_channels, kernel_size=2 * i + 1, padding=i))
        self.kernels = nn.ModuleList(kernels)
        if init_weight:
            self._initialize_weights()

    def _initialize_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        res_list = []
        for i in range(self.num_kernels):
            res_list.append(self.kernels[i](x))
        res = torch.stack(res_list, dim=-1).mean(-1)
        return res


# ---- layers/Embed.py
class PositionalEmbedding(nn.Module):
    def __init__(self, d_model, max_len=5000):
        super(PositionalEmbedding, self).__init__()
        pe = torch.zeros(max_len, d_model).float()
        pe.require_grad = False
        position = torch.arange(0, max_len).float().unsqueeze(1)
        div_term = (torch.arange(0, d_model, 2).float() * -(math.log(10000.0) / d_model)).exp()
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0)
        self.register_buffer('pe', pe)

    def forward(self, x):
        return self.pe[:, :x.size(1)]


class TokenEmbedding(nn.Module):
    def __init__(self, c_in, d_model):
        super(TokenEmbedding, self).__init__()
        self.tokenConv = nn.Conv1d(in_channels=c_in, out_channels=d_model,
                                   kernel_size=3, padding=1, padding_mode='circular', bias=False)
        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='leaky_relu')

    def forward(self, x):
        x = self.tokenConv(x.permute(0, 2, 1)).transpose(1, 2)
        return x


class TimeFeatureEmbedding(nn.Module):
    def __init__(self, d_model, embed_type='timeF', freq='h'):
        super(TimeFeatureEmbedding, self).__init__()
        freq_map = {'h': 4, 't': 5, 's': 6, 'm': 1, 'a': 1, 'w': 2, 'd': 3, 'b': 3}
        d_inp = freq_map[freq]
        self.embed = nn.Linear(d_inp, d_model, bias=False)

    def forward(self, x):
        return self.embed(x)


class DataEmbedding(nn.Module):
    def __init__(self, c_in, d_model, embed_type='timeF', freq='h', dropout=0.1):
        super(DataEmbedding, self).__init__()
        self.value_embedding = TokenEmbedding(c_in=c_in, d_model=d_model)
        self.position_embedding = PositionalEmbedding(d_model=d_model)
        self.temporal_embedding = TimeFeatureEmbedding(d_model=d_model, embed_type=embed_type, freq=freq)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x, x_mark):
        if x_mark is None:
            x = self.value_embedding(x) + self.position_embedding(x)
        else:
            x = self.value_embedding(x) + self.temporal_embedding(x_mark) + self.position_embedding(x)
        return self.dropout(x)


# ---- models/TimesNet.py
def FFT_for_Period(x, k=2):
    # [B, T, C]
    xf = torch.fft.rfft(x, dim=1)
    # find period by amplitudes
    frequency_list = abs(xf).mean(0).mean(-1)
    frequency_list[0] = 0
    _, top_list = torch.topk(frequency_list, k)
    top_list = top_list.detach().cpu()
    period = [x.shape[1] // f for f in top_list.tolist()]
    return period, abs(xf).mean(-1)[:, top_list]


class TimesBlock(nn.Module):
    def __init__(self, configs):
        super(TimesBlock, self).__init__()
        self.seq_len = configs.seq_len
        self.pred_len = configs.pred_len
        self.k = configs.top_k
        # parameter-efficient design
        self.conv = nn.Sequential(
            Inception_Block_V1(configs.d_model, configs.d_ff,
                               num_kernels=configs.num_kernels),
            nn.GELU(),
            Inception_Block_V1(configs.d_ff, configs.d_model,
                               num_kernels=configs.num_kernels)
        )

    def forward(self, x):
        B, T, N = x.size()
        period_list, period_weight = FFT_for_Period(x, self.k)

        res = []
        for i in range(self.k):
            period = period_list[i]
            # padding
            if (self.seq_len + self.pred_len) % period != 0:
                length = (
                    ((self.seq_len + self.pred_len) // period) + 1) * period
                padding = x[:, -(length - (self.seq_len + self.pred_len)):, :]
                out = torch.cat([x, padding], dim=1)
            else:
                length = (self.seq_len + self.pred_len)
                out = x
            # reshape
            out = out.reshape(B, length // period, period,
                              N).permute(0, 3, 1, 2).contiguous()
            # 2D conv: from 1d Variation to 2d Variation
            out = self.conv(out)
            # reshape back
            out = out.permute(0, 2, 3, 1).reshape(B, -1, N)
            res.append(out[:, :(self.seq_len + self.pred_len), :])
        res = torch.stack(res, dim=-1)
        # adaptive aggregation
        period_weight = F.softmax(period_weight, dim=1)
        period_weight = period_weight.unsqueeze(
            1).unsqueeze(1).repeat(1, T, N, 1)
        res = torch.sum(res * period_weight, -1)
        # residual connection
        res = res + x
        return res


class Model(nn.Module):
    """
    Paper link: https://openreview.net/pdf?id=ju_Uqw384Oq
    """

    def __init__(self, configs):
        super(Model, self).__init__()
        self.configs = configs
        self.task_name = configs.task_name
        self.seq_len = configs.seq_len
        self.label_len = configs.label_len
        self.pred_len = configs.pred_len
        self.model = nn.ModuleList([TimesBlock(configs)
                                   for _ in range(configs.e_layers)])
        self.enc_embedding = DataEmbedding(configs.enc_in, configs.d_model, configs.embed, configs.freq,
                                           configs.dropout)
        self.layer = configs.e_layers
        self.layer_norm = nn.LayerNorm(configs.d_model)
        if self.task_name == 'long_term_forecast' or self.task_name == 'short_term_forecast':
            self.predict_linear = nn.Linear(
                self.seq_len, self.pred_len + self.seq_len)
            self.projection = nn.Linear(
                configs.d_model, configs.c_out, bias=True)

    def forecast(self, x_enc, x_mark_enc, x_dec, x_mark_dec):
        # Normalization from Non-stationary Transformer
        means = x_enc.mean(1, keepdim=True).detach()
        x_enc = x_enc - means
        stdev = torch.sqrt(
            torch.var(x_enc, dim=1, keepdim=True, unbiased=False) + 1e-5)
        x_enc /= stdev  # error: IPL003

        # embedding
        enc_out = self.enc_embedding(x_enc, x_mark_enc)  # [B,T,C]
        enc_out = self.predict_linear(enc_out.permute(0, 2, 1)).permute(
            0, 2, 1)  # align temporal dimension
        # TimesNet
        for i in range(self.layer):
            enc_out = self.layer_norm(self.model[i](enc_out))
        # porject back
        dec_out = self.projection(enc_out)

        # De-Normalization from Non-stationary Transformer
        dec_out = dec_out * \
            (stdev[:, 0, :].unsqueeze(1).repeat(
                1, self.pred_len + self.seq_len, 1))
        dec_out = dec_out + \
            (means[:, 0, :].unsqueeze(1).repeat(
                1, self.pred_len + self.seq_len, 1))
        return dec_out

    def forward(self, x_enc, x_mark_enc, x_dec, x_mark_dec, mask=None):
        if self.task_name == 'long_term_forecast' or self.task_name == 'short_term_forecast':
            dec_out = self.forecast(x_enc, x_mark_enc, x_dec, x_mark_dec)
            return dec_out[:, -self.pred_len:, :]  # [B, L, D]
        return None


# ---- the reporter's extension: a trainable layer in front of TimesNet
class LearnableInputScaler(nn.Module):
    def __init__(self, enc_in):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1, 1, enc_in))
        self.bias = nn.Parameter(torch.zeros(1, 1, enc_in))

    def forward(self, x):
        return x * self.weight + self.bias


class ExtendedTimesNet(nn.Module):
    def __init__(self, configs):
        super().__init__()
        self.pre = LearnableInputScaler(configs.enc_in)
        self.timesnet = Model(configs)

    def forward(self, x_enc, x_mark_enc, x_dec, x_mark_dec):
        x_enc = self.pre(x_enc)
        return self.timesnet(x_enc, x_mark_enc, x_dec, x_mark_dec)


configs = SimpleNamespace(task_name='long_term_forecast', seq_len=16, label_len=8, pred_len=8,
                          top_k=2, d_model=8, d_ff=8, num_kernels=2, e_layers=1, enc_in=3, c_out=3,
                          embed='timeF', freq='h', dropout=0.1)
torch.manual_seed(0)
model = ExtendedTimesNet(configs)
model_optim = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.MSELoss()

batch_x = torch.randn(4, configs.seq_len, configs.enc_in)
batch_y = torch.randn(4, configs.label_len + configs.pred_len, configs.enc_in)
batch_x_mark = torch.randn(4, configs.seq_len, 4)
batch_y_mark = torch.randn(4, configs.label_len + configs.pred_len, 4)

# exp/exp_long_term_forecasting.py, one training step
model_optim.zero_grad()
dec_inp = torch.zeros_like(batch_y[:, -configs.pred_len:, :]).float()
dec_inp = torch.cat([batch_y[:, :configs.label_len, :], dec_inp], dim=1).float()
outputs = model(batch_x, batch_x_mark, dec_inp, batch_y_mark)
f_dim = 0
outputs = outputs[:, -configs.pred_len:, f_dim:]
batch_y = batch_y[:, -configs.pred_len:, f_dim:]
loss = criterion(outputs, batch_y)
loss.backward()
model_optim.step()
