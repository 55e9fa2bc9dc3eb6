# case: word-language-model-sgd-through-data
# source: https://github.com/pytorch/examples/pull/779
# expect: clean
# torch: clean
# check: not torch.equal(model[1].weight, before)

# The merged fix of the PR: the manual SGD step writes through p.data (the example's code since), after backward,
# with no graph alive: correct. (The deprecated add_(Number, Tensor) overload is written in its current form.)
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(10, 4), nn.Linear(4, 10))
criterion = nn.CrossEntropyLoss()
lr = 20
clip = 0.25
before = model[1].weight.detach().clone()


def train(data, targets):
    model.train()
    model.zero_grad()
    output = model(data)
    loss = criterion(output.view(-1, 10), targets)
    loss.backward()

    # `clip_grad_norm` helps prevent the exploding gradient problem in RNNs / LSTMs.
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    for p in model.parameters():
        p.data.add_(p.grad, alpha=-lr)


train(torch.tensor([[1, 2, 3]]), torch.tensor([2, 3, 4]))
