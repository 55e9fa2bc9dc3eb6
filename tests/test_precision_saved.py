"""Look-alikes for IPL003 (inplace-on-saved), IPL007 (function-dirty) and IPL008 (inplace-clobbers-input): code that
writes tensors in place the way real models do, and is correct.

Each case is run under torch -- forward AND backward -- and must run clean with its ``check`` true (usually a gradient
or an output compared with an out-of-place reference); statically it must produce no IPL003, IPL007 or IPL008
finding.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lookalike import run_clean_under_torch

ROOT = Path(__file__).resolve().parents[1]
FILENAME = "<look-alike>"
CODES = {"IPL003", "IPL007", "IPL008"}


# (id, code, check): check is evaluated in the namespace the code leaves behind and must be true.
CASES = [
    ("resnet-basic-block", """
        import torch
        from torch import nn


        class BasicBlock(nn.Module):
            def __init__(self, inplanes, planes, stride=1, downsample=None):
                super().__init__()
                self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(planes)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(planes)
                self.downsample = downsample
                self.stride = stride

            def forward(self, x):
                identity = x

                out = self.conv1(x)
                out = self.bn1(out)
                out = self.relu(out)

                out = self.conv2(out)
                out = self.bn2(out)

                if self.downsample is not None:
                    identity = self.downsample(x)

                out += identity
                out = self.relu(out)

                return out


        torch.manual_seed(0)
        block = BasicBlock(2, 2)
        x = torch.randn(2, 2, 4, 4, requires_grad=True)
        block(x).sum().backward()
        grads = [p.grad.clone() for p in block.parameters()]

        block.zero_grad()
        block.relu.inplace = False
        x_ref = x.detach().clone().requires_grad_(True)
        block(x_ref).sum().backward()
        """, "torch.allclose(x.grad, x_ref.grad, atol=1e-5) and all(torch.allclose(g, p.grad, atol=1e-5) "
             "for g, p in zip(grads, block.parameters()))"),
    ("resnet-bottleneck-with-downsample", """
        import torch
        from torch import nn


        class Bottleneck(nn.Module):
            expansion = 4

            def __init__(self, inplanes, planes, stride=1, downsample=None):
                super().__init__()
                width = planes
                self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(width)
                self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
                self.bn3 = nn.BatchNorm2d(planes * self.expansion)
                self.relu = nn.ReLU(inplace=True)
                self.downsample = downsample

            def forward(self, x):
                identity = x

                out = self.conv1(x)
                out = self.bn1(out)
                out = self.relu(out)

                out = self.conv2(out)
                out = self.bn2(out)
                out = self.relu(out)

                out = self.conv3(out)
                out = self.bn3(out)

                if self.downsample is not None:
                    identity = self.downsample(x)

                out += identity
                out = self.relu(out)

                return out


        torch.manual_seed(0)
        downsample = nn.Sequential(nn.Conv2d(3, 8, 1, stride=2, bias=False), nn.BatchNorm2d(8))
        block = Bottleneck(3, 2, stride=2, downsample=downsample)
        x = torch.randn(2, 3, 6, 6, requires_grad=True)
        out = block(x)
        out.sum().backward()

        block.relu.inplace = False
        x_ref = x.detach().clone().requires_grad_(True)
        block(x_ref).sum().backward()
        """, "out.shape == (2, 8, 3, 3) and torch.allclose(x.grad, x_ref.grad, atol=1e-5)"),
    ("timm-mlp-gelu-inplace-dropout", """
        import torch
        from torch import nn


        class Mlp(nn.Module):
            def __init__(self, in_features, hidden_features, drop=0.25):
                super().__init__()
                self.fc1 = nn.Linear(in_features, hidden_features)
                self.act = nn.GELU()
                self.drop1 = nn.Dropout(drop, inplace=True)
                self.fc2 = nn.Linear(hidden_features, in_features)
                self.drop2 = nn.Dropout(drop, inplace=True)

            def forward(self, x):
                x = self.fc1(x)
                x = self.act(x)
                x = self.drop1(x)
                x = self.fc2(x)
                x = self.drop2(x)
                return x


        torch.manual_seed(0)
        mlp = Mlp(4, 8)
        x = torch.randn(3, 4, requires_grad=True)
        torch.manual_seed(1)
        mlp(x).sum().backward()

        mlp.drop1.inplace = False
        mlp.drop2.inplace = False
        x_ref = x.detach().clone().requires_grad_(True)
        torch.manual_seed(1)
        mlp(x_ref).sum().backward()
        """, "torch.allclose(x.grad, x_ref.grad, atol=1e-6)"),
    ("transformer-pre-norm-block", """
        import torch
        from torch import nn


        class Block(nn.Module):
            def __init__(self, dim, heads):
                super().__init__()
                self.norm1 = nn.LayerNorm(dim)
                self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
                self.norm2 = nn.LayerNorm(dim)
                self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

            def forward(self, x):
                h = self.norm1(x)
                x = x + self.attn(h, h, h, need_weights=False)[0]
                x = x + self.mlp(self.norm2(x))
                return x


        torch.manual_seed(0)
        block = Block(4, 2)
        x = torch.randn(2, 3, 4, requires_grad=True)
        out = block(x)
        out.sum().backward()
        """, "out.shape == (2, 3, 4) and x.grad is not None and all(p.grad is not None for p in block.parameters())"),
    ("functional-dropout-inplace-on-linear-output", """
        import torch
        import torch.nn.functional as F
        from torch import nn


        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 5)
                self.out = nn.Linear(5, 1)

            def forward(self, x):
                h = self.fc(x)
                h = F.dropout(h, p=0.5, training=self.training, inplace=True)
                return self.out(h)


        torch.manual_seed(0)
        head = Head()
        x = torch.randn(4, 3, requires_grad=True)
        torch.manual_seed(1)
        head(x).sum().backward()

        x_ref = x.detach().clone().requires_grad_(True)
        torch.manual_seed(1)
        mask = F.dropout(torch.ones(4, 5), p=0.5, training=True)
        (head.out(head.fc(x_ref) * mask)).sum().backward()
        """, "torch.allclose(x.grad, x_ref.grad, atol=1e-6)"),
    ("nn-init-then-train-step", """
        import torch
        from torch import nn

        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 1))
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.constant_(m.bias, 0.0)
        x = torch.randn(5, 3)
        loss = model(x).pow(2).mean()
        loss.backward()
        """, "all(p.grad is not None and p.is_leaf for p in model.parameters()) and float(model[0].bias.detach().abs().sum()) == 0.0"),
    ("optimizer-training-loop", """
        import torch
        from torch import nn

        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x = torch.randn(16, 2)
        y = x[:, :1] - 2 * x[:, 1:]
        losses = []
        for step in range(20):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        """, "losses[-1] < 0.5 * losses[0]"),
    ("clamp-fresh-rand-noise", """
        import torch

        torch.manual_seed(0)
        w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        noise = torch.rand(3)
        noise.clamp_(0.1, 0.9)
        noise *= 2
        loss = (w * noise).sum()
        loss.backward()
        """, "torch.equal(w.grad, noise)"),
    ("inplace-on-output-after-backward", """
        import torch
        from torch import nn

        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
        x = torch.randn(4, 3)
        probs = model(x)
        loss = -probs[:, 0].log().mean()
        loss.backward()
        probs.detach().clamp_(0.2, 0.8)
        probs[probs > 0.7] = 1.0
        """, "model[0].weight.grad is not None and bool(((probs >= 0.2) & (probs <= 1.0)).all())"),
    ("clone-of-saved-tensor-written", """
        import torch

        x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
        h = torch.exp(x)
        shown = h.clone()
        shown[0] = 0
        shown.clamp_(max=3.0)
        (h * 2).sum().backward()
        """, "torch.allclose(x.grad, 2 * torch.exp(x.detach())) and torch.equal(shown[0], torch.tensor(0.0))"),
    ("layernorm-then-functional-relu-inplace", """
        import torch
        import torch.nn.functional as F
        from torch import nn

        torch.manual_seed(0)
        norm = nn.LayerNorm(4)
        x = torch.randn(3, 4, requires_grad=True)
        h = norm(x)
        h = F.relu(h, inplace=True)
        h.sum().backward()

        x_ref = x.detach().clone().requires_grad_(True)
        F.relu(norm(x_ref)).sum().backward()
        """, "torch.allclose(x.grad, x_ref.grad, atol=1e-6)"),
    ("batchnorm-train-mode-then-relu-inplace", """
        import torch
        from torch import nn

        torch.manual_seed(0)
        features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(inplace=True),
        )
        features.train()
        x = torch.randn(2, 1, 4, 4, requires_grad=True)
        features(x).sum().backward()

        for m in features:
            if isinstance(m, nn.ReLU):
                m.inplace = False
        x_ref = x.detach().clone().requires_grad_(True)
        features(x_ref).sum().backward()
        """, "torch.allclose(x.grad, x_ref.grad, atol=1e-5)"),
    ("softmax-sample-then-zero-probs", """
        import torch

        torch.manual_seed(0)
        logits = torch.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
        probs = torch.softmax(logits.detach(), dim=-1)
        action = torch.multinomial(probs, 1)
        probs.zero_()
        log_prob = torch.log_softmax(logits, dim=-1).gather(1, action)
        loss = -log_prob.sum()
        loss.backward()
        """, "torch.allclose(logits.grad, torch.softmax(logits.detach(), -1) "
             "- torch.nn.functional.one_hot(action[:, 0], 3).float()) and float(probs.sum()) == 0.0"),
    ("mul-by-plain-tensor-then-write-the-other-operand", """
        import torch

        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x + 1
        scale = torch.tensor([2.0, 3.0, 4.0])
        c = h * scale
        h.add_(1)
        h[0] = 0
        c.sum().backward()
        """, "torch.equal(x.grad, scale)"),
    ("write-before-the-op-that-saves", """
        import torch

        a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = a * 2
        h[0] = 0
        h.clamp_(max=5.0)
        y = torch.sigmoid(h) * h
        y.sum().backward()
        """, "a.grad is not None and float(a.grad[0]) == 0.0 and float(a.grad[2]) == 0.0"),
    ("matmul-output-bias-added-in-place", """
        import torch

        torch.manual_seed(0)
        x = torch.randn(4, 3)
        w = torch.randn(3, 2, requires_grad=True)
        b = torch.randn(2, requires_grad=True)
        y = x @ w
        y += b
        y = torch.relu(y)
        y.sum().backward()
        """, "torch.allclose(w.grad, x.T @ ((x @ w.detach() + b.detach()) > 0).float()) "
             "and torch.allclose(b.grad, ((x @ w.detach() + b.detach()) > 0).float().sum(0))"),
    ("cat-output-scaled-in-place", """
        import torch

        a = torch.tensor([1.0, 2.0], requires_grad=True)
        b = torch.tensor([3.0], requires_grad=True)
        h = torch.tanh(a)
        both = torch.cat([h, b])
        both.mul_(2)
        both.sum().backward()
        """, "torch.allclose(a.grad, 2 * (1 - torch.tanh(a.detach()) ** 2)) and torch.equal(b.grad, torch.tensor([2.0]))"),
    ("scalar-multiple-of-saved-output-written", """
        import torch

        x = torch.tensor([0.5, -1.0], requires_grad=True)
        h = torch.tanh(x)
        g = h * 2
        g.add_(1)
        (g + h).sum().backward()
        """, "torch.allclose(x.grad, 3 * (1 - torch.tanh(x.detach()) ** 2))"),
    ("no-grad-write-to-unsaved-tensor", """
        import torch

        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 2
        with torch.no_grad():
            h.add_(1)
            h[0] = 10.0
        (h * 3).sum().backward()
        """, "torch.equal(x.grad, torch.full((3,), 6.0))"),
    ("autograd-grad-then-write", """
        import torch

        x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
        h = torch.sigmoid(x)
        (g,) = torch.autograd.grad(h.sum(), x)
        h.mul_(2)
        h += 1
        """, "torch.allclose(g, torch.sigmoid(x.detach()) * (1 - torch.sigmoid(x.detach())))"),
    ("ema-update-under-no-grad-after-step", """
        import copy

        import torch
        from torch import nn

        torch.manual_seed(0)
        model = nn.Linear(3, 1)
        ema = copy.deepcopy(model)
        for p in ema.parameters():
            p.requires_grad_(False)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x = torch.randn(4, 3)
        for _ in range(3):
            opt.zero_grad()
            out = torch.sigmoid(model(x))
            out.sum().backward()
            opt.step()
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(0.9).add_(pm, alpha=0.1)
        """, "not torch.equal(ema.weight, model.weight) and ema.weight.grad is None"),
    ("function-mark-dirty-returned", """
        import torch


        class MulInplace(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, s):
                x.mul_(s)
                ctx.mark_dirty(x)
                ctx.s = s
                return x

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output * ctx.s, None


        a = torch.tensor([1.0, 2.0], requires_grad=True)
        x = a + 1
        y = MulInplace.apply(x, 3.0)
        (y.sum() + x.sum()).backward()
        """, "y is x and torch.equal(a.grad, torch.full((2,), 6.0))"),
    ("function-clone-grad-output-tutorial", """
        import torch


        class MyReLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return input.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                input, = ctx.saved_tensors
                grad_input = grad_output.clone()
                grad_input[input < 0] = 0
                return grad_input


        x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        u = torch.tensor([1.0, 1.0, 1.0], requires_grad=True)
        loss = (MyReLU.apply(x) + u * 5).sum()
        loss.backward()
        """, "torch.equal(x.grad, torch.tensor([1.0, 0.0, 1.0])) and torch.equal(u.grad, torch.full((3,), 5.0))"),
    ("function-fresh-tensors-written-then-saved", """
        import torch


        class SoftClip(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = torch.tanh(x)
                y.mul_(2)
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad_output):
                (y,) = ctx.saved_tensors
                grad = torch.ones_like(y)
                grad -= (y / 2) ** 2
                grad *= 2
                return grad * grad_output


        x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        SoftClip.apply(x).sum().backward()
        """, "torch.allclose(x.grad, 2 * (1 - torch.tanh(x.detach()) ** 2))"),
    ("function-clone-input-before-write", """
        import torch


        class Centre(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x = x.clone()
                x -= x.mean()
                return x

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output - grad_output.mean()


        a = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
        h = a * 1
        y = Centre.apply(h)
        ((y * torch.tensor([1.0, 0.0, 0.0])).sum() + h.sum()).backward()
        """, "torch.allclose(a.grad, torch.tensor([1.0, 0.0, 0.0]) - 1 / 3 + 1) and torch.equal(h, a.detach())"),
    ("inplace-first-layer-input-dead", """
        import torch
        from torch import nn


        class PreAct(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(3, 3))
                self.head = nn.Linear(3, 1)

            def forward(self, x):
                x = self.block(x)
                return self.head(x)


        torch.manual_seed(0)
        model = PreAct()
        stem = nn.Linear(2, 3)
        inputs = torch.randn(4, 2)
        model(stem(inputs)).sum().backward()
        reference = model.head(model.block[1](torch.relu(stem(inputs))))
        """, "stem.weight.grad is not None and torch.allclose(model(stem(inputs)), reference)"),
    ("inplace-first-layer-on-a-clone", """
        import torch
        from torch import nn


        class PreActBlock(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(3, 3))

            def forward(self, x):
                out = self.block(x.clone())
                out += x
                return out


        torch.manual_seed(0)
        stem = nn.Linear(2, 3)
        block = PreActBlock()
        inputs = torch.randn(4, 2)
        out = block(stem(inputs))
        out.sum().backward()
        with torch.no_grad():
            h = stem(inputs)
            reference = block.block[1](torch.relu(h)) + h
        """, "torch.allclose(out, reference) and stem.weight.grad is not None"),
    ("preact-block-out-of-place-relu", """
        import torch
        from torch import nn


        class PreActBlock(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.bn = nn.BatchNorm2d(channels)
                self.relu = nn.ReLU()
                self.conv = nn.Conv2d(channels, channels, 3, padding=1)

            def forward(self, x):
                out = self.conv(self.relu(self.bn(x)))
                out += x
                return out


        torch.manual_seed(0)
        block = PreActBlock(2)
        x = torch.randn(2, 2, 4, 4, requires_grad=True)
        block(x).sum().backward()
        """, "x.grad is not None and all(p.grad is not None for p in block.parameters())"),
    ("module-writing-its-argument-on-fresh-input", """
        import torch
        from torch import nn


        class Normalize(nn.Module):
            def forward(self, x):
                x -= x.mean(dim=1, keepdim=True)
                return x


        torch.manual_seed(0)
        norm = Normalize()
        lin = nn.Linear(4, 1)
        batch = torch.randn(3, 4) + 5
        out = lin(norm(batch.clone()))
        out.sum().backward()
        """, "torch.allclose(out, lin(batch - batch.mean(dim=1, keepdim=True)), atol=1e-6) and lin.weight.grad is not None"),
    ("densenet-layer-norm-relu-conv", """
        import torch
        from torch import nn


        class DenseLayer(nn.Module):
            def __init__(self, channels, growth):
                super().__init__()
                self.norm1 = nn.BatchNorm2d(channels)
                self.relu1 = nn.ReLU(inplace=True)
                self.conv1 = nn.Conv2d(channels, growth, 3, padding=1, bias=False)

            def forward(self, x):
                new_features = self.conv1(self.relu1(self.norm1(x)))
                return torch.cat([x, new_features], 1)


        torch.manual_seed(0)
        layer = DenseLayer(2, 1)
        x = torch.randn(2, 2, 4, 4, requires_grad=True)
        out = layer(x)
        out.sum().backward()
        """, "out.shape == (2, 3, 4, 4) and torch.equal(out[:, :2], x.detach()) and x.grad is not None"),
]


def _params():
    return [pytest.param(textwrap.dedent(code).lstrip("\n"), check, id=name) for name, code, check in CASES]


def test_enough_distinct_cases():
    names = [name for name, _, _ in CASES]
    assert len(names) == len(set(names)) and len(names) >= 20


@pytest.mark.parametrize("code, check", _params())
def test_runs_clean_under_torch(code, check):
    run_clean_under_torch(code, check, FILENAME)


@pytest.mark.parametrize("code, check", _params())
def test_no_saved_dirty_or_clobber_finding(code, check):
    from inplace_lint.analysis import analyze_source

    found = [(d.line, d.code, d.message) for d in analyze_source(code, "look_alike.py") if d.code in CODES]
    assert found == []
