# case: youkuaiyun-lstm-hidden-state-detached-between-batches
# source: https://blog.youkuaiyun.com/windhawk_fly/article/details/143405685
# expect: clean
# torch: clean
# check: not h0.requires_grad and not c0.requires_grad and all(p.grad is not None for p in lstm.parameters())

# The same LSTM loop as the blog post, with the fix for the hidden-state problem it diagnoses (the
# post excerpt stops at the diagnosis, so the fix is the standard one): the states
# handed to the next batch are detached (`h0, c0 = h0.detach(), c0.detach()`), so each backward
# stays inside its own batch and `retain_graph=True` is dropped; the optimizer step then rewrites
# weights that no pending graph still needs. Same completed `lstm` wrapper and data as the bug.

import torch
import torch.nn as nn

torch.manual_seed(0)

EPOCH = 2
num_layers, batch_size, hidden_dim, embedding_dim, seq_len = 1, 2, 32, 6, 4


class LSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(embedding_dim, hidden_dim, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, embedding_dim)

    def forward(self, x, h0, c0):
        out, (h, c) = self.rnn(x, (h0, c0))
        return self.fc(out), (h, c)


lstm = LSTM()
optimizer = torch.optim.Adam(lstm.parameters(), lr=1e-3)
loss_fn = nn.MSELoss()
data_loader = [
    (torch.randn(batch_size, seq_len, embedding_dim), torch.randn(batch_size * seq_len, embedding_dim))
    for _ in range(3)
]
batch_count = len(data_loader)

for epoch in range(EPOCH):
    batch_num = 0
    h0 = torch.randn((num_layers, batch_size, hidden_dim), requires_grad=False)
    c0 = torch.randn((num_layers, batch_size, hidden_dim), requires_grad=False)
    for batch in data_loader:
        optimizer.zero_grad()
        output, (h0, c0) = lstm(batch[0], h0, c0)
        h0, c0 = h0.detach(), c0.detach()
        loss = loss_fn(output.reshape(-1, embedding_dim), batch[1])
        loss.backward()
        optimizer.step()
        batch_num += 1
        if (batch_num) % min(10, batch_count // 2) == 0:
            print(f'epoch {epoch} : batch {batch_num} : {loss.item():.4f}')
