"""Real libraries as test data: timm and torchvision, fetched from the package registry (pinned versions, the
benchmark's corpus), must produce no IPL003 finding (torch raises on none of them: they train fine) and no crash.

Skipped, with the reason, only when the registry cannot be reached."""
from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from inplace_lint.registry import analyze_source

ROOT = Path(__file__).resolve().parents[1]


def _corpus():
    spec = importlib.util.spec_from_file_location("bench_corpus_for_tests", ROOT / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def library_files():
    corpus = _corpus()
    try:
        corpus.ensure(["timm", "torchvision"])
    except (SystemExit, OSError, Exception) as exc:  # noqa: BLE001 - any failure to fetch is a skip, not a pass
        pytest.skip(f"could not fetch timm/torchvision from the package registry: {exc}")
    files = corpus.files(["timm", "torchvision"])
    assert len(files) > 400, "the corpus is incomplete"
    return files


@pytest.mark.network
def test_no_saved_tensor_finding_and_no_crash_on_timm_and_torchvision(library_files):
    counts: Counter = Counter()
    ipl003 = []
    for path in library_files:
        source = path.read_text(encoding="utf-8", errors="replace")
        for d in analyze_source(source, str(path)):  # raises on an internal error: that fails the test
            counts[d.code] += 1
            if d.code in ("IPL003", "IPL008", "IPL007"):
                ipl003.append(f"{path}:{d.line}: {d.code} {d.message}")
    assert not ipl003, "\n".join(ipl003)
    assert counts.get("IPL900", 0) == 0, counts
