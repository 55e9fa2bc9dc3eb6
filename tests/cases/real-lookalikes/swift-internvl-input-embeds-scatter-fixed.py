# case: swift-internvl-input-embeds-scatter-fixed
# source: https://github.com/modelscope/ms-swift/issues/6753
# expect: clean
# torch: clean
# check: model.mlp1[0].weight.grad is not None and model.mlp1[0].weight.grad.abs().sum() > 0

# The reporter's fix: `input_embeds = input_embeds.clone()` before the scatter, so the
# indexed assignment writes into a fresh non-leaf tensor instead of a view of the leaf
# produced by the enable_input_require_grads hook.
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
        input_embeds = input_embeds.clone()
        B, N, C = input_embeds.shape
        input_embeds = input_embeds.reshape(B * N, C)
        input_ids = input_ids.reshape(B * N)
        selected = (input_ids == self.img_context_token_id)
        input_embeds[selected] = input_embeds[selected] * 0.0 + vit_embeds.reshape(-1, C)
        input_embeds = input_embeds.reshape(B, N, C)
        return self.language_model(inputs_embeds=input_embeds)


model = InternVLChatModel()
for p in model.language_model.parameters():
    p.requires_grad_(False)
model.language_model.enable_input_require_grads()

input_ids = torch.tensor([[1, 19, 19, 5, 6], [2, 19, 19, 7, 8]])
pixel_values = torch.randn(4, 12)
logits = model(pixel_values, input_ids)
logits.logsumexp(-1).mean().backward()
