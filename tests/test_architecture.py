"""Architecture rules, checked on the source with an AST scan (nothing is imported):

(a) no import cycle among inplace_lint's modules -- imports inside functions and classes count, they are the usual
    way a cycle is hidden;
(b) the report/ formatters depend on the diagnostics model only: they import neither inplace_lint.analysis nor
    inplace_lint.fixes, nor a private ``_name`` of another module;
(c) the static checker never imports torch at import time: only inplace_lint/validate/ (and tools/, outside the
    package) may import torch at module level.

The graph builder and the cycle finder are tested on synthetic input first, so a finder that sees nothing cannot
make (a) pass.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "inplace_lint"


class Import(NamedTuple):
    target: str        # the absolute module (or module.name) imported
    names: Tuple[str, ...]  # for ``from x import a, b``: ("a", "b"); else ()
    line: int
    module_level: bool  # executed when the module is imported (not inside a def/lambda)


# --------------------------------------------------------------------------------------------------------------------
# scanning
# --------------------------------------------------------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path, package: str = PACKAGE) -> Dict[str, Path]:
    """Every module of ``package`` under ``root``: dotted name -> file."""
    return {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}


def _resolve_relative(module: str, is_package: bool, level: int, target: Optional[str]) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _walk_with_scope(tree: ast.AST) -> Iterator[Tuple[ast.AST, bool]]:
    """Every node with whether it runs at import time: not inside the body of a def or lambda (decorators, default
    values and class bodies do run at import time)."""
    stack: List[Tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, top = stack.pop()
        yield node, top
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            for child in ast.iter_child_nodes(node):
                stack.append((child, top and not any(child is b for b in body)))
        else:
            stack.extend((child, top) for child in ast.iter_child_nodes(node))


def imports_of(source: str, module: str, is_package: bool) -> List[Import]:
    """Every import statement (at any depth) plus ``importlib.import_module("...")`` / ``__import__("...")`` calls
    with a literal name."""
    tree = ast.parse(source)
    found: List[Import] = []
    for node, top in _walk_with_scope(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(alias.name, (), node.lineno, top))
        elif isinstance(node, ast.ImportFrom):
            target = (_resolve_relative(module, is_package, node.level, node.module) if node.level
                      else node.module or "")
            found.append(Import(target, tuple(a.name for a in node.names), node.lineno, top))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__"):
                found.append(Import(node.args[0].value, (), node.lineno, top))
    return found


def import_graph(modules: Dict[str, Path]) -> Dict[str, Set[str]]:
    """module -> the package modules it imports.  ``from pkg import sub`` points at ``pkg.sub`` when that is a
    module, else at ``pkg``; ``import a.b.c`` points at the deepest of ``a.b.c``, ``a.b``, ``a`` that is a module;
    plus the packages above each target (``a``, ``a.b``) that are not the importer's own ancestors."""
    graph: Dict[str, Set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for imp in imports_of(path.read_text(encoding="utf-8"), name, is_package):
            targets = []
            if imp.names:
                targets = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in modules]
                if len(targets) < len(imp.names) and imp.target in modules:
                    targets.append(imp.target)  # some names are attributes of the module itself
            else:
                parts = imp.target.split(".")
                for end in range(len(parts), 0, -1):
                    if ".".join(parts[:end]) in modules:
                        targets.append(".".join(parts[:end]))
                        break
            # importing a.b.c first runs a/__init__ and a/b/__init__: the importer depends on them too, unless they
            # are its own ancestors (initialised before it anyway)
            ancestors = {".".join(name.split(".")[:end]) for end in range(1, name.count(".") + 1)}
            for target in targets:
                parts = target.split(".")
                graph[name].update(p for p in (".".join(parts[:end]) for end in range(1, len(parts) + 1))
                                   if p in modules and p != name and p not in ancestors)
    return graph


# --------------------------------------------------------------------------------------------------------------------
# cycles
# --------------------------------------------------------------------------------------------------------------------


def strongly_connected_components(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Tarjan's algorithm (iterative); every node of the graph, including pure targets, is in one component."""
    nodes = sorted(set(graph) | {t for ts in graph.values() for t in ts})
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    on_stack: Set[str] = set()
    stack: List[str] = []
    components: List[List[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _path_within(graph: Dict[str, Set[str]], start: str, goal: str, allowed: Set[str]) -> List[str]:
    """A shortest path start -> ... -> goal using only ``allowed`` nodes (BFS)."""
    previous: Dict[str, Optional[str]] = {start: None}
    queue = [start]
    for node in queue:
        for child in sorted(graph.get(node, ())):
            if child in allowed and child not in previous:
                previous[child] = node
                queue.append(child)
    path = [goal]
    while previous[path[-1]] is not None:
        path.append(previous[path[-1]])  # type: ignore[arg-type]
    return path[::-1]


def find_cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One concrete cycle per strongly connected component that has one, as ``[a, b, ..., a]`` starting at the
    component's smallest member.  Self-imports count."""
    cycles = []
    for component in strongly_connected_components(graph):
        first = component[0]
        if len(component) == 1:
            if first in graph.get(first, ()):
                cycles.append([first, first])
            continue
        members = set(component)
        successor = min(c for c in graph[first] if c in members)
        cycles.append([first] + _path_within(graph, successor, first, members))
    return sorted(cycles)


def module_level_torch_imports(modules: Dict[str, Path]) -> Dict[str, List[int]]:
    """module -> lines where it imports torch (or a torch submodule) at import time."""
    found: Dict[str, List[int]] = {}
    for name, path in modules.items():
        lines = [imp.line for imp in imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
                 if imp.module_level and (imp.target == "torch" or imp.target.startswith("torch."))]
        if lines:
            found[name] = sorted(lines)
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def private_uses(path: Path, module: str, modules: Dict[str, Path]) -> List[str]:
    """Private names of *other* package modules that ``module`` uses: ``from m import _x`` and ``alias._x`` where
    ``alias`` is bound to a package module by an import (``import a.b``, ``import a.b as m``, ``from a import b``)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: Dict[str, str] = {}  # local dotted name -> package module
    found: List[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    parts = alias.name.split(".")
                    for end in range(1, len(parts) + 1):
                        aliases[".".join(parts[:end])] = ".".join(parts[:end])
        elif isinstance(node, ast.ImportFrom):
            target = (_resolve_relative(module, is_package, node.level, node.module) if node.level
                      else node.module or "")
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
                elif _is_private(alias.name) and target != module and (
                        target in modules or target.split(".")[0] == PACKAGE):
                    found.append((node.lineno, f"line {node.lineno}: from {target} import {alias.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = _dotted(node.value)
            target = aliases.get(base) if base is not None else None
            if target is not None and target in modules and target != module:
                found.append((node.lineno, f"line {node.lineno}: {target}.{node.attr}"))
    return [text for _, text in sorted(set(found))]


# --------------------------------------------------------------------------------------------------------------------
# the finder and the scanner on synthetic input
# --------------------------------------------------------------------------------------------------------------------


def test_cycle_finder_on_a_synthetic_graph():
    graph = {
        "a": {"b"}, "b": {"c"}, "c": {"a", "d"},   # a -> b -> c -> a
        "d": {"e"}, "e": set(),                    # acyclic tail
        "f": {"f"},                                # self-import
        "g": {"h"}, "h": {"g", "a"},               # g <-> h, pointing into the first cycle
        "x": {"y"}, "y": {"z"}, "z": set(),        # a chain is not a cycle
    }
    assert find_cycles(graph) == [["a", "b", "c", "a"], ["f", "f"], ["g", "h", "g"]]
    components = strongly_connected_components(graph)
    assert sorted(map(tuple, components)) == [("a", "b", "c"), ("d",), ("e",), ("f",), ("g", "h"), ("x",), ("y",),
                                              ("z",)]
    assert find_cycles({"x": {"y"}, "y": {"z"}, "z": set()}) == []
    assert find_cycles({}) == []
    # one big cycle through a long chain, entered from outside
    n = 2000
    ring = {f"m{i:04d}": {f"m{(i + 1) % n:04d}"} for i in range(n)}
    ring["entry"] = {"m0500"}
    (cycle,) = find_cycles(ring)
    assert cycle[0] == cycle[-1] == "m0000" and len(cycle) == n + 1


def test_scanner_sees_imports_inside_functions_and_relative_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\nimport torch\n")
    (pkg / "b.py").write_text("def late():\n    from .sub import c\n    import torch\n    return c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text(
        "import importlib\nclass K:\n    def m(self):\n        return importlib.import_module('pkg.a')\n"
        "from ..b import late as _late\n")
    modules = package_modules(tmp_path, "pkg")
    assert set(modules) == {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c"}
    graph = import_graph(modules)
    # b imports pkg.sub.c, which first runs pkg/sub/__init__; pkg itself is everyone's ancestor
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub", "pkg.sub.c"},
                     "pkg.sub": set(), "pkg.sub.c": {"pkg.a", "pkg.b"}}
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]
    (pkg / "sub" / "__init__.py").write_text("def f():\n    import pkg.b\n")  # now pkg.sub <-> pkg.b too
    graph = import_graph(package_modules(tmp_path, "pkg"))
    assert graph["pkg.sub"] == {"pkg.b"}
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]  # one cycle shown per component...
    assert ("pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c") in map(tuple, strongly_connected_components(graph))  # ...of 4
    torch_a = [i for i in imports_of((pkg / "a.py").read_text(), "pkg.a", False) if i.target == "torch"]
    torch_b = [i for i in imports_of((pkg / "b.py").read_text(), "pkg.b", False) if i.target == "torch"]
    assert [i.module_level for i in torch_a] == [True] and [i.module_level for i in torch_b] == [False]
    assert module_level_torch_imports(modules) == {"pkg.a": [2]}


def test_private_name_finder(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "report").mkdir(parents=True)
    for rel in ("__init__.py", "engine.py", "report/__init__.py", "report/common.py"):
        (pkg / rel).write_text("")
    (pkg / "report" / "text.py").write_text(
        "from pkg.engine import _secret, public\n"
        "from pkg import engine as eng\n"
        "import pkg.report.common\n"
        "from .common import __all__\n"
        "def f():\n"
        "    return eng._hidden + eng.shown + pkg.report.common._helper\n"
        "_own = 1\n"
        "def g():\n"
        "    return _own\n")
    modules = package_modules(tmp_path, "pkg")
    assert private_uses(modules["pkg.report.text"], "pkg.report.text", modules) == [
        "line 1: from pkg.engine import _secret",
        "line 6: pkg.engine._hidden",
        "line 6: pkg.report.common._helper",
    ]


# --------------------------------------------------------------------------------------------------------------------
# the rules, on inplace_lint/
# --------------------------------------------------------------------------------------------------------------------

MODULES = package_modules(ROOT)


def test_the_scan_sees_the_package():
    graph = import_graph(MODULES)
    assert {"inplace_lint.engine", "inplace_lint.catalog", "inplace_lint.report"} <= set(MODULES)
    assert sum(len(targets) for targets in graph.values()) >= len(MODULES)  # a scan that found no edge is broken
    assert "inplace_lint.catalog" in set().union(*graph.values())


def test_no_import_cycle():
    graph = import_graph(MODULES)
    report = []
    for cycle in find_cycles(graph):
        members = set(cycle)
        component = next(c for c in strongly_connected_components(graph) if cycle[0] in c)
        edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a]) if b in component]
        report.append(" -> ".join(cycle) + f"\n    all {len(component)} modules of this cycle: " + ", ".join(component)
                      + "\n    their imports of each other: " + "; ".join(edges))
        assert members <= set(component)
    assert report == [], "import cycles (imports inside functions count):\n" + "\n".join(report)


REPORT_FORBIDDEN = ("inplace_lint.analysis", "inplace_lint.fixes")


def test_report_modules_depend_on_the_model_only():
    violations = []
    for name, path in sorted(MODULES.items()):
        if not (name == "inplace_lint.report" or name.startswith("inplace_lint.report.")):
            continue
        for imp in imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py"):
            targets = [imp.target] + [f"{imp.target}.{n}" for n in imp.names]
            for target in targets:
                if any(target == f or target.startswith(f + ".") for f in REPORT_FORBIDDEN):
                    violations.append(f"{path.relative_to(ROOT)}:{imp.line}: imports {target}")
                    break
        violations += [f"{path.relative_to(ROOT)}: uses private {use}" for use in private_uses(path, name, MODULES)]
    assert sorted(violations) == [], "\n".join(sorted(violations))


def test_only_validate_imports_torch_at_module_level():
    allowed = ("inplace_lint.validate",)
    offenders = {name: lines for name, lines in module_level_torch_imports(MODULES).items()
                 if not any(name == a or name.startswith(a + ".") for a in allowed)}
    assert offenders == {}, f"torch imported at module level (line numbers): {offenders}"
    assert not (ROOT / "inplace_lint" / "ops" / "generate.py").exists(), "the torch-driven generator is tools/"
