# case: vila-dummy-media-embed-added-to-hooked-text-embeds
# source: https://github.com/NVlabs/VILA/pull/199
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# NVlabs/VILA, llava/model/llava_arch.py `LlavaMetaForCausalLM._embed` and
# `__embed_media_tokens`. When this rank's batch has no image but other ranks' have,
# training builds a dummy image so the vision tower still runs, and then "consumes" its
# embedding with `text_embeds += torch.sum(dummy_embed) * 0`. `text_embeds` is the output
# of the LLM's `embed_tokens`; with the language model frozen (projector stage) and
# gradient checkpointing on, the training script calls `enable_input_require_grads()`,
# whose forward hook does `output.requires_grad_(True)` on that output: a tensor with no
# grad_fn, hence a leaf that requires grad, which `+=` then writes. Kept: `_embed` (its
# dummy, padding-removal, fusion and batchify steps), the dummy branch of
# `__embed_media_tokens` (the all_gather of the other ranks' media shapes replaced by a
# fixed list), transformers' `enable_input_require_grads`; completed: a tiny frozen
# LLM, a trainable projector, a tokenizer stub and the training step.
from collections import defaultdict, deque
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F

IGNORE_INDEX = -100


class TinyLlamaModel(nn.Module):
    def __init__(self, vocab=32, hidden=16):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layer = nn.Linear(hidden, hidden)

    def forward(self, inputs_embeds):
        return torch.tanh(self.layer(inputs_embeds))


class TinyLlamaForCausalLM(nn.Module):
    def __init__(self, vocab=32, hidden=16):
        super().__init__()
        self.model = TinyLlamaModel(vocab, hidden)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)

    def get_input_embeddings(self):
        return self.model.embed_tokens

    def forward(self, inputs_embeds, labels):
        logits = self.lm_head(self.model(inputs_embeds))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=IGNORE_INDEX)


class VisionEncoder(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.vision_tower = nn.Linear(12, 20)
        self.mm_projector = nn.Linear(20, hidden)

    def forward(self, images, config):
        return [self.mm_projector(self.vision_tower(image)) for image in images]


class LlavaLlamaModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.llm = TinyLlamaForCausalLM()
        self.encoders = nn.ModuleDict({"image": VisionEncoder()})
        self.tokenizer = SimpleNamespace(media_token_ids={"image": 31}, padding_side="right", model_max_length=64)

    def enable_input_require_grads(self):
        def make_inputs_require_grads(module, input, output):
            output.requires_grad_(True)

        self._require_grads_hook = self.llm.get_input_embeddings().register_forward_hook(make_inputs_require_grads)

    def _embed(self, input_ids, media, media_config, labels, attention_mask):
        labels = labels if labels is not None else torch.full_like(input_ids, IGNORE_INDEX)
        attention_mask = attention_mask if attention_mask is not None else torch.ones_like(input_ids, dtype=torch.bool)

        # Extract text and media embeddings
        text_embeds = self.llm.model.embed_tokens(input_ids)
        media_embeds = self._embed_media_tokens(media, media_config)

        # This is a workaround to make sure the dummy embeddings are consumed
        while media_embeds.get("dummy"):
            dummy_embed = media_embeds["dummy"].popleft()
            text_embeds += torch.sum(dummy_embed) * 0  # error: IPL001

        # Remove padding
        batch_size = labels.shape[0]
        text_embeds = [text_embeds[k][attention_mask[k]] for k in range(batch_size)]
        labels = [labels[k][attention_mask[k]] for k in range(batch_size)]

        # Build inverse mapping from token ID to media name
        media_tokens = {}
        for name, token_id in self.tokenizer.media_token_ids.items():
            media_tokens[token_id] = name

        # Fuse text and media embeddings
        inputs_m, labels_m = [], []
        for k in range(batch_size):
            inputs_mk, labels_mk = [], []
            pos = 0
            while pos < len(labels[k]):
                if input_ids[k][pos].item() in media_tokens:
                    end = pos + 1
                    name = media_tokens[input_ids[k][pos].item()]
                    input = media_embeds[name].popleft()
                    label = torch.full([input.shape[0]], IGNORE_INDEX, device=labels[k].device, dtype=labels[k].dtype)
                else:
                    end = pos
                    while end < len(labels[k]) and input_ids[k][end].item() not in media_tokens:
                        end += 1
                    input = text_embeds[k][pos:end]
                    label = labels[k][pos:end]
                inputs_mk.append(input)
                labels_mk.append(label)
                pos = end
            inputs_m.append(torch.cat(inputs_mk, dim=0))
            labels_m.append(torch.cat(labels_mk, dim=0))
        return self._batchify_sequence(inputs_m, labels_m)

    def _embed_media_tokens(self, media, media_config):
        embeds = defaultdict(deque)
        for name in media:
            if self.training:
                # Gather metainfo of media objects from all ranks (here: another rank has one image).
                infos = [{"shape": torch.Size([4, 12]), "dtype": torch.float32}]

                # The entire batch does not contain any media objects of this type.
                if not infos:
                    continue

                # Create a dummy tensor to ensure the encoder is called, otherwise the training will hang.
                if media.get(name) is None or len(media[name]) == 0:
                    dummy = torch.zeros(infos[0]["shape"], dtype=infos[0]["dtype"])
                    embeds["dummy"].extend(self.encoders[name]([dummy], media_config[name]))
                    continue
            embeds[name] = deque(self.encoders[name](media[name], media_config[name]))
        return embeds

    def _batchify_sequence(self, inputs, labels):
        batch_size = len(inputs)
        hidden_size = inputs[0].shape[1]
        max_length = max(inputs[k].shape[0] for k in range(batch_size))
        attention_mask = torch.ones((batch_size, max_length), dtype=torch.bool)
        inputs_p, labels_p = [], []
        for k in range(batch_size):
            size_pk = max_length - inputs[k].shape[0]
            inputs_pk = torch.zeros((size_pk, hidden_size), dtype=inputs[k].dtype)
            labels_pk = torch.full((size_pk,), IGNORE_INDEX, dtype=labels[k].dtype)
            attention_mask[k, inputs[k].shape[0]:] = False
            inputs_p.append(torch.cat([inputs[k], inputs_pk], dim=0))
            labels_p.append(torch.cat([labels[k], labels_pk], dim=0))
        return torch.stack(inputs_p, dim=0), torch.stack(labels_p, dim=0), attention_mask

    def forward(self, input_ids, media, media_config, labels, attention_mask=None):
        inputs_embeds, labels, attention_mask = self._embed(input_ids, media, media_config, labels, attention_mask)
        return self.llm(inputs_embeds=inputs_embeds, labels=labels)


model = LlavaLlamaModel()
# Projector stage: the LLM and the vision tower are frozen, only the projector trains.
for p in model.parameters():
    p.requires_grad_(False)
for p in model.encoders["image"].mm_projector.parameters():
    p.requires_grad_(True)
model.enable_input_require_grads()  # gradient checkpointing with a frozen LLM
model.train()
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

input_ids = torch.randint(0, 30, (2, 7))
optimizer.zero_grad()
loss = model(input_ids, media={"image": []}, media_config={"image": {}}, labels=input_ids.clone())
loss.backward()
optimizer.step()
