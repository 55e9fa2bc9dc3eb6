# case: minimind-grpo-policy-forward-on-inference-ids
# source: https://github.com/jingyaogong/minimind/issues/754
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"

# trainer/train_grpo.py of MiniMind: the rollouts come from MiniMindForCausalLM.generate, which is decorated with
# @torch.inference_mode(), so the generated ids are inference tensors. The GRPO step then feeds them to the policy
# (`res = model_unwrapped(outputs, attention_mask=full_mask)`, where the token embedding saves the ids for its
# backward) and uses them as the index of `gather` on the log-probabilities (gather saves its index). The issue
# reports "Inference tensors cannot be saved for backward" on these two lines (its line 96) and patches both with
# `outputs.detach().clone()`; the maintainer's commit keeps downstream code from touching inference tensors.
# Kept: generate's sampling loop (top-k, eos handling), the policy/reference split, the per-token log-prob
# gathering, group-normalised advantages and the clipped GRPO loss. Reduced: a one-block model (token embedding
# tied to lm_head, one causal attention + MLP), no KV cache, no tokenizer, a toy reward, one optimizer step.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, hidden_size, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(hidden_size, 3 * hidden_size, bias=False)
        self.o_proj = nn.Linear(hidden_size, hidden_size, bias=False)
        self.mlp = nn.Sequential(nn.Linear(hidden_size, 2 * hidden_size), nn.SiLU(), nn.Linear(2 * hidden_size, hidden_size))
        self.norm1 = nn.LayerNorm(hidden_size)
        self.norm2 = nn.LayerNorm(hidden_size)

    def forward(self, x, attention_mask=None):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        mask = causal if attention_mask is None else causal & attention_mask[:, None, None, :].bool()
        attn = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.o_proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.norm2(x))


class MiniMindModel(nn.Module):
    def __init__(self, vocab_size, hidden_size, num_heads):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab_size, hidden_size)
        self.dropout = nn.Dropout(0.0)
        self.layers = nn.ModuleList([Block(hidden_size, num_heads)])
        self.norm = nn.LayerNorm(hidden_size)

    def forward(self, input_ids, attention_mask=None):
        hidden_states = self.dropout(self.embed_tokens(input_ids))  # error: IPL011
        for layer in self.layers:
            hidden_states = layer(hidden_states, attention_mask=attention_mask)
        return self.norm(hidden_states)


class CausalLMOutput:
    def __init__(self, logits):
        self.logits = logits


class MiniMindForCausalLM(nn.Module):
    def __init__(self, vocab_size=32, hidden_size=16, num_heads=2):
        super().__init__()
        self.model = MiniMindModel(vocab_size, hidden_size, num_heads)
        self.lm_head = nn.Linear(hidden_size, vocab_size, bias=False)
        self.model.embed_tokens.weight = self.lm_head.weight

    def forward(self, input_ids, attention_mask=None):
        hidden_states = self.model(input_ids, attention_mask)
        return CausalLMOutput(self.lm_head(hidden_states))

    @torch.inference_mode()
    def generate(self, inputs=None, attention_mask=None, max_new_tokens=8, temperature=0.85, top_k=50,
                 eos_token_id=2, num_return_sequences=1, do_sample=True, **kwargs):
        input_ids = kwargs.pop("input_ids", inputs).repeat(num_return_sequences, 1)
        attention_mask = attention_mask.repeat(num_return_sequences, 1) if attention_mask is not None else None
        finished = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        for _ in range(max_new_tokens):
            outputs = self.forward(input_ids, attention_mask)
            attention_mask = torch.cat([attention_mask, attention_mask.new_ones(attention_mask.shape[0], 1)], -1) if attention_mask is not None else None
            logits = outputs.logits[:, -1, :] / temperature
            if top_k > 0:
                logits[logits < torch.topk(logits, top_k)[0][..., -1, None]] = -float('inf')
            next_token = torch.multinomial(torch.softmax(logits, dim=-1), num_samples=1) if do_sample else torch.argmax(logits, dim=-1, keepdim=True)
            if eos_token_id is not None:
                next_token = torch.where(finished.unsqueeze(-1), next_token.new_full((next_token.shape[0], 1), eos_token_id), next_token)
            input_ids = torch.cat([input_ids, next_token], dim=-1)
            if eos_token_id is not None:
                finished |= next_token.squeeze(-1).eq(eos_token_id)
                if finished.all():
                    break
        return input_ids


torch.manual_seed(42)
pad_token_id, eos_token_id = 0, 2
num_generations, max_gen_len, beta, epsilon = 4, 5, 0.1, 0.2
model = MiniMindForCausalLM()
ref_model = copy.deepcopy(model).eval().requires_grad_(False)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

prompt_ids = torch.tensor([[5, 6, 7, 8], [0, 9, 10, 11]])  # left-padded
prompt_mask = (prompt_ids != pad_token_id).long()

# rollout
with torch.no_grad():
    outputs = model.generate(input_ids=prompt_ids, attention_mask=prompt_mask, max_new_tokens=max_gen_len,
                             do_sample=True, temperature=0.8, num_return_sequences=num_generations,
                             eos_token_id=eos_token_id, top_k=8)
completion_ids = outputs[:, prompt_ids.size(1):]
full_mask = (outputs != pad_token_id).long()
logp_pos = prompt_ids.size(1) - 1 + torch.arange(completion_ids.size(1)).unsqueeze(0).expand(outputs.size(0), -1)
rewards = (completion_ids % 2 == 0).float().mean(dim=1)  # toy reward: share of even token ids

model_unwrapped = model
res = model_unwrapped(outputs, attention_mask=full_mask)
per_token_logps = F.log_softmax(res.logits[:, :-1, :], dim=-1).gather(2, outputs[:, 1:].unsqueeze(-1)).squeeze(-1).gather(1, logp_pos)  # error: IPL011
old_per_token_logps = per_token_logps.detach()

with torch.no_grad():
    ref_per_token_logps = F.log_softmax(ref_model(outputs, attention_mask=full_mask).logits[:, :-1, :], dim=-1).gather(2, outputs[:, 1:].unsqueeze(-1)).squeeze(-1).gather(1, logp_pos)

grouped_rewards = rewards.view(-1, num_generations)
mean_r = grouped_rewards.mean(dim=1).repeat_interleave(num_generations)
std_r = grouped_rewards.std(dim=1, unbiased=False).repeat_interleave(num_generations)
advantages = (rewards - mean_r) / (std_r + 1e-4)

completion_mask = (completion_ids != eos_token_id).int()
kl_div = ref_per_token_logps - per_token_logps
per_token_kl = torch.exp(kl_div) - kl_div - 1
ratio = torch.exp(per_token_logps - old_per_token_logps)
clipped_ratio = torch.clamp(ratio, 1 - epsilon, 1 + epsilon)
per_token_loss1 = ratio * advantages.unsqueeze(1)
per_token_loss2 = clipped_ratio * advantages.unsqueeze(1)
per_token_loss = -(torch.min(per_token_loss1, per_token_loss2) - beta * per_token_kl)
policy_loss = ((per_token_loss * completion_mask).sum(dim=1) / completion_mask.sum(dim=1).clamp(min=1)).mean()
optimizer.zero_grad()
policy_loss.backward()
torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
optimizer.step()
