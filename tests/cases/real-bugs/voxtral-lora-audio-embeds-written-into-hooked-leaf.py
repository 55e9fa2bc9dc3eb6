# case: voxtral-lora-audio-embeds-written-into-hooked-leaf
# source: https://github.com/huggingface/transformers/issues/40488
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation."

# transformers, models/voxtral/modeling_voxtral.py (4.55), trained with a PEFT
# LoRA adapter. get_peft_model freezes the base weights and, through
# PeftModel._prepare_model_for_gradient_checkpointing, calls
# model.enable_input_require_grads(), which registers a forward hook on the
# input embedding module that does `output.requires_grad_(True)`. With a
# frozen embedding table the embedding output is a fresh tensor without
# history, so the hook turns it into a leaf that requires grad;
# VoxtralForConditionalGeneration.forward then scatters the audio embeddings
# into it, `inputs_embeds[audio_token_mask] = audio_embeds`, and torch
# refuses the in-place write into a leaf. Kept: the forward's embedding /
# audio-replacement / language-model sequence, get_audio_embeds (encoder
# output reshaped by the projector's intermediate size, then the
# multi-modal projector), enable_input_require_grads' hook. Completed (the
# libraries are not installed): a two-layer stand-in for the Whisper audio
# tower, a one-block Llama-like language model, and a minimal LoRA wrapper /
# get_peft_model doing what PEFT does here (freeze, wrap q_proj/v_proj,
# enable_input_require_grads); tiny sizes and a random batch.
import math
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- transformers.PreTrainedModel (the part used here)
class PreTrainedModel(nn.Module):
    def enable_input_require_grads(self):
        def make_inputs_require_grads(module, input, output):
            output.requires_grad_(True)

        self._require_grads_hook = self.get_input_embeddings().register_forward_hook(make_inputs_require_grads)


# ---- stand-ins for the audio tower and the language model
class AudioEncoder(nn.Module):
    def __init__(self, num_mel_bins, hidden_size):
        super().__init__()
        self.conv1 = nn.Conv1d(num_mel_bins, hidden_size, kernel_size=3, padding=1)
        self.fc = nn.Linear(hidden_size, hidden_size)

    def forward(self, input_features):
        hidden = F.gelu(self.conv1(input_features)).transpose(1, 2)
        return SimpleNamespace(last_hidden_state=self.fc(hidden))


class Attention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.q_proj = nn.Linear(hidden_size, hidden_size, bias=False)
        self.k_proj = nn.Linear(hidden_size, hidden_size, bias=False)
        self.v_proj = nn.Linear(hidden_size, hidden_size, bias=False)
        self.o_proj = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, hidden_states):
        q, k, v = self.q_proj(hidden_states), self.k_proj(hidden_states), self.v_proj(hidden_states)
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.size(-1))
        causal = torch.ones(q.size(1), q.size(1), dtype=torch.bool).tril()
        scores = scores.masked_fill(~causal, float('-inf'))
        return self.o_proj(torch.softmax(scores, dim=-1) @ v)


class LanguageModel(nn.Module):
    def __init__(self, vocab_size, hidden_size):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab_size, hidden_size)
        self.self_attn = Attention(hidden_size)
        self.norm = nn.LayerNorm(hidden_size)
        self.lm_head = nn.Linear(hidden_size, vocab_size, bias=False)

    def get_input_embeddings(self):
        return self.embed_tokens

    def forward(self, inputs_embeds, labels=None):
        hidden = inputs_embeds + self.self_attn(inputs_embeds)
        logits = self.lm_head(self.norm(hidden))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))
        return SimpleNamespace(loss=loss, logits=logits)


# ---- models/voxtral/modeling_voxtral.py
class VoxtralMultiModalProjector(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.linear_1 = nn.Linear(config.audio_config.intermediate_size, config.text_config.hidden_size, bias=False)
        self.act = nn.GELU()
        self.linear_2 = nn.Linear(config.text_config.hidden_size, config.text_config.hidden_size, bias=False)

    def forward(self, audio_features):
        hidden_states = self.linear_1(audio_features)
        hidden_states = self.act(hidden_states)
        hidden_states = self.linear_2(hidden_states)
        return hidden_states


class VoxtralForConditionalGeneration(PreTrainedModel):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.audio_tower = AudioEncoder(config.audio_config.num_mel_bins, config.audio_config.hidden_size)
        self.language_model = LanguageModel(config.text_config.vocab_size, config.text_config.hidden_size)
        self.multi_modal_projector = VoxtralMultiModalProjector(config)

    def get_input_embeddings(self):
        return self.language_model.get_input_embeddings()

    def get_audio_embeds(self, input_features):
        audio_outputs = self.audio_tower(input_features)
        audio_hidden_states = audio_outputs.last_hidden_state
        audio_hidden_states = audio_hidden_states.reshape(-1, self.config.audio_config.intermediate_size)
        audio_embeds = self.multi_modal_projector(audio_hidden_states)
        return audio_embeds

    def forward(self, input_ids=None, input_features=None, labels=None, inputs_embeds=None):
        if inputs_embeds is None:
            inputs_embeds = self.get_input_embeddings()(input_ids)

        if input_features is not None:
            audio_embeds = self.get_audio_embeds(input_features)

            # replace text-audio token placeholders with audio embeddings
            audio_token_mask = input_ids == self.config.audio_token_id
            inputs_embeds[audio_token_mask] = audio_embeds  # error: IPL002

        outputs = self.language_model(inputs_embeds=inputs_embeds, labels=labels)
        return outputs


# ---- minimal stand-in for peft's LoRA on q_proj / v_proj
class LoraLinear(nn.Module):
    def __init__(self, base_layer, r=4, lora_alpha=8):
        super().__init__()
        self.base_layer = base_layer
        self.lora_A = nn.Linear(base_layer.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base_layer.out_features, bias=False)
        nn.init.zeros_(self.lora_B.weight)
        self.scaling = lora_alpha / r

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(x)) * self.scaling


def get_peft_model(model, target_modules=("q_proj", "v_proj")):
    for p in model.parameters():
        p.requires_grad_(False)
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if name in target_modules and isinstance(child, nn.Linear):
                setattr(module, name, LoraLinear(child))
    # PeftModel._prepare_model_for_gradient_checkpointing
    if hasattr(model, "enable_input_require_grads"):
        model.enable_input_require_grads()
    return model


config = SimpleNamespace(
    audio_token_id=3,
    audio_config=SimpleNamespace(num_mel_bins=8, hidden_size=6, intermediate_size=24),
    text_config=SimpleNamespace(vocab_size=32, hidden_size=16),
)
torch.manual_seed(0)
model = VoxtralForConditionalGeneration(config)
model = get_peft_model(model)
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

# 8 mel frames -> 8 encoder states -> 2 audio embeddings (4 frames each) per clip
input_features = torch.randn(1, 8, 8)
input_ids = torch.tensor([[1, 5, 3, 3, 7, 9, 2]])
labels = input_ids.clone()

model.train()
outputs = model(input_ids=input_ids, input_features=input_features, labels=labels)
outputs.loss.backward()
optimizer.step()
