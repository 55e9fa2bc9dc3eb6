# case: word-language-model-manual-sgd-on-parameters
# source: https://github.com/pytorch/examples/pull/779
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# word_language_model/main.py's hand-written SGD step after the gradient clip, `p.add_(-lr, p.grad)`. The deprecated
# add_(Number, Tensor) overload is written in its current form (it warns in torch 2.13); the LSTM language model is
# a one-layer stand-in.
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 10))
criterion = nn.CrossEntropyLoss()
lr = 20
clip = 0.25


def train(data, targets):
    model.train()
    model.zero_grad()
    output = model(data)
    loss = criterion(output.view(-1, 10), targets)
    loss.backward()

    # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    for p in model.parameters():
        p.add_(p.grad, alpha=-lr)  # error: IPL001


train(torch.tensor([[1, 2, 3]]), torch.tensor([2, 3, 4]))
