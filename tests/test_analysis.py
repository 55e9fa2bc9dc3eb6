"""The flow analysis, case by case: what it must flag (and where), what it must not, and torch agreeing.

Each case is a complete script with the expected findings as `# expect: CODE` comments on the flagged lines.
`RUN` cases are also executed under torch: a case with an error expectation must raise (the message given),
a case without any must run clean. Static-only cases are those whose code is a fragment (a function nobody calls).
"""
from __future__ import annotations

import re
import textwrap

import pytest

from inplace_lint.registry import analyze_source

EXPECT = re.compile(r"#\s*expect:\s*(IPL\d{3}(?:\s*,\s*IPL\d{3})*)")

# name -> (code, raises: substring torch must raise, "" = runs clean, None = static only)
CASES = {
    # ---- flow: branches join conservatively, loops reach a fixed point, rebinding kills facts
    "if-both-branches-leaf": ("""
        import torch
        if len("ab") > 1:
            w = torch.zeros(3, requires_grad=True)
        else:
            w = torch.ones(3, requires_grad=True)
        w.add_(1)  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "if-one-branch-leaf": ("""
        import torch
        if len("ab") > 5:
            w = torch.zeros(3, requires_grad=True)
        else:
            w = torch.zeros(3)
        w.add_(1)
        """, ""),
    "loop-fresh-copy-is-not-last-iterations-saved-tensor": ("""
        import torch
        b = torch.randn(3, requires_grad=True) * 1
        for i in range(2):
            b.exp_()
            b = b.clone()
            with torch.no_grad():
                b[0] = 0
        b.sum().backward()
        """, ""),
    "loop-fresh-copy-of-an-unknown-value": ("""
        import torch
        w = torch.randn(3, requires_grad=True)
        f = getattr(torch, "exp")
        out = f(w)
        for i in range(2):
            loss = (out * w).sum()
            out = f(w)
            out = out.clone()
            out.uniform_()
        loss.backward()
        """, ""),
    "loop-old-copy-still-named-is-saved": ("""
        import torch
        x = torch.randn(3, requires_grad=True)
        b = x * 1
        for i in range(2):
            a = b
            b.exp_()
            b = b.clone()
            a[0] = 0  # expect: IPL003
        b.sum().backward()
        """, "modified by an inplace operation"),
    "loop-old-copy-kept-in-a-tuple-is-saved": ("""
        import torch
        x = torch.randn(3, requires_grad=True)
        b = x * 1
        for i in range(2):
            b.exp_()
            pair = (b, i)
            b = b.clone()
            pair[0].zero_()  # expect: IPL003
        b.sum().backward()
        """, "modified by an inplace operation"),
    "rebinding-kills-leaf": ("""
        import torch
        w = torch.zeros(3, requires_grad=True)
        w = torch.zeros(3)
        w.add_(1)
        """, ""),
    "loop-first-iteration": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        for _ in range(3):
            loss = (w * 2).sum()
            loss.backward()
            w -= 0.1 * w.grad  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "loop-rebinding-grad-lost": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        for _ in range(3):
            loss = (w * 2).sum()
            loss.backward()
            w = w - 0.1 * w.grad  # expect: IPL005
        """, "unsupported operand type"),
    "break-leaves-loop": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        while True:
            w = w.detach()
            break
        w.add_(1)
        """, ""),
    "return-ends-path": ("""
        import torch

        def f(flag):
            w = torch.ones(3, requires_grad=True)
            if flag:
                return w
            w = torch.zeros(3)
            w.add_(1)
            return w

        f(False)
        """, ""),
    "alias-shares-leaf": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        v = w
        v.mul_(2)  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "tuple-unpacking": ("""
        import torch
        a, b = torch.ones(2, requires_grad=True), torch.ones(2)
        b.add_(1)
        a.add_(1)  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "walrus": ("""
        import torch
        if (w := torch.ones(2, requires_grad=True)) is not None:
            w.zero_()  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    # ---- names: aliases of torch, shadowing
    "import-alias": ("""
        import torch as th
        from torch import nn
        p = nn.Parameter(th.randn(3))
        p.add_(1)  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "from-import-factory": ("""
        from torch import randn
        w = randn(3, requires_grad=True)
        w[0] = 1.0  # expect: IPL002
        """, "a view of a leaf Variable"),
    "shadowed-torch": ("""
        import torch

        def f(torch):
            w = torch.randn(3, requires_grad=True)
            w.add_(1)
        """, None),
    # ---- grad mode
    "no-grad-context": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        with torch.no_grad():
            w.add_(1)
            w[0] = 2.0
        """, ""),
    "enable-grad-inside-no-grad": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        with torch.no_grad():
            with torch.enable_grad():
                w.add_(1)  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "set-grad-enabled-call": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        torch.set_grad_enabled(False)
        w.add_(1)
        torch.set_grad_enabled(True)
        """, ""),
    "set-grad-enabled-variable": ("""
        import torch
        w = torch.ones(3, requires_grad=True)
        training = False
        with torch.set_grad_enabled(training):
            w.add_(1)
        """, ""),
    "decorated-no-grad": ("""
        import torch

        @torch.no_grad()
        def update(w):
            w.add_(1)

        @torch.inference_mode()
        def update2(w):
            w.mul_(2)

        w = torch.ones(3, requires_grad=True)
        update(w)
        """, ""),
    "unknown-decorator-assumes-nothing": ("""
        import functools
        import torch

        def quiet(fn):
            @functools.wraps(fn)
            def inner(*a):
                with torch.no_grad():
                    return fn(*a)
            return inner

        @quiet
        def step(params, lr):
            for p in params:
                p.sub_(lr * p.grad)

        w = torch.ones(2, requires_grad=True)
        (w * 2).sum().backward()
        step([w], 0.1)
        """, ""),
    "helper-only-called-without-grad": ("""
        import torch

        def _apply(params, lr):
            for p in params:
                p.add_(p.grad, alpha=-lr)

        def _middle(params, lr):
            _apply(params, lr)

        @torch.no_grad()
        def step(params, lr):
            _middle(params, lr)

        w = torch.ones(2, requires_grad=True)
        (w * 3).sum().backward()
        step([w], 0.1)
        """, ""),
    "helper-with-grad-on-caller": ("""
        import torch

        def sgd(params, lr):
            for p in params:
                p.sub_(lr * p.grad)  # expect: IPL001

        w = torch.ones(2, requires_grad=True)
        (w * 3).sum().backward()
        sgd([w], 0.1)
        """, "a leaf Variable that requires grad"),
    "closure-in-no-grad-function": ("""
        import torch

        @torch.no_grad()
        def step(params):
            def one(p):
                p.add_(1)
            for p in params:
                one(p)

        step([torch.ones(2, requires_grad=True)])
        """, ""),
    "autograd-function-forward": ("""
        import torch

        class Add(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.clone().detach()
                y.requires_grad_(True)
                y.add_(1)
                return y

            @staticmethod
            def backward(ctx, g):
                return g

        x = torch.randn(3, requires_grad=True)
        Add.apply(x).sum().backward()
        """, ""),
    # ---- parameters, modules, optimizers
    "loop-over-parameters": ("""
        import torch
        model = torch.nn.Linear(2, 2)
        for p in model.parameters():
            p.mul_(0.5)  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "named-parameters": ("""
        import torch
        model = torch.nn.Linear(2, 2)
        for name, p in model.named_parameters():
            p.zero_()  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "param-groups": ("""
        import torch
        model = torch.nn.Linear(2, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        model(torch.randn(1, 2)).sum().backward()
        for group in opt.param_groups:
            for p in group["params"]:
                p -= group["lr"] * p.grad  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "module-weight": ("""
        import torch
        lin = torch.nn.Linear(2, 2, bias=False)
        lin.weight.fill_(0)  # expect: IPL001
        """, "a leaf Variable that requires grad"),
    "module-without-bias": ("""
        import torch
        lin = torch.nn.Linear(2, 2, bias=False)
        print(lin.bias)
        """, ""),
    "self-parameter-from-init": ("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(1))

            def forward(self, x):
                self.scale.clamp_(0, 1)  # expect: IPL001
                return x * self.scale

        Net()(torch.ones(2))
        """, "a leaf Variable that requires grad"),
    "self-attribute-reassigned-elsewhere": ("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(1))

            def swap(self):
                self.scale = torch.ones(1)

            def forward(self, x):
                self.scale.clamp_(0, 1)
                return x * self.scale
        """, None),
    "init-functions": ("""
        import torch
        from torch import nn
        lin = nn.Linear(3, 3)
        nn.init.normal_(lin.weight)
        nn.init.zeros_(lin.bias)
        """, ""),
    "grad-zeroing": ("""
        import torch
        w = torch.ones(2, requires_grad=True)
        (w * 2).sum().backward()
        w.grad.zero_()
        w.grad.data.mul_(0)
        """, ""),
    "optimizer-gets-non-leaf": ("""
        import torch
        b = torch.randn(3, requires_grad=True).view(3, 1)  # expect: IPL005
        opt = torch.optim.Adam([b])
        """, "can't optimize a non-leaf Tensor"),
    "retain-grad-non-leaf": ("""
        import torch
        a = torch.tensor(5.0, requires_grad=True) * 0.1
        a.retain_grad()
        a.backward()
        print(a.grad)
        """, ""),
    "fresh-non-leaf-inplace": ("""
        import torch
        a = torch.ones(3, requires_grad=True)
        b = a + 1
        b.mul_(2)
        b.sum().backward()
        """, ""),
    "no-torch-no-findings": ("""
        class Value:
            def __init__(self, data):
                self.data, self.grad = data, 0.0

        def step(params):
            for p in params:
                p.data += -0.01 * p.grad
        """, None),
    # ---- saved tensors
    "saved-through-module-attr": ("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(3, 3)
                self.act = nn.Sigmoid()

            def forward(self, x):
                h = self.act(self.fc(x))
                h.mul_(2)  # expect: IPL003
                return h

        Net()(torch.randn(3)).sum().backward()
        """, "modified by an inplace operation"),
    "saved-if-forward-input-requires-grad": ("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Sigmoid()

            def forward(self, x):
                h = self.act(x)  # x is an activation (it requires grad): Sigmoid saves h
                h.mul_(2)  # expect: IPL003
                return h

        Net()(nn.Linear(3, 3)(torch.randn(3))).sum().backward()
        """, "modified by an inplace operation"),
    "saved-only-if-input-requires-grad": ("""
        import torch
        from torch import nn

        def gate(x):
            h = torch.sigmoid(x)  # a plain function's x may be plain data: then nothing is saved
            h.mul_(2)
            return h

        gate(torch.randn(3))
        """, ""),
    "max-with-dim-saves-only-its-indices": ("""
        import torch
        x = torch.randn(3, 4, requires_grad=True)
        a = x * 1
        m = a.max(dim=0)[0]
        m[m > 0] = 0.0
        top = torch.max(a, dim=-1, keepdim=True)[0]
        a.masked_fill_(a > 0, 0.0)
        (m.sum() + top.sum()).backward()
        """, ""),
    "max-without-dim-saves-input-and-result": ("""
        import torch
        x = torch.randn(3, 4, requires_grad=True)
        a = x * 1
        m = a.max()
        a.mul_(2)  # expect: IPL003
        m.backward()
        """, "modified by an inplace operation"),
    "inplace-variant-saves-a-copy-of-its-input": ("""
        import torch
        w = torch.randn(5, requires_grad=True)
        x = w * 1
        y = x.add_(3.0).clamp_(0.0, 6.0).div_(6.0)
        z = w * 2
        z.sin_()
        z.add_(1)
        (y.sum() + z.sum()).backward()
        """, ""),
    "inplace-variant-saves-its-result": ("""
        import torch
        w = torch.randn(5, requires_grad=True)
        x = w * 1
        x.exp_()
        x.add_(1)  # expect: IPL003
        x.sum().backward()
        """, "modified by an inplace operation"),
    "a-graph-turned-into-a-number-at-once-is-freed": ("""
        import torch
        w = torch.randn(3, 4, requires_grad=True)
        t = w * 1
        hi = float(t.max())
        lo = t.min().item()
        t.clamp_(lo, hi)
        t.sum().backward()
        """, ""),
    "modules-filtered-by-isinstance-get-the-hook": ("""
        import torch
        from torch import nn

        model = nn.Sequential(
            nn.Conv2d(1, 1, 3),
            nn.ReLU(inplace=True),  # expect: IPL012
            nn.Linear(3, 3),
            nn.ReLU(inplace=True),  # the Linear has no hook: fine
        )
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                m.register_full_backward_hook(lambda mod, gi, go: None)
        out = model(torch.rand(1, 1, 5, 5))
        """, "This view was created inside a custom Function"),
    "saved-freed-by-backward": ("""
        import torch
        x = torch.randn(3, requires_grad=True)
        h = torch.sigmoid(x)
        h.sum().backward()
        h.mul_(2)
        """, ""),
    "saved-kept-with-retain-graph": ("""
        import torch
        x = torch.randn(3, requires_grad=True)
        h = torch.sigmoid(x)
        h.sum().backward(retain_graph=True)
        h.add_(1)  # expect: IPL003
        h.sum().backward()
        """, "modified by an inplace operation"),
    "saved-by-one-branch-only": ("""
        import torch
        x = torch.randn(3, requires_grad=True)
        if len("ab") > 5:
            h = torch.sigmoid(x)
        else:
            h = x + 1
        h.mul_(2)
        h.sum().backward()
        """, ""),
    "ambiguous-activation": ("""
        import torch
        from torch import nn
        act = nn.ReLU(inplace=True) if len("ab") > 5 else nn.Softplus()
        x = torch.randn(3, requires_grad=True) * 1
        y = act(x)
        y.sum().backward()
        """, ""),
    "resnet-basic-block": ("""
        import torch
        from torch import nn

        class BasicBlock(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(2, 2, 3, padding=1)
                self.bn1 = nn.BatchNorm2d(2)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = nn.Conv2d(2, 2, 3, padding=1)
                self.bn2 = nn.BatchNorm2d(2)

            def forward(self, x):
                identity = x
                out = self.conv1(x)
                out = self.bn1(out)
                out = self.relu(out)
                out = self.conv2(out)
                out = self.bn2(out)
                out += identity
                out = self.relu(out)
                return out

        BasicBlock()(torch.randn(2, 2, 4, 4)).sum().backward()
        """, ""),
    "residual-clobbered-by-inplace-relu": ("""
        import torch
        from torch import nn

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.relu = nn.ReLU(inplace=True)
                self.conv = nn.Conv2d(2, 2, 3, padding=1)

            def forward(self, x):
                identity = x
                x = self.relu(x)  # expect: IPL008
                x = self.conv(x)
                return x + identity

        Block()(torch.randn(1, 2, 4, 4))
        """, ""),
    # ---- optimizer.step() between building a graph and backpropagating it
    "gan-step-before-generator-backward": ("""
        import torch
        from torch import nn

        G = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
        D = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
        opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
        opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
        fake = G(torch.randn(8, 2))
        d_fake = D(fake)
        d_loss = D(torch.randn(8, 2)).mean() - d_fake.mean()
        d_loss.backward(retain_graph=True)
        opt_d.step()  # expect: IPL003
        g_loss = -d_fake.mean()
        g_loss.backward()
        opt_g.step()
        """, "modified by an inplace operation"),
    "gan-done-right": ("""
        import torch
        from torch import nn

        G = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
        D = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
        opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
        opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
        for _ in range(2):
            fake = G(torch.randn(8, 2))
            d_loss = D(torch.randn(8, 2)).mean() - D(fake.detach()).mean()
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = -D(fake).mean()
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
        """, ""),
    "training-loop": ("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(3, 8)
                self.fc2 = nn.Linear(8, 1)

            def forward(self, x):
                return self.fc2(torch.relu(self.fc1(x)))

        model = Net()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(3):
            out = model(torch.randn(4, 3))
            loss = ((out - 1) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            print(loss.item(), out.sum().item())
        """, ""),
    "two-models-two-optimizers": ("""
        import torch
        from torch import nn

        a = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        b = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        opt_a = torch.optim.SGD(a.parameters(), lr=0.1)
        loss_a = a(torch.randn(3, 2)).sum()
        loss_b = b(torch.randn(3, 2)).sum()
        loss_a.backward()
        opt_a.step()
        loss_b.backward()
        """, ""),
    "local-model-step-before-second-backward": ("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(3, 8)
                self.fc2 = nn.Linear(8, 1)

            def forward(self, x):
                return self.fc2(torch.relu(self.fc1(x)))

        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        out = model(torch.randn(4, 3))
        loss1 = out.mean()
        loss2 = (out ** 2).mean()
        loss1.backward(retain_graph=True)
        opt.step()  # expect: IPL003
        loss2.backward()
        """, "modified by an inplace operation"),
}


def _cases(run_only: bool = False):
    out = []
    for name, (code, raises) in CASES.items():
        if run_only and raises is None:
            continue
        out.append(pytest.param(textwrap.dedent(code).lstrip("\n"), raises, id=name))
    return out


def _expected(code: str):
    found = set()
    for i, line in enumerate(code.splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            found.update((i, c.strip()) for c in m.group(1).split(","))
    return found


@pytest.mark.parametrize("code, raises", _cases())
def test_static(code, raises):
    got = {(d.line, d.code) for d in analyze_source(code, "case.py")}
    assert got == _expected(code)


@pytest.mark.parametrize("code, raises", _cases(run_only=True))
def test_torch_agrees(code, raises):
    torch = pytest.importorskip("torch")
    import warnings

    prev = torch.is_grad_enabled()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if raises:
                with pytest.raises(Exception, match=re.escape(raises)):
                    exec(compile(code, "case.py", "exec"), {"__name__": "__main__"})
            else:
                exec(compile(code, "case.py", "exec"), {"__name__": "__main__"})
    finally:
        torch.set_grad_enabled(prev)


def test_each_detach_is_its_own_tensor_and_names_its_own_line():
    """Two ``z.detach()`` are two tensors: the one made to require grad at line 5 is the one named, not the one of
    line 3 (fuzz input 2026-86072: the message depended on which detach the analysis met first, so the pre-filtered
    lint and the full analysis disagreed)."""
    source = textwrap.dedent("""
        import torch
        z = torch.randn(3)
        c = z.detach()
        c.add_(1)
        a = z.detach().requires_grad_(True)
        a.uniform_()
        """).lstrip("\n")
    found = [(d.code, d.line, d.message) for d in analyze_source(source, "t.py")]
    assert [(code, line) for code, line, _ in found] == [("IPL001", 6)]
    assert "made to require grad at line 5" in found[0][2]


def test_a_finding_that_assumes_a_forward_input_requires_grad_says_so():
    """``forward``'s inputs are taken to require grad, as activations do; a finding that depends on it says so, and
    one that holds anyway (the conv saved ``x`` because its weight requires grad) does not."""
    from inplace_lint.registry import analyze_source

    source = textwrap.dedent("""
        import torch
        from torch import nn

        class Gate(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 3, 1)

            def forward(self, x, flag: bool = False, scale=2.0):
                h = torch.sigmoid(x)
                h.mul_(scale)
                out = self.conv(x)
                x.add_(1)
                return h + out
        """)
    found = {d.line: d.message for d in analyze_source(source, "gate.py")}
    assert set(found) == {12, 14}
    assert "(if `x` requires grad, as activations do)" in found[12]
    assert "as activations do" not in found[14]
