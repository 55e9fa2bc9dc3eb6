# case: chitchat-unk-logit-masked-per-row-under-no-grad
# source: https://github.com/microsoft/DialoGPT/issues/57
# expect: clean
# torch: clean
# check: len(generated) == max_len and all(1 not in step for step in generated)

# The same generation loop the way the GPT2-chitchat generate scripts run it, inside torch.no_grad(): the logits
# do not require grad, so writing the rows that iteration yields is allowed, and [UNK] is never sampled.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TinyLM(nn.Module):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, dim)
        self.lm_head = nn.Linear(dim, vocab_size)

    def forward(self, input_ids):
        return (self.lm_head(self.wte(input_ids)),)


vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}
torch.manual_seed(0)
dialogue_model = TinyLM(10, 4)
batch_size, max_len, repetition_penalty, temperature = 2, 3, 1.2, 0.7
curr_input_tensors = torch.tensor([[2, 5, 3]] * batch_size)
generated = []
with torch.no_grad():
    for _ in range(max_len):
        outputs = dialogue_model(input_ids=curr_input_tensors)
        next_token_logits = outputs[0][:, -1, :]
        for index in range(batch_size):
            for token_id in set([token_ids[index] for token_ids in generated]):
                next_token_logits[index][token_id] /= repetition_penalty
        next_token_logits = next_token_logits / temperature
        for next_token_logit in next_token_logits:
            next_token_logit[vocab['[UNK]']] = -float('Inf')
        next_token = torch.multinomial(F.softmax(next_token_logits, dim=-1), num_samples=1)
        generated.append([token.item() for token in next_token[:, 0]])
        curr_input_tensors = torch.cat((curr_input_tensors, next_token), dim=-1)
