"""Prove the analysis pre-filter safe on the corpus: every file it skips is analysed in full, which must not find more.

``inplace_lint.analysis.interp.might_have_findings(source)`` lets the analysis skip a file (no parse, no abstract
interpretation) when it cannot produce a finding. For each file this script:

- asks the pre-filter; a kept file needs nothing more;
- for a skipped file, runs ``analyze_module`` with the pre-filter switched off (the interpreter must run: that is
  counted) and compares its diagnostics with those of the normal, pre-filtered ``analyze_source``. Any finding
  the full analysis has and the pre-filtered one lacks is a miss.

``python bench/prefilter_check.py`` checks the whole corpus (fetched by bench/corpus.py if needed), ``--quick`` only
timm, or give files and folders. Prints files/lines kept vs skipped; writes the skipped files to
bench/.work/prefilter-skipped.txt (``--list`` prints them too). Exit 1 on any miss. The package is imported from this
checkout's work tree. tests/test_prefilter.py runs the same check.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@dataclass
class Miss:
    path: str
    diagnostics: List[str]  # "CODE line:col message" the full analysis gave and the pre-filtered one did not


@dataclass
class Report:
    kept_files: int = 0
    kept_lines: int = 0
    skipped: List[Tuple[str, int]] = field(default_factory=list)   # (path, lines)
    unreadable: List[str] = field(default_factory=list)
    interpreted: int = 0          # skipped files the full analysis really interpreted (they parse)
    unparsable: int = 0           # skipped files LibCST cannot parse (both paths give IPL900)
    full_findings: int = 0        # diagnostics of the full analysis on skipped files, IPL900 excluded
    misses: List[Miss] = field(default_factory=list)

    @property
    def skipped_files(self) -> int:
        return len(self.skipped)

    @property
    def skipped_lines(self) -> int:
        return sum(n for _, n in self.skipped)


@contextlib.contextmanager
def prefilter_off() -> Iterator[List[int]]:
    """Within: ``might_have_findings`` says yes to everything; yields a one-item list counting interpreter runs."""
    from inplace_lint.analysis import interp

    runs = [0]
    original_filter, original_run = interp.might_have_findings, interp.Interpreter.run

    def counting_run(self, *args, **kwargs):
        runs[0] += 1
        return original_run(self, *args, **kwargs)

    interp.might_have_findings = lambda source: True
    interp.Interpreter.run = counting_run
    try:
        yield runs
    finally:
        interp.might_have_findings = original_filter
        interp.Interpreter.run = original_run


def _key(d) -> str:
    return f"{d.code} {d.line}:{d.col} {d.message}"


def check_source(source: str, path: str, report: Report) -> None:
    """Account for one file's text in ``report``."""
    from inplace_lint.analysis import analyze_module, analyze_source
    from inplace_lint.analysis.interp import might_have_findings

    lines = len(source.splitlines())
    if might_have_findings(source):
        report.kept_files += 1
        report.kept_lines += lines
        return
    report.skipped.append((path, lines))
    filtered = {_key(d) for d in analyze_source(source, path)}
    with prefilter_off() as runs:
        module, diagnostics = analyze_module(source, path)
    if module is None:
        report.unparsable += 1
    elif runs[0] != 1:
        raise RuntimeError(f"{path}: the full analysis did not run the interpreter (ran {runs[0]} times); "
                           f"this script no longer switches the pre-filter off: update prefilter_off()")
    else:
        report.interpreted += 1
    report.full_findings += sum(1 for d in diagnostics if d.code != "IPL900")
    missed = sorted({_key(d) for d in diagnostics} - filtered)
    if missed:
        report.misses.append(Miss(path, missed))


def check_files(paths: Sequence[Path], report: Optional[Report] = None) -> Report:
    from inplace_lint.engine import UnreadableSource, read_source

    report = report or Report()
    for path in paths:
        try:
            source = read_source(path)
        except UnreadableSource:
            report.unreadable.append(str(path))
            continue
        check_source(source, str(path), report)
    return report


def expand(targets: Sequence[str]) -> List[Path]:
    out: List[Path] = []
    for target in targets:
        p = Path(target)
        out.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    return out


def summary(report: Report) -> str:
    total_f = report.kept_files + report.skipped_files
    total_l = report.kept_lines + report.skipped_lines
    pct = (lambda a, b: f"{100 * a / b:.1f}%" if b else "-")
    return "\n".join([
        f"kept    {report.kept_files:>6} files ({pct(report.kept_files, total_f)}) "
        f"{report.kept_lines:>10,} lines ({pct(report.kept_lines, total_l)})",
        f"skipped {report.skipped_files:>6} files ({pct(report.skipped_files, total_f)}) "
        f"{report.skipped_lines:>10,} lines ({pct(report.skipped_lines, total_l)})",
        f"skipped files analysed in full: {report.interpreted} interpreted, {report.unparsable} not parsable "
        f"(IPL900 either way); findings of the full analysis on them (IPL900 aside): {report.full_findings}; "
        f"misses: {len(report.misses)}" + (f"; unreadable: {len(report.unreadable)}" if report.unreadable else ""),
    ])


def main(argv: Optional[Sequence[str]] = None) -> int:
    sys.path.insert(0, str(BENCH))
    import corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="files or folders (default: the benchmark corpus)")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(corpus.QUICK)} of the corpus")
    parser.add_argument("--list", action="store_true", help="print every skipped file")
    args = parser.parse_args(argv)
    if args.paths:
        groups = [(t, expand([t])) for t in args.paths]
    else:
        names = list(corpus.QUICK) if args.quick else list(corpus.PACKAGES)
        stamps = corpus.ensure(names)
        groups = [(f"{s['name']} {s['version']}", corpus.files([s["name"]])) for s in stamps]

    t0 = time.perf_counter()
    total = Report()
    for label, paths in groups:
        part = check_files(paths)
        print(f"{label}: kept {part.kept_files} files / {part.kept_lines:,} lines, skipped {part.skipped_files} "
              f"files / {part.skipped_lines:,} lines, misses {len(part.misses)}", flush=True)
        for name in ("kept_files", "kept_lines", "interpreted", "unparsable", "full_findings"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.skipped += part.skipped
        total.unreadable += part.unreadable
        total.misses += part.misses
    print(summary(total))
    print(f"({time.perf_counter() - t0:.1f} s)")

    listing = BENCH / ".work" / "prefilter-skipped.txt"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("".join(f"{p}\t{n}\n" for p, n in total.skipped), encoding="utf-8")
    if args.list:
        for path, n in total.skipped:
            print(f"skipped: {path} ({n} lines)")
    else:
        print(f"skipped files listed in {listing.relative_to(REPO)}")
    for miss in total.misses:
        print(f"MISS {miss.path}:")
        for d in miss.diagnostics:
            print(f"    {d}")
    return 1 if total.misses else 0


if __name__ == "__main__":
    sys.exit(main())
