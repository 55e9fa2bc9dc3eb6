# case: lstm-states-carried-into-next-batch-after-step
# source: https://blog.youkuaiyun.com/windhawk_fly/article/details/143405685 (reduced: an nn.LSTM wrapper whose returned states feed the next batch)
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"
import torch
import torch.nn as nn


class Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(6, 8, 1, batch_first=True)
        self.fc = nn.Linear(8, 6)

    def forward(self, x, h0, c0):
        out, (h, c) = self.rnn(x, (h0, c0))
        return self.fc(out), (h, c)


model = Seq()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
data = [torch.randn(2, 4, 6) for _ in range(3)]
h0 = torch.zeros(1, 2, 8)
c0 = torch.zeros(1, 2, 8)
for x in data:
    optimizer.zero_grad()
    output, (h0, c0) = model(x, h0, c0)
    loss = output.pow(2).mean()
    loss.backward(retain_graph=True)
    optimizer.step()  # error: IPL003
