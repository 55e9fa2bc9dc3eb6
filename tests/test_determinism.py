"""Same input, same output, same order: whatever the hash seed, the memory layout and the number of jobs."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from inplace_lint.catalog import load_rule, strip_markers

ROOT = Path(__file__).resolve().parents[1]


def _write_examples(folder: Path) -> None:
    for md in sorted((ROOT / "rules").glob("IPL*.md")):
        rule = load_rule(md)
        for ex in rule.examples():
            (folder / f"{ex.name.replace('-', '_')}.py").write_text(strip_markers(ex.code), encoding="utf-8")
    for f in (ROOT / "examples").glob("*.py"):
        (folder / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")


def _run(folder: Path, seed: str, jobs: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed,
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "inplace_lint", "check", "--no-cache", "--no-config", "--format", "json",
         "--unsafe-fixes", "--jobs", jobs, str(folder)],
        capture_output=True, text=True, env=env, cwd=folder,
    )
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_output_does_not_depend_on_hash_seed_or_jobs(tmp_path):
    _write_examples(tmp_path)
    first = _run(tmp_path, "1", "1")
    assert first.count('"code"') > 50
    assert _run(tmp_path, "2", "1") == first
    assert _run(tmp_path, "3", "2") == first
