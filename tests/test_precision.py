"""Look-alikes: code that resembles the flagged patterns but is correct. Each case is run under torch (proving it is
clean: no exception, and the ``check`` expression -- usually a gradient compared with a reference -- is true) and
analysed statically (no diagnostic at all).

Cases that *are* flagged (e.g. ``torch.enable_grad()`` inside ``no_grad``) live in the rule docs, not here.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lookalike import run_clean_under_torch

ROOT = Path(__file__).resolve().parents[1]
FILENAME = "<look-alike>"


# (id, code, check): check is evaluated in the namespace the code leaves behind and must be true.
CASES = [
    ("plain-tensor-inplace", """
        import torch

        x = torch.ones(3)
        x.add_(1)
        x *= 2
        x[0] = 5
        x.clamp_(max=4)
        """, "torch.equal(x, torch.tensor([4.0, 4.0, 4.0]))"),
    ("explicit-requires-grad-false", """
        import torch

        w = torch.zeros(3, requires_grad=False)
        w.add_(1)
        w[1] = 3
        """, "torch.equal(w, torch.tensor([1.0, 3.0, 1.0]))"),
    ("requires-grad-turned-off", """
        import torch

        w = torch.ones(3, requires_grad=True)
        w.requires_grad_(False)
        w.add_(1)
        """, "torch.equal(w, torch.full((3,), 2.0)) and not w.requires_grad"),
    ("non-leaf-inplace-saves-nothing", """
        import torch

        a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a + 1
        b.mul_(2)
        b.sum().backward()
        """, "torch.allclose(a.grad, torch.full((3,), 2.0))"),
    ("inplace-relu-on-linear-output", """
        import torch
        import torch.nn.functional as F

        torch.manual_seed(0)
        lin = torch.nn.Linear(3, 2)
        x = torch.randn(4, 3)
        h = lin(x)
        F.relu(h, inplace=True)
        h.sum().backward()
        """, "torch.allclose(lin.weight.grad, ((x @ lin.weight.T + lin.bias) > 0).float().T @ x)"),
    ("sequential-with-inplace-relu", """
        import torch

        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(inplace=True), torch.nn.Linear(4, 1))
        x = torch.randn(5, 3)
        model(x).sum().backward()
        """, "all(p.grad is not None for p in model.parameters())"),
    ("no-grad-context", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        (w * w).sum().backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            w[0] = 0.5
        w.grad = None
        """, "w.is_leaf and torch.allclose(w, torch.tensor([0.5, -1.6]))"),
    ("inference-mode-context", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        with torch.inference_mode():
            w.mul_(2)
        (w * w).sum().backward()
        """, "torch.allclose(w.grad, 2 * torch.tensor([2.0, -4.0]))"),
    ("set-grad-enabled-false-context", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        with torch.set_grad_enabled(False):
            w.add_(1)
        (w * w).sum().backward()
        """, "torch.allclose(w.grad, 2 * torch.tensor([2.0, -1.0]))"),
    ("set-grad-enabled-false-statement", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        torch.set_grad_enabled(False)
        w.add_(1)
        torch.set_grad_enabled(True)
        (w * w).sum().backward()
        """, "torch.is_grad_enabled() and torch.allclose(w.grad, 2 * torch.tensor([2.0, -1.0]))"),
    ("no-grad-decorator", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)


        @torch.no_grad()
        def step(lr):
            w.sub_(lr * w.grad)


        (w * w).sum().backward()
        step(0.1)
        """, "w.is_leaf and torch.allclose(w, torch.tensor([0.8, -1.6]))"),
    ("no-grad-bare-decorator", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)


        @torch.no_grad
        def project():
            w.clamp_(min=0.0)


        project()
        """, "torch.equal(w.detach(), torch.tensor([1.0, 0.0]))"),
    ("inference-mode-decorator", """
        import torch

        torch.manual_seed(0)
        model = torch.nn.Linear(2, 2)


        @torch.inference_mode()
        def shrink(m):
            for p in m.parameters():
                p.mul_(0.5)


        before = [p.detach().clone() for p in model.parameters()]
        shrink(model)
        """, "all(torch.allclose(p, 0.5 * b) for p, b in zip(model.parameters(), before))"),
    ("autograd-function-forward-backward", """
        import torch


        class ClampedIdentity(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                y = x.clone().detach()
                y.requires_grad_(True)
                y.clamp_(min=0.0)
                return y

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                grad = grad_output.clone()
                grad[x < 0] = 0
                return grad


        x = torch.tensor([-1.0, 2.0], requires_grad=True)
        ClampedIdentity.apply(x).sum().backward()
        """, "torch.equal(x.grad, torch.tensor([0.0, 1.0]))"),
    ("nn-init-on-parameters", """
        import torch
        from torch import nn

        torch.manual_seed(0)
        lin = nn.Linear(3, 2)
        nn.init.kaiming_uniform_(lin.weight)
        nn.init.constant_(lin.bias, 0.1)
        torch.nn.init.normal_(lin.weight, std=0.01)
        x = torch.randn(4, 3)
        lin(x).sum().backward()
        """, "lin.weight.is_leaf and torch.allclose(lin.bias.grad, torch.full((2,), 4.0))"),
    ("training-loop-with-optimizer", """
        import torch

        torch.manual_seed(0)
        x = torch.randn(32, 3)
        y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
        model = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        losses = []
        for _ in range(20):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        """, "losses[-1] < 0.1 * losses[0] and model.weight.is_leaf"),
    ("import-torch-as-th", """
        import torch as th

        w = th.tensor([1.0, -2.0], requires_grad=True)
        (w * w).sum().backward()
        with th.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
        """, "w.is_leaf and th.allclose(w, th.tensor([0.8, -1.6]))"),
    ("from-torch-import-no-grad", """
        from torch import no_grad, tensor

        w = tensor([1.0, -2.0], requires_grad=True)
        (w * w).sum().backward()
        with no_grad():
            w.sub_(0.1 * w.grad)
        """, "w.is_leaf and torch.allclose(w, torch.tensor([0.8, -1.6]))"),
    ("no-grad-among-other-context-managers", """
        import contextlib

        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        (w * w).sum().backward()
        with contextlib.nullcontext(), torch.no_grad():
            w.sub_(0.1 * w.grad)
        """, "torch.allclose(w, torch.tensor([0.8, -1.6]))"),
    ("rebinding-non-grad-tensor", """
        import torch

        x = torch.zeros(3)
        for _ in range(3):
            x = x + 1
        x = x * 2
        """, "torch.equal(x, torch.full((3,), 6.0))"),
    ("grad-zero-inplace", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        (w * w).sum().backward()
        w.grad.zero_()
        (w * w).sum().backward()
        """, "torch.allclose(w.grad, 2 * torch.tensor([1.0, -2.0]))"),
    ("grad-data-zero", """
        import torch

        torch.manual_seed(0)
        model = torch.nn.Linear(2, 1)
        x = torch.randn(3, 2)
        model(x).sum().backward()
        for p in model.parameters():
            p.grad.data.zero_()
        model(x).sum().backward()
        """, "torch.allclose(model.bias.grad, torch.tensor([3.0]))"),
    ("no-grad-loop-over-parameters", """
        import torch

        torch.manual_seed(0)
        model = torch.nn.Linear(2, 1)
        before = [p.detach().clone() for p in model.parameters()]
        x = torch.randn(3, 2)
        model(x).sum().backward()
        lr = 0.1
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        """, "all(torch.allclose(p, b - lr * p.grad) for p, b in zip(model.parameters(), before))"
             " and torch.allclose(model.bias.grad, torch.tensor([3.0]))"),
    ("detached-copies-that-do-not-train", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        w0 = w.detach().clone()
        pred = w * 3
        target = pred.detach()
        scratch = w.clone().detach()
        scratch.add_(1)
        loss = ((pred - target) ** 2).sum() + (w * w).sum()
        loss.backward()
        """, "torch.allclose(w.grad, 2 * w0) and torch.equal(scratch, w0 + 1)"),
    ("custom-optimizer-no-grad-step", """
        import torch


        class PlainSGD(torch.optim.Optimizer):
            def __init__(self, params, lr=0.1):
                super().__init__(params, dict(lr=lr))

            @torch.no_grad()
            def step(self):
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is None:
                            continue
                        p.add_(p.grad, alpha=-group["lr"])


        w = torch.tensor([1.0, -2.0], requires_grad=True)
        opt = PlainSGD([w], lr=0.1)
        for _ in range(2):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        """, "w.is_leaf and torch.allclose(w, torch.tensor([1.0, -2.0]) * 0.8 ** 2)"),
    ("data-write-in-reset-parameters", """
        import torch
        from torch import nn


        class Layer(nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = nn.Parameter(torch.empty(2, 3))
                self.bias = nn.Parameter(torch.empty(2))
                self.reset_parameters()

            def reset_parameters(self):
                self.weight.data.normal_(0.0, 0.02)
                self.bias.data.zero_()

            def forward(self, x):
                return x @ self.weight.T + self.bias


        torch.manual_seed(0)
        layer = Layer()
        x = torch.randn(4, 3)
        layer(x).sum().backward()
        """, "torch.allclose(layer.bias.grad, torch.full((2,), 4.0)) and torch.equal(layer.bias.detach(), torch.zeros(2))"),
    ("data-write-in-init", """
        import torch
        from torch import nn


        class Gate(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(2, 1)
                self.lin.bias.data.fill_(1.0)
                self.lin.weight.data[0, 0] = 0.0

            def forward(self, x):
                return torch.sigmoid(self.lin(x))


        gate = Gate()
        x = torch.tensor([[1.0, 2.0]])
        gate(x).sum().backward()
        """, "gate.lin.bias.grad is not None and torch.equal(gate.lin.bias.detach(), torch.tensor([1.0]))"),
    ("data-write-on-tensor-without-grad", """
        import torch

        buf = torch.zeros(3)
        buf.data.add_(1)
        buf.data[0] = 2
        """, "torch.equal(buf, torch.tensor([2.0, 1.0, 1.0]))"),
    ("ema-under-no-grad", """
        import copy

        import torch

        torch.manual_seed(0)
        model = torch.nn.Linear(2, 2)
        ema = copy.deepcopy(model)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
            for e, p in zip(ema.parameters(), model.parameters()):
                e.mul_(0.9).add_(p, alpha=0.1)
        """, "torch.allclose(ema.bias, model.bias - 0.9)"),
    ("running-stat-buffer", """
        import torch
        from torch import nn


        class Norm(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.register_buffer("running_mean", torch.zeros(n))

            def forward(self, x):
                self.running_mean.mul_(0.9).add_(0.1 * x.detach().mean(0))
                return x - x.mean(0)


        norm = Norm(2)
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        (norm(x) ** 2).sum().backward()
        """, "torch.allclose(norm.running_mean, torch.tensor([0.2, 0.3])) and torch.allclose(x.grad, 2 * (x - x.mean(0)).detach())"),
    ("input-preprocessing-inplace", """
        import torch

        torch.manual_seed(0)
        x = torch.randn(8, 3)
        x.sub_(x.mean(0)).div_(x.std(0))
        w = torch.ones(3, requires_grad=True)
        ((x @ w) ** 2).sum().backward()
        """, "torch.allclose(x.mean(0), torch.zeros(3), atol=1e-6) and torch.allclose(w.grad, 2 * x.T @ (x @ w.detach()))"),
    ("scale-then-requires-grad", """
        import torch

        a = torch.tensor(5.0) * 0.1
        a.requires_grad_()
        loss = (a - 1.0) ** 2
        loss.backward()
        g = a.grad
        """, "a.is_leaf and torch.allclose(g, torch.tensor(-1.0))"),
    ("parameter-from-expression", """
        import torch
        from torch import nn

        w = nn.Parameter(torch.ones(3) * 0.1)
        (w * w).sum().backward()
        g = w.grad
        """, "torch.allclose(g, torch.full((3,), 0.2))"),
    ("non-leaf-without-grad-read", """
        import torch

        w = torch.tensor([1.0, 2.0], requires_grad=True)
        h = w * 3
        h = torch.clamp(h, 0, 4)
        h.sum().backward()
        """, "torch.allclose(w.grad, torch.tensor([3.0, 0.0]))"),
    ("grad-set-to-none", """
        import torch

        w = torch.tensor([1.0, -2.0], requires_grad=True)
        opt = torch.optim.SGD([w], lr=0.1)
        (w * w).sum().backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        w.grad = None
        """, "w.grad is None and torch.allclose(w, torch.tensor([0.8, -1.6]))"),
]


def _params():
    return [pytest.param(textwrap.dedent(code).lstrip("\n"), check, id=name) for name, code, check in CASES]


def test_enough_distinct_cases():
    names = [name for name, _, _ in CASES]
    assert len(names) == len(set(names)) and len(names) >= 25


@pytest.mark.parametrize("code, check", _params())
def test_runs_clean_under_torch(code, check):
    run_clean_under_torch(code, check, FILENAME)


@pytest.mark.parametrize("code, check", _params())
def test_no_finding(code, check):
    from inplace_lint.analysis import analyze_source

    found = analyze_source(code, "look_alike.py")
    assert [(d.line, d.code, d.message) for d in found] == []
