"""Prove the analysis pre-filter safe on the corpus: what it skips or blanks, analysed in full, finds nothing more.

The pre-filter (inplace_lint/analysis/prefilter.py) works on the text before any parsing:

1. skip: ``interp.might_have_findings(source)`` is false for a file that never says "torch" -- no parse, no
   abstract interpretation. For each skipped file this script runs ``analyze_module`` with that gate switched off
   (the interpreter must run: that is counted) and compares its diagnostics with those of the normal
   ``analyze_source``. Any finding the full analysis has and the normal one lacks is a miss.
2. blank (``--reduced``): in a kept file, top-level blocks with nothing a finding can sit on are blanked before
   parsing. With ``--reduced`` every kept file is also analysed whole (``analyze_module``) and compared with
   ``analyze_source``: a finding only one of them has is a miss. This doubles the cost of a run.

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
    stage: str = "skip"     # skip | blank
    extra: List[str] = field(default_factory=list)  # what only the pre-filtered analysis gave (blank stage)


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
    reduced_checked: int = 0      # kept files compared with their whole-text analysis (--reduced)
    reduced_files: int = 0        # of those, files the pre-filter blanked something in
    blanked_lines: int = 0        # non-empty lines it blanked in them
    kept_findings: int = 0        # diagnostics of the whole-text analysis on the compared kept files

    @property
    def skipped_files(self) -> int:
        return len(self.skipped)

    @property
    def skipped_lines(self) -> int:
        return sum(n for _, n in self.skipped)


GATES = ("might_have_findings", "mentions_torch")  # the names interp.py may gate the analysis on


@contextlib.contextmanager
def prefilter_off() -> Iterator[List[int]]:
    """Within: every "does it say torch" gate of interp.py says yes; yields a one-item list counting interpreter
    runs (check_source insists the interpreter really ran on a skipped file that parses)."""
    from inplace_lint.analysis import interp

    runs = [0]
    saved = {name: getattr(interp, name) for name in GATES if hasattr(interp, name)}
    original_run = interp.Interpreter.run

    def counting_run(self, *args, **kwargs):
        runs[0] += 1
        return original_run(self, *args, **kwargs)

    for name in saved:
        setattr(interp, name, lambda source: True)
    interp.Interpreter.run = counting_run
    try:
        yield runs
    finally:
        for name, value in saved.items():
            setattr(interp, name, value)
        interp.Interpreter.run = original_run


def _key(d) -> str:
    return f"{d.code} {d.line}:{d.col} {d.message}"


def _blanked(source: str) -> Optional[int]:
    """Non-empty lines the pre-filter blanks in ``source`` (None when this version has no blanking)."""
    try:
        from inplace_lint.analysis.prefilter import reduce_source
    except ImportError:
        return None
    text, _ = reduce_source(source)
    if text is None or text is source or text == source:
        return 0
    return sum(1 for a, b in zip(source.split("\n"), text.split("\n")) if a.strip() and not b.strip())


def check_source(source: str, path: str, report: Report, reduced: bool = False) -> None:
    """Account for one file's text in ``report``; with ``reduced``, compare kept files with their whole analysis."""
    from inplace_lint.registry import analyze_module, analyze_source
    from inplace_lint.analysis.interp import might_have_findings

    lines = len(source.splitlines())
    if might_have_findings(source):
        report.kept_files += 1
        report.kept_lines += lines
        if reduced:
            _check_kept(source, path, report)
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


def _check_kept(source: str, path: str, report: Report) -> None:
    from inplace_lint.registry import analyze_module, analyze_source

    report.reduced_checked += 1
    blanked = _blanked(source)
    if blanked:
        report.reduced_files += 1
        report.blanked_lines += blanked
    whole = {_key(d) for d in analyze_module(source, path)[1]}
    filtered = {_key(d) for d in analyze_source(source, path)}
    report.kept_findings += len(whole)
    if whole != filtered:
        report.misses.append(Miss(path, sorted(whole - filtered), "blank", sorted(filtered - whole)))


def check_files(paths: Sequence[Path], report: Optional[Report] = None, reduced: bool = False) -> Report:
    from inplace_lint.engine import UnreadableSource, read_source

    report = report or Report()
    for path in paths:
        try:
            source = read_source(path)
        except UnreadableSource:
            report.unreadable.append(str(path))
            continue
        check_source(source, str(path), report, reduced)
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
    ] + ([
        f"kept files analysed whole too: {report.reduced_checked}, of which the pre-filter blanked code in "
        f"{report.reduced_files} ({report.blanked_lines:,} non-empty lines, {pct(report.blanked_lines, total_l)} of "
        f"all lines); findings of the whole analysis on them: {report.kept_findings}"] if report.reduced_checked else []))


def main(argv: Optional[Sequence[str]] = None) -> int:
    sys.path.insert(0, str(BENCH))
    import corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="files or folders (default: the benchmark corpus)")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(corpus.QUICK)} of the corpus")
    parser.add_argument("--list", action="store_true", help="print every skipped file")
    parser.add_argument("--reduced", action="store_true",
                        help="also compare every kept file's pre-filtered analysis with its whole-text analysis")
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
        part = check_files(paths, reduced=args.reduced)
        print(f"{label}: kept {part.kept_files} files / {part.kept_lines:,} lines, skipped {part.skipped_files} "
              f"files / {part.skipped_lines:,} lines, misses {len(part.misses)}", flush=True)
        for name in ("kept_files", "kept_lines", "interpreted", "unparsable", "full_findings", "reduced_checked",
                     "reduced_files", "blanked_lines", "kept_findings"):
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
        print(f"MISS ({miss.stage}) {miss.path}:")
        for d in miss.diagnostics:
            print(f"    only in the full analysis: {d}")
        for d in miss.extra:
            print(f"    only in the pre-filtered analysis: {d}")
    return 1 if total.misses else 0


if __name__ == "__main__":
    sys.exit(main())
