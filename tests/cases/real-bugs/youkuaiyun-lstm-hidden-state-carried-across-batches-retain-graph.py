# case: youkuaiyun-lstm-hidden-state-carried-across-batches-retain-graph
# source: https://blog.youkuaiyun.com/windhawk_fly/article/details/143405685
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# A blog post reporting its own LSTM training loop: per epoch the initial states `h0`, `c0` are
# drawn once, and every batch runs `output, (h0, c0) = lstm(batch[0], h0, c0)`, so the states
# that enter the next batch still carry the previous batch's graph. The first error was "Trying
# to backward through the graph a second time"; after adding `retain_graph=True` it became
# "[torch.FloatTensor [128, 6]] is at version 2; expected version 1", the author traced it to the
# LSTM's hidden states. The loop is the post's, reduced (2 epochs, 3 batches, batch size 2).
# Completed: the post does not show `lstm`, only that it takes (x, h0, c0) and returns
# (output, (h, c)) with output reshaped to (-1, embedding_dim); it is written here as a wrapper
# around nn.LSTM(embedding_dim=6, hidden_dim=32) with a linear head back to embedding_dim (so
# weight_ih_l0 is [128, 6], the tensor of the reported error), MSE as loss_fn, random data.
# On the second batch the backward walks into the first batch's graph, which saved the LSTM
# weights that `optimizer.step()` has since rewritten.

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
        loss = loss_fn(output.reshape(-1, embedding_dim), batch[1])
        loss.backward(retain_graph=True)
        optimizer.step()  # error: IPL003
        batch_num += 1
        if (batch_num) % min(10, batch_count // 2) == 0:
            print(f'epoch {epoch} : batch {batch_num} : {loss.item():.4f}')
