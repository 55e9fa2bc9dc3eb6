# case: swift-internvl-input-embeds-scatter
# source: https://github.com/modelscope/ms-swift/issues/6753
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# Training an InternVLChat model with ms-swift's `internvl3_5` template failed with
# "a leaf Variable that requires grad is being used in an in-place operation"; the
# reporter's fix was `inputs_embeds = inputs_embeds.clone()`.  InternVLChat.forward
# embeds the text, reshapes to (B*N, C) and scatters the ViT features into the
# image-context positions with an indexed assignment.  With a frozen LLM and gradient
# checkpointing, the trainer calls `enable_input_require_grads()`, whose forward hook makes
# the embedding output a *leaf* that requires grad; the scatter then writes into a view
# of that leaf.
# Kept: `input_embeds = self.language_model.get_input_embeddings()(input_ids)`, the
# reshape to (B*N, C), `selected = (input_ids == self.img_context_token_id)` and
# `input_embeds[selected] = input_embeds[selected] * 0.0 + vit_embeds.reshape(-1, C)`.
# Completed: tiny vision tower / mlp1 / LLM stand-ins, the hook as transformers defines
# it, a frozen LLM, fake ids containing image-context tokens.  Because of the reshape the
# write lands in a *view* of the leaf, so current torch words the error "a view of a leaf
# Variable ..." (the screenshot in the issue shows the plain "a leaf Variable" wording).
import torch
import torch.nn as nn


class TinyLLM(nn.Module):
    def __init__(self, vocab=20, dim=8):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.lm_head = nn.Linear(dim, vocab)

    def get_input_embeddings(self):
        return self.embed_tokens

    def enable_input_require_grads(self):
        def make_inputs_require_grads(module, input, output):
            output.requires_grad_(True)

        self.get_input_embeddings().register_forward_hook(make_inputs_require_grads)

    def forward(self, inputs_embeds):
        return self.lm_head(inputs_embeds)


class InternVLChatModel(nn.Module):
    def __init__(self, img_context_token_id=19, dim=8):
        super().__init__()
        self.vision_model = nn.Linear(12, 16)
        self.mlp1 = nn.Sequential(nn.Linear(16, dim), nn.GELU())
        self.language_model = TinyLLM(dim=dim)
        self.img_context_token_id = img_context_token_id

    def extract_feature(self, pixel_values):
        return self.mlp1(self.vision_model(pixel_values))

    def forward(self, pixel_values, input_ids):
        vit_embeds = self.extract_feature(pixel_values)
        input_embeds = self.language_model.get_input_embeddings()(input_ids)
        B, N, C = input_embeds.shape
        input_embeds = input_embeds.reshape(B * N, C)
        input_ids = input_ids.reshape(B * N)
        selected = (input_ids == self.img_context_token_id)
        input_embeds[selected] = input_embeds[selected] * 0.0 + vit_embeds.reshape(-1, C)  # error: IPL002
        input_embeds = input_embeds.reshape(B, N, C)
        return self.language_model(inputs_embeds=input_embeds)


model = InternVLChatModel()
for p in model.language_model.parameters():      # freeze the LLM, train vision + mlp1
    p.requires_grad_(False)
model.language_model.enable_input_require_grads()  # done by the trainer for grad checkpointing

input_ids = torch.tensor([[1, 19, 19, 5, 6], [2, 19, 19, 7, 8]])
pixel_values = torch.randn(4, 12)                   # 2 image tokens per sample
logits = model(pixel_values, input_ids)
logits.logsumexp(-1).mean().backward()
