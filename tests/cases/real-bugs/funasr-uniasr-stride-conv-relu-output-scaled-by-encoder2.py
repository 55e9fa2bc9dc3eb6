# case: funasr-uniasr-stride-conv-relu-output-scaled-by-encoder2
# source: https://github.com/modelscope/FunASR/issues/312
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# FunASR, fine-tuning the 2-pass UniASR model (speech_UniASR_asr_2pass-zh-cn-8k): backward fails on "output 0 of
# ReluBackward0 ... is at version 1; expected version 0". UniASR.encode2 feeds the first encoder's output (concatenated
# with the raw features) to self.stride_conv, a Conv1dSubsampling whose forward returns F.relu(self.conv(x)) transposed
# back to (b, t, d) -- a view of the ReLU output, which ReLU saved for backward. That view is the `xs_pad` parameter of
# the second SANM encoder, whose forward starts with `xs_pad *= self.output_size()**0.5`: the in-place scale rewrites
# the saved ReLU output. (The same line in the first encoder scales the raw features, which need no grad.) The
# reporter's workaround was F.leaky_relu(..., negative_slope=0.) in Conv1dSubsampling (see the look-alike).
# Kept: Conv1dSubsampling.forward, the start of SANMEncoder.forward (pad mask, in-place scale, optional embed),
# UniASR.encode/encode2 (speech_raw clone, concatenation, stride_conv, encoder2). Reduced: the SANM blocks are one
# Linear + LayerNorm, overlap_chunk_cls.remove_chunk is the identity, the decoders/predictors/CTC are replaced by a
# frame classifier with cross-entropy; small sizes, random features.
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_pad_mask(lengths):
    max_len = int(lengths.max())
    seq_range = torch.arange(max_len).unsqueeze(0)
    return seq_range >= lengths.unsqueeze(1)


class Conv1dSubsampling(torch.nn.Module):
    def __init__(self, idim, odim, kernel_size, stride, pad):
        super(Conv1dSubsampling, self).__init__()
        self.conv = torch.nn.Conv1d(idim, odim, kernel_size, stride)
        self.pad_fn = torch.nn.ConstantPad1d(pad, 0.0)
        self.stride = stride
        self.odim = odim

    def output_size(self) -> int:
        return self.odim

    def forward(self, x, x_len):
        """Subsample x.

        """
        x = x.transpose(1, 2)  # (b, d ,t)
        x = self.pad_fn(x)
        x = F.relu(self.conv(x))
        x = x.transpose(1, 2)  # (b, t ,d)

        if x_len is None:

            return x, None
        x_len = (x_len - 1) // self.stride + 1
        return x, x_len


class SANMEncoder(nn.Module):
    def __init__(self, input_size, output_size, input_layer=None):
        super().__init__()
        self._output_size = output_size
        self.embed = nn.Linear(input_size, output_size) if input_layer == "linear" else None
        self.encoders = nn.Sequential(nn.Linear(output_size, output_size), nn.LayerNorm(output_size))

    def output_size(self) -> int:
        return self._output_size

    def forward(self, xs_pad, ilens, prev_states=None, ind=0):
        masks = (~make_pad_mask(ilens)[:, None, :]).to(xs_pad.device)
        xs_pad *= self.output_size()**0.5  # error: IPL003
        if self.embed is None:
            xs_pad = xs_pad
        else:
            xs_pad = self.embed(xs_pad)
        xs_pad = self.encoders(xs_pad) * masks.transpose(1, 2)
        olens = masks.squeeze(1).sum(1)
        return xs_pad, olens, None


class UniASR(nn.Module):
    def __init__(self, feat_dim, vocab_size, encoder, encoder2, stride_conv):
        super().__init__()
        self.encoder = encoder
        self.encoder2 = encoder2
        self.stride_conv = stride_conv
        self.ctc_lo = nn.Linear(encoder2.output_size(), vocab_size)
        self.encoder1_encoder2_joint_training = True

    def encode(self, speech, speech_lengths, ind=0):
        feats, feats_lengths = speech, speech_lengths
        speech_raw = feats.clone().to(feats.device)
        encoder_out, encoder_out_lens, _ = self.encoder(feats, feats_lengths, ind=ind)
        return speech_raw, encoder_out, encoder_out_lens

    def encode2(self, encoder_out, encoder_out_lens, speech, speech_lengths, ind=0):
        encoder_out_rm, encoder_out_lens_rm = encoder_out, encoder_out_lens  # overlap_chunk_cls.remove_chunk
        # residual_input
        encoder_out = torch.cat((speech, encoder_out_rm), dim=-1)
        encoder_out_lens = encoder_out_lens_rm
        if self.stride_conv is not None:
            speech, speech_lengths = self.stride_conv(encoder_out, encoder_out_lens)
        if not self.encoder1_encoder2_joint_training:
            speech = speech.detach()
            speech_lengths = speech_lengths.detach()
        encoder_out, encoder_out_lens, _ = self.encoder2(speech, speech_lengths, ind=ind)
        return encoder_out, encoder_out_lens

    def forward(self, speech, speech_lengths, text):
        speech_raw, encoder_out, encoder_out_lens = self.encode(speech, speech_lengths)
        encoder_out, encoder_out_lens = self.encode2(encoder_out, encoder_out_lens, speech_raw, speech_lengths)
        logits = self.ctc_lo(encoder_out)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), text.reshape(-1))


torch.manual_seed(0)
feat_dim, d_model, vocab = 8, 16, 11
encoder = SANMEncoder(feat_dim, d_model, input_layer="linear")
stride_conv = Conv1dSubsampling(feat_dim + d_model, d_model, kernel_size=3, stride=1, pad=(1, 1))
encoder2 = SANMEncoder(d_model, d_model, input_layer=None)
model = UniASR(feat_dim, vocab, encoder, encoder2, stride_conv)

speech = torch.randn(2, 12, feat_dim)
speech_lengths = torch.tensor([12, 10])
text = torch.randint(0, vocab, (2, 12))

model.train()
loss = model(speech, speech_lengths, text)
loss.backward()
