# case: minicpmo-vllm-embedding-scatter-after-input-grad-hook
# source: https://github.com/OpenBMB/MiniCPM-V/issues/730
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# MiniCPM-o 2.6 fine-tuned with LoRA through LLaMA-Factory. `get_vllm_embedding` is the
# reporter's code (modeling_minicpmo.py); the language model is a Qwen2 model, whose
# config has no `scale_emb`, so `vllm_embedding` is the raw output of the frozen
# `embed_tokens`. LLaMA-Factory enables gradient checkpointing and calls
# `enable_input_require_grads()` (transformers' code, kept here), a forward hook that
# does `output.requires_grad_(True)` on the embedding output: the output of a frozen
# embedding has no grad_fn, so the hook turns it into a leaf that requires grad.
# `vllm_embedding[i]` is a view of that leaf and `scatter_` writes into it (the `+=` of
# the branch for a sample without image bounds is the same write, marked too).
# Completed minimally: a 1-layer "LLM" with a frozen linear plus a LoRA delta, a linear
# vision encoder and resampler, one sample with one image slot, and the training step.
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F


class Qwen2Model(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layer = nn.Linear(hidden, hidden)
        self.lora_A = nn.Linear(hidden, 4, bias=False)
        self.lora_B = nn.Linear(4, hidden, bias=False)

    def forward(self, inputs_embeds):
        return torch.tanh(self.layer(inputs_embeds) + self.lora_B(self.lora_A(inputs_embeds)))


class Qwen2ForCausalLM(nn.Module):
    def __init__(self, vocab=32, hidden=16):
        super().__init__()
        self.config = SimpleNamespace(hidden_size=hidden)
        self.model = Qwen2Model(vocab, hidden)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)

    def get_input_embeddings(self):
        return self.model.embed_tokens

    def forward(self, input_ids=None, position_ids=None, inputs_embeds=None, labels=None):
        logits = self.lm_head(self.model(inputs_embeds))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1))


class MiniCPMO(nn.Module):
    def __init__(self):
        super().__init__()
        self.llm = Qwen2ForCausalLM()
        self.vpm = nn.Linear(12, 20)
        self.resampler = nn.Linear(20, self.llm.config.hidden_size)

    def enable_input_require_grads(self):
        def make_inputs_require_grads(module, input, output):
            output.requires_grad_(True)

        self._require_grads_hook = self.llm.get_input_embeddings().register_forward_hook(make_inputs_require_grads)

    def get_vision_embedding(self, pixel_values):
        return [self.resampler(self.vpm(p)) for p in pixel_values]

    def get_vllm_embedding(self, data):
        if "vision_hidden_states" not in data:
            vision_hidden_states = self.get_vision_embedding(data["pixel_values"])
        else:
            vision_hidden_states = data["vision_hidden_states"]

        if hasattr(self.llm.config, "scale_emb"):
            vllm_embedding = self.llm.model.embed_tokens(data["input_ids"]) * self.llm.config.scale_emb
        else:
            vllm_embedding = self.llm.model.embed_tokens(data["input_ids"])

        vision_hidden_states = [
            i.type(vllm_embedding.dtype) if isinstance(i, torch.Tensor) else i for i in vision_hidden_states
        ]

        bs = len(data["input_ids"])
        for i in range(bs):
            cur_vs_hs = vision_hidden_states[i]
            if len(cur_vs_hs) > 0:
                cur_vllm_emb = vllm_embedding[i]
                cur_image_bound = data["image_bound"][i]
                if len(cur_image_bound) > 0:
                    image_indices = torch.stack(
                        [torch.arange(r[0], r[1], dtype=torch.long) for r in cur_image_bound]
                    ).to(vllm_embedding.device)

                    cur_vllm_emb.scatter_(  # error: IPL002
                        0,
                        image_indices.view(-1, 1).repeat(1, cur_vllm_emb.shape[-1]),
                        cur_vs_hs.view(-1, cur_vs_hs.shape[-1]),
                    )
                elif self.training:
                    cur_vllm_emb += cur_vs_hs[0].mean() * 0  # error: IPL002

        return vllm_embedding, vision_hidden_states

    def forward(self, data, **kwargs):
        vllm_embedding, vision_hidden_states = self.get_vllm_embedding(data)
        position_ids = data["position_ids"]
        if position_ids.dtype != torch.int64:
            position_ids = position_ids.long()
        for key in ["input_ids", "inputs_embeds", "position_ids"]:
            if key in kwargs:
                del kwargs[key]
        return self.llm(input_ids=None, position_ids=position_ids, inputs_embeds=vllm_embedding, **kwargs)


model = MiniCPMO()
# LoRA on the LLM: the base weights (embedding included) are frozen.
for name, p in model.llm.named_parameters():
    p.requires_grad_("lora_" in name)
model.enable_input_require_grads()
model.train()
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

input_ids = torch.randint(0, 32, (1, 10))
data = {
    "input_ids": input_ids,
    "pixel_values": [torch.randn(4, 12)],
    "image_bound": [torch.tensor([[2, 6]])],
    "position_ids": torch.arange(10).unsqueeze(0),
}

optimizer.zero_grad()
loss = model(data, labels=input_ids)
loss.backward()
optimizer.step()
