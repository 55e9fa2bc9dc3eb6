# case: trl-grpo-old-logps-under-no-grad-rotary-cache
# source: https://github.com/huggingface/trl/issues/2953
# expect: clean
# torch: clean
# check: model.self_attn.q_proj.weight.grad is not None and bool(model.self_attn.q_proj.weight.grad.abs().sum() > 0)

# The thread: GRPOTrainer with `num_iterations > 1` dies at the first training forward with
# "Inference tensors cannot be saved for backward" (trace inside the Qwen2 decoder layer); it runs
# with num_iterations = 1. LOOK-ALIKE: the fix of PR #2987, no_grad for the old log-probs. Only with num_iterations > 1 does the trainer compute
# old_per_token_logps, under `torch.inference_mode()`; the fix (huggingface/trl PR #2987) switched
# that block to `torch.no_grad()`.
# Kept: _generate_and_score_completions / _get_per_token_logps / compute_loss and the
# `if self.num_iterations > 1: with torch.inference_mode():` block.
# Completed: a one-layer causal LM whose rotary embedding lazily caches cos/sin in module
# attributes (the pre-4.38 transformers pattern), greedy-ish sampling under no_grad, a toy reward.
# The inference-mode pass is the first one on the full prompt+completion length, so the cache it
# builds holds inference tensors, and the training forward's `q * cos` tries to save one.
import torch
import torch.nn as nn
import torch.nn.functional as F


class RotaryEmbedding(nn.Module):
    def __init__(self, dim, base=10000):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.max_seq_len_cached = 0
        self.cos_cached = None
        self.sin_cached = None

    def _set_cos_sin_cache(self, seq_len):
        self.max_seq_len_cached = seq_len
        t = torch.arange(seq_len, dtype=self.inv_freq.dtype)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos_cached = emb.cos()
        self.sin_cached = emb.sin()

    def forward(self, x, seq_len):
        if seq_len > self.max_seq_len_cached:
            self._set_cos_sin_cache(seq_len)
        return self.cos_cached[:seq_len], self.sin_cached[:seq_len]


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin):
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


class TinyAttention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.o_proj = nn.Linear(dim, dim, bias=False)
        self.rotary_emb = RotaryEmbedding(dim)

    def forward(self, hidden_states):
        T = hidden_states.shape[1]
        q, k, v = self.q_proj(hidden_states), self.k_proj(hidden_states), self.v_proj(hidden_states)
        cos, sin = self.rotary_emb(v, seq_len=T)
        q, k = apply_rotary_pos_emb(q, k, cos, sin)
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(out)


class TinyCausalLM(nn.Module):
    def __init__(self, vocab=20, dim=16):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.self_attn = TinyAttention(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)

    def forward(self, input_ids):
        h = self.embed_tokens(input_ids)
        h = h + self.self_attn(h)
        return self.lm_head(h)


class GRPOTrainer:
    def __init__(self, model, num_iterations=2, max_completion_length=4, beta=0.0, epsilon=0.2):
        self.model = model
        self.num_iterations = num_iterations
        self.max_completion_length = max_completion_length
        self.epsilon = epsilon
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def _get_per_token_logps(self, model, input_ids, logits_to_keep):
        logits = model(input_ids)[:, :-1, :]
        logits = logits[:, -logits_to_keep:]
        ids = input_ids[:, -logits_to_keep:]
        return torch.gather(logits.log_softmax(-1), 2, ids.unsqueeze(-1)).squeeze(-1)

    def _generate_and_score_completions(self, prompt_ids):
        with torch.no_grad():
            ids = prompt_ids
            for _ in range(self.max_completion_length):
                next_logits = self.model(ids)[:, -1]
                nxt = torch.multinomial(next_logits.softmax(-1), 1)
                ids = torch.cat([ids, nxt], dim=1)
        prompt_completion_ids = ids
        logits_to_keep = self.max_completion_length
        if self.num_iterations > 1:
            with torch.no_grad():
                old_per_token_logps = self._get_per_token_logps(self.model, prompt_completion_ids, logits_to_keep)
        else:
            old_per_token_logps = None
        completions = prompt_completion_ids[:, -logits_to_keep:]
        rewards = (completions % 2 == 0).float().mean(1)
        advantages = (rewards - rewards.mean()) / (rewards.std() + 1e-4)
        return {"prompt_completion_ids": prompt_completion_ids, "logits_to_keep": logits_to_keep,
                "old_per_token_logps": old_per_token_logps, "advantages": advantages}

    def compute_loss(self, inputs):
        per_token_logps = self._get_per_token_logps(self.model, inputs["prompt_completion_ids"], inputs["logits_to_keep"])
        old = inputs["old_per_token_logps"] if inputs["old_per_token_logps"] is not None else per_token_logps.detach()
        coef_1 = torch.exp(per_token_logps - old)
        coef_2 = torch.clamp(coef_1, 1 - self.epsilon, 1 + self.epsilon)
        adv = inputs["advantages"].unsqueeze(1)
        return -torch.min(coef_1 * adv, coef_2 * adv).mean()

    def train_step(self, prompt_ids):
        inputs = self._generate_and_score_completions(prompt_ids)
        for _ in range(self.num_iterations):
            loss = self.compute_loss(inputs)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return loss


torch.manual_seed(0)
model = TinyCausalLM()
trainer = GRPOTrainer(model, num_iterations=2)
prompts = torch.randint(0, 20, (4, 3))
loss = trainer.train_step(prompts)
