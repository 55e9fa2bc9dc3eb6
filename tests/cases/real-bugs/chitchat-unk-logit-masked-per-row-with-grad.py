# case: chitchat-unk-logit-masked-per-row-with-grad
# source: https://github.com/microsoft/DialoGPT/issues/57
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# The reported line, `next_token_logit[tokenizer.convert_tokens_to_ids('[UNK]')] = -float('Inf')`, comes from the
# batch-generation loop of the GPT2-chitchat interact scripts: iterating over `next_token_logits` yields the
# views of one unbind, and the loop runs without torch.no_grad(), so the logits require grad and writing one of
# those views raises. The model is a tiny embedding + linear LM returning a tuple; the tokenizer is a dict;
# top-k/top-p filtering is left out.
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
for _ in range(max_len):
    outputs = dialogue_model(input_ids=curr_input_tensors)
    next_token_logits = outputs[0][:, -1, :]
    for index in range(batch_size):
        for token_id in set([token_ids[index] for token_ids in generated]):
            next_token_logits[index][token_id] /= repetition_penalty
    next_token_logits = next_token_logits / temperature
    for next_token_logit in next_token_logits:
        next_token_logit[vocab['[UNK]']] = -float('Inf')  # error: IPL009
    next_token = torch.multinomial(F.softmax(next_token_logits, dim=-1), num_samples=1)
    generated.append([token.item() for token in next_token[:, 0]])
    curr_input_tensors = torch.cat((curr_input_tensors, next_token), dim=-1)
