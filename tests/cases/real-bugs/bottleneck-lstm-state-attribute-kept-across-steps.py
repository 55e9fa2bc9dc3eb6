# case: bottleneck-lstm-state-attribute-kept-across-steps
# source: https://github.com/vikrant7/mobile-vod-bottleneck-lstm/issues/25
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# BottleneckLSTM keeps its hidden and cell state as module attributes; train() runs
# backward(retain_graph=True) and optimizer.step() per frame but calls net.detach_hidden()
# only after the whole sequence, so frame 2's backward runs through frame 1's graph, whose
# convolutions saved weights the step already rewrote. Reduced: one cell, 2x2 maps, MSE loss.
import torch
import torch.nn as nn


class BottleneckLSTMCell(nn.Module):
    def __init__(self, input_channels, hidden_channels):
        super().__init__()
        self.W = nn.Conv2d(input_channels, input_channels, 3, groups=input_channels, padding=1)
        self.Wy = nn.Conv2d(input_channels + hidden_channels, hidden_channels, 1)
        self.Wbf = nn.Conv2d(hidden_channels, hidden_channels, 1, bias=False)
        self.Wbc = nn.Conv2d(hidden_channels, hidden_channels, 1, bias=False)

    def forward(self, x, h, c):
        x = self.W(x)
        y = torch.cat((x, h), 1)
        b = self.Wy(y)
        cf = torch.sigmoid(self.Wbf(b))
        cc = cf * c + (1 - cf) * torch.tanh(self.Wbc(b))
        ch = torch.tanh(cc)
        return ch, cc


class BottleneckLSTM(nn.Module):
    def __init__(self, input_channels, hidden_channels, height, width, batch_size):
        super().__init__()
        self.cell = BottleneckLSTMCell(input_channels, hidden_channels)
        self.hidden_state = torch.zeros(batch_size, hidden_channels, height, width)
        self.cell_state = torch.zeros(batch_size, hidden_channels, height, width)

    def forward(self, input):
        new_h, new_c = self.cell(input, self.hidden_state, self.cell_state)
        self.hidden_state = new_h
        self.cell_state = new_c
        return self.hidden_state

    def detach_hidden(self):
        self.hidden_state = self.hidden_state.detach()
        self.cell_state = self.cell_state.detach()


class MobileVOD(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv13 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.bottleneck_lstm1 = BottleneckLSTM(4, 4, 2, 2, 1)
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        return self.head(self.bottleneck_lstm1(self.conv13(x)))

    def detach_hidden(self):
        self.bottleneck_lstm1.detach_hidden()


def train(loader, net, criterion, optimizer):
    net.train(True)
    for i, (images, targets) in enumerate(loader):
        for image, target in zip(images, targets):
            optimizer.zero_grad()
            out = net(image)
            loss = criterion(out, target)
            loss.backward(retain_graph=True)
            optimizer.step()  # error: IPL003
        net.detach_hidden()


torch.manual_seed(0)
net = MobileVOD()
optimizer = torch.optim.RMSprop(net.parameters(), lr=1e-3, momentum=0.9)
loader = [(torch.randn(3, 1, 3, 4, 4), torch.randn(3, 1, 2, 2, 2))]
train(loader, net, nn.MSELoss(), optimizer)
