# case: frozen-embedding-hooked-to-require-grad-then-index-copy-on-view
# source: https://github.com/2U1/Qwen-VL-Series-Finetune/pull/178
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# QLoRA + gradient checkpointing: the frozen token embedding gets a forward hook (as
# enable_input_require_grads installs) that calls output.requires_grad_(True), so
# inputs_embeds is a leaf requiring grad. The patched forward flattens it with .view
# and scatters the image features into the image-token rows with flat.index_copy_.
# Vision tower reduced to one Linear; vocab, dims and sequence tiny.
import torch
import torch.nn as nn

IMAGE_TOKEN_ID = 7


class TinyVLM(nn.Module):
    def __init__(self, vocab=10, dim=6, patch_dim=5):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.visual = nn.Linear(patch_dim, dim)
        self.lm_head = nn.Linear(dim, vocab)

    def enable_input_require_grads(self):
        def make_inputs_require_grads(module, input, output):
            output.requires_grad_(True)
        self.embed_tokens.register_forward_hook(make_inputs_require_grads)

    def forward(self, input_ids, pixel_values):
        inputs_embeds = self.embed_tokens(input_ids)
        img = self.visual(pixel_values)
        B, L, D = inputs_embeds.shape
        flat = inputs_embeds.view(B * L, D)
        row_idx = (input_ids.view(-1) == IMAGE_TOKEN_ID).nonzero().squeeze(-1)
        flat.index_copy_(0, row_idx, img)  # error: IPL002
        return self.lm_head(inputs_embeds)


torch.manual_seed(0)
model = TinyVLM()
model.embed_tokens.weight.requires_grad_(False)  # QLoRA: the base embedding is frozen
model.enable_input_require_grads()
input_ids = torch.tensor([[1, 7, 7, 3], [7, 2, 4, 5]])
pixel_values = torch.randn(3, 5)
logits = model(input_ids, pixel_values)
logits.sum().backward()
