"""Baselines: adopt inplace-lint in a big codebase without fixing everything first.

``inplace-lint --write-baseline inplace-lint-baseline.json .`` records every current finding;
``inplace-lint --baseline inplace-lint-baseline.json .`` then reports only findings that are not in it.

A finding is identified by (path, code, fingerprint), where the fingerprint is ``Diagnostic.fingerprint``: a hash of
the code and the text of the flagged line, whitespace-normalised (a hash of the code and message for findings that
have none). Line numbers play no part, so code moving up or down does not resurface old findings; editing the
flagged line itself does (it is a different statement now). Identical statements in one file are counted: with two
recorded, a third copy is new. Paths are stored relative to the baseline file's folder, with ``/``, so the baseline
works from any working directory and on any OS.

File format (JSON, sorted, one entry per key)::

    {"version": 1, "tool": "inplace-lint",
     "findings": [{"path": "train.py", "code": "IPL001", "fingerprint": "3f2a...", "count": 1,
                   "message": "In-place operation on leaf tensor `w`..."}]}
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from .diagnostics import Diagnostic
from .fileio import write_atomic

VERSION = 1
Key = Tuple[str, str, str]


class BaselineError(Exception):
    """The baseline file cannot be read or is not a baseline."""


def _relative(path: str, base: Path) -> str:
    if path == "-":
        return path
    try:
        rel = os.path.relpath(os.path.abspath(path), base)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def key_of(d: Diagnostic, base: Path) -> Key:
    return (_relative(d.path, base), d.code, d.stable_fingerprint())


def _base(baseline_file: os.PathLike) -> Path:
    return Path(os.path.abspath(baseline_file)).parent


def write_baseline(baseline_file: os.PathLike, diagnostics: Sequence[Diagnostic]) -> int:
    """Record ``diagnostics`` in ``baseline_file`` (atomically); return how many findings it holds."""
    base = _base(baseline_file)
    counts: Counter = Counter()
    messages: Dict[Key, str] = {}
    for d in diagnostics:
        key = key_of(d, base)
        counts[key] += 1
        messages.setdefault(key, d.message)
    findings = [{"path": p, "code": c, "fingerprint": f, "count": counts[(p, c, f)], "message": messages[(p, c, f)]}
                for p, c, f in sorted(counts)]
    text = json.dumps({"version": VERSION, "tool": "inplace-lint", "findings": findings}, indent=2,
                      ensure_ascii=False) + "\n"
    target = Path(baseline_file)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text.encode("utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {baseline_file}: {exc.strerror or exc}") from exc
    return sum(counts.values())


def load_baseline(baseline_file: os.PathLike) -> Counter:
    """(path, code, fingerprint) -> count, from a file ``write_baseline`` wrote."""
    try:
        data = json.loads(Path(baseline_file).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"baseline file not found: {baseline_file} (create it with --write-baseline)") from exc
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {baseline_file}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"{baseline_file}: not a baseline (invalid JSON: {exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{baseline_file}: not a baseline (no 'findings' list)")
    if data.get("version") != VERSION:
        raise BaselineError(f"{baseline_file}: unsupported baseline version {data.get('version')!r}")
    counts: Counter = Counter()
    for entry in data["findings"]:
        try:
            key = (str(entry["path"]), str(entry["code"]), str(entry["fingerprint"]))
            counts[key] += int(entry.get("count", 1))
        except (TypeError, KeyError, ValueError) as exc:
            raise BaselineError(f"{baseline_file}: malformed entry {entry!r}") from exc
    return counts


def apply_baseline(diagnostics: Sequence[Diagnostic], baseline: Counter,
                   baseline_file: os.PathLike) -> Tuple[List[Diagnostic], int]:
    """(findings not covered by the baseline, number of findings it covered). Diagnostics are taken in order, so
    when a file has more copies of a finding than recorded, the later ones are reported."""
    base = _base(baseline_file)
    budget = Counter(baseline)
    kept: List[Diagnostic] = []
    matched = 0
    for d in diagnostics:
        key = key_of(d, base)
        if budget[key] > 0:
            budget[key] -= 1
            matched += 1
        else:
            kept.append(d)
    return kept, matched
