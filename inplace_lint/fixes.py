"""``--fix`` and ``--diff``: apply the finished fixes of the findings, round after round, and write files atomically.

A finding's fix is already a list of text edits when the engine hands it over (``codemods.materialize``), so this
module never touches LibCST nodes and reads findings from the cache and from worker processes like a lint run does.

* **Fixed point.** ``fix_text(source, path, unsafe=..., check=...)`` takes the applicable fixes of the lowest
  priority present, keeps those whose edits do not touch each other's lines (identical edits, such as one
  ``import torch``, count once), applies them, analyses the new text and goes again, at most ``MAX_ROUNDS`` times.
  Each round's output must parse with LibCST and ``compile()`` (if the original compiled), and the rounds must
  settle before ``MAX_ROUNDS`` (a fix that does not remove its finding would grow the file on every run);
  otherwise nothing is changed and the reason is returned.
* **Files.** ``fix_paths(paths, settings, FixOptions(...), jobs=..., cache=...)`` reads each file (keeping its
  encoding, BOM and line endings), fixes it, writes it atomically (temp file + ``os.replace``, mode kept) or, for
  ``--diff``, only collects a unified diff; the findings that remain are reported like a normal run. Files are
  fixed in worker processes with ``jobs`` > 1; every analysis goes through the results cache when one is given.
"""
from __future__ import annotations

import difflib
import io
import sys
import tokenize
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import BinaryIO, Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from . import engine
from .analysis.guard import run_deep
from .codemods import compiles
from .diagnostics import Diagnostic, Edit, is_fixable
from .edits import apply_edits, compatible
from .engine import STDIN, LintError, Result, UnreadableSource
from .fileio import NotWritable, write_atomic

MAX_ROUNDS = 10
PYTHON_SUFFIXES = (".py", ".pyi")
NOTEBOOK_SUFFIX = ".ipynb"  # fixed through inplace_lint.notebook; other readers' files are linted, not fixed

Check = Callable[[str], List[Diagnostic]]


# ---------------------------------------------------------------------------------------------------------------
# One round, and the fixed point


def choose_fixes(diagnostics: Sequence[Diagnostic], unsafe: bool = False) -> Tuple[List[Diagnostic], List[Edit]]:
    """The findings whose fixes one round applies, and their edits: the lowest priority present only, in position
    order, each fix taken whole or not at all, never two that touch the same lines."""
    candidates = [d for d in diagnostics if is_fixable(d, unsafe)]
    if not candidates:
        return [], []
    lowest = min(d.fix.priority for d in candidates)
    chosen: List[Diagnostic] = []
    edits: List[Edit] = []
    for d in sorted((d for d in candidates if d.fix.priority == lowest), key=Diagnostic.sort_key):
        if compatible(d.fix.edits, edits):
            chosen.append(d)
            edits.extend(d.fix.edits)
    return chosen, edits


@dataclass
class TextFix:
    """The outcome of fixing one text."""

    original: str
    source: str  # the fixed text (the original when nothing applied, or on error)
    initial: List[Diagnostic]  # findings before fixing
    remaining: List[Diagnostic]  # findings of ``source``
    applied: List[Diagnostic] = field(default_factory=list)  # diagnostics whose fixes were applied, all rounds
    rounds: int = 0
    error: Optional[str] = None  # why nothing was changed although fixes applied

    @property
    def changed(self) -> bool:
        return self.source != self.original

    @property
    def fixed(self) -> int:
        """Problems gone (a fix may make others disappear too, e.g. dropping ``.detach()``)."""
        if not self.changed:
            return 0
        gone = len(self.initial) - len(self.remaining)
        return gone if gone > 0 else len(self.applied)


def _problem(code: str, path: str, compiled_before: bool) -> Optional[str]:
    try:
        cst.parse_module(code)
    except Exception as exc:  # noqa: BLE001 - any failure means the output is unusable
        return f"the fixed code does not parse ({' '.join(str(exc).split())[:200]})"
    if compiled_before and not compiles(code, path):
        return "the fixed code does not compile"
    return None


def fix_text(source: str, path: str = "<string>", *, unsafe: bool = False, check: Optional[Check] = None,
             initial: Optional[List[Diagnostic]] = None, max_rounds: int = MAX_ROUNDS,
             fix_with: str = "default") -> TextFix:
    """Apply fixes to ``source`` until none applies (or ``max_rounds``). ``check(text)`` returns the findings of a
    text with finished fixes (default: every finding, ``engine.analyze_text``); only those are fixed and reported.
    ``initial``: the findings of ``source``, when already known (e.g. from the cache).

    LibCST recurses: a deeply nested file is checked on a big stack (``analysis.guard.run_deep``); if even that
    runs out, the text is left unchanged with an error. ``fix_with="function"``: in-place chains become
    ``torch.autograd.Function``s (``--fix-with function``) when no ``check`` is given."""
    check = check or (lambda text: engine.analyze_text(text, path, fix_budget=None, fix_with=fix_with))
    try:
        return run_deep(lambda: _fix_text(source, path, unsafe, check, initial, max_rounds))
    except RecursionError:
        return TextFix(original=source, source=source, initial=[], remaining=[],
                       error="the file is nested too deeply to fix; it was left unchanged")


def _fix_text(source: str, path: str, unsafe: bool, check: Check, initial: Optional[List[Diagnostic]],
              max_rounds: int) -> TextFix:
    diags = initial if initial is not None else check(source)
    result = TextFix(original=source, source=source, initial=diags, remaining=diags)
    chosen, edits = choose_fixes(diags, unsafe)
    if not chosen:
        return result
    compiled_before = compiles(source, path)
    text, seen = source, {source}

    def fail(problem: str) -> TextFix:
        result.source, result.remaining, result.applied = source, result.initial, []
        result.error = f"{problem}; the file was left unchanged (this is a bug in inplace-lint; please report it)"
        return result

    while chosen:
        if result.rounds >= max_rounds:
            # every round found something to fix again: a fix that does not remove its finding (it would add the
            # same lines on every run); leave the file as it was rather than write that
            return fail(f"the fixes did not settle after {max_rounds} rounds")
        new = apply_edits(text, edits)
        if new is None:
            return fail("the fixes do not fit the text they were made for")
        problem = _problem(new, path, compiled_before)
        if problem is not None:
            return fail(problem)
        if new == text:
            break
        result.rounds += 1
        result.applied.extend(chosen)
        text = new
        diags = check(text)
        if text in seen:
            break
        seen.add(text)
        chosen, edits = choose_fixes(diags, unsafe)
    result.source, result.remaining = text, diags
    return result


# ---------------------------------------------------------------------------------------------------------------
# Files: read, fix, write atomically; --diff


@dataclass
class FixOptions:
    unsafe: bool = False  # apply unsafe fixes too
    write: bool = True  # False for --diff: compute, never write
    max_rounds: int = MAX_ROUNDS


@dataclass
class FileFix:
    """A Python file the run changed (or, for --diff, would change): what ``--validate`` runs before and after."""

    original: str
    fixed: str
    initial: List[Diagnostic]
    remaining: List[Diagnostic]


@dataclass
class FixRun(Result):
    """A run under ``--fix`` / ``--diff``: the usual result (remaining findings) plus what changed."""

    fixed: int = 0  # problems fixed (or, for --diff, that would be)
    files_fixed: int = 0  # files written (or, for --diff, that would be)
    diffs: List[str] = field(default_factory=list)  # unified diffs, one per changed file
    stdin_output: Optional[bytes] = None  # the fixed stdin, to print with --fix
    unsafe_fixes: bool = False  # unsafe fixes count as fixable ([*]) in the report
    changes: Dict[str, FileFix] = field(default_factory=dict)  # Python files changed, by displayed path
    fixed_codes: Dict[str, Dict[str, int]] = field(default_factory=dict)  # path -> code -> fixes applied (--show-fixes)

    def merge(self, other: "FixRun") -> None:
        """Add the outcome of other files (a worker's) to this run."""
        self.diagnostics.extend(other.diagnostics)
        self.errors.extend(other.errors)
        self.files_checked += other.files_checked
        self.sources.update(other.sources)
        self.paths.extend(other.paths)
        self.cached += other.cached
        self.fixed += other.fixed
        self.files_fixed += other.files_fixed
        self.diffs.extend(other.diffs)
        self.changes.update(other.changes)
        self.fixed_codes.update(other.fixed_codes)

    def count_applied(self, path: str, applied: Sequence[Diagnostic]) -> None:
        counts = self.fixed_codes.setdefault(path, {})
        for d in applied:
            counts[d.code] = counts.get(d.code, 0) + 1


def with_unsafe_hints(result: Result) -> FixRun:
    """A plain run's result, reported with unsafe fixes marked as fixable (``--unsafe-fixes`` without ``--fix``)."""
    run = FixRun(**{f.name: getattr(result, f.name) for f in fields(result)})
    run.unsafe_fixes = True
    return run


class SourceBytes:
    """Decoded source that remembers how to turn it back into the same bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.text = engine.decode_source(data)  # raises UnreadableSource
        try:
            self.encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        except SyntaxError:
            self.encoding = "utf-8"

    def encode(self, text: str) -> bytes:
        """``text`` in the file's encoding (a BOM stays, CRLF stays: fixes keep line endings)."""
        if self.text.encode(self.encoding) != self.data:
            raise ValueError(f"the file does not round-trip through its encoding ({self.encoding})")
        return text.encode(self.encoding)


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff from ``old`` to ``new`` (``\\ No newline at end of file`` where needed)."""
    lines = []
    for line in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=path, tofile=path):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return "".join(lines)


def fix_paths(paths: Sequence[str], settings, options: FixOptions, *, stdin_filename: Optional[str] = None,
              stdin: Optional[BinaryIO] = None, jobs: int = 1, cache=None) -> FixRun:
    """``--fix`` / ``--diff`` over files, folders and ``-``: remaining findings, diffs, errors."""
    run = FixRun(unsafe_fixes=options.unsafe)
    file_paths = [p for p in paths if p != STDIN]
    files, run.errors = engine.discover(file_paths, settings)
    if STDIN in paths:
        stream = stdin if stdin is not None else sys.stdin.buffer
        path = engine.display_path(stdin_filename) if stdin_filename else STDIN
        run.stdin_path = path
        data = stream.read()
        run.stdin_output = data
        if not (stdin_filename and engine.stdin_excluded(settings, stdin_filename)):
            run.stdin_output = _fix_one(path, lambda: data, None, settings, options, run, cache)
    for part in _fix_files([(engine.display_path(f), f) for f in files], settings, options, jobs, cache):
        run.merge(part)
    run.diagnostics.sort(key=Diagnostic.sort_key)
    run.errors.sort(key=lambda e: e.path)
    return run


_WORKER: Optional[tuple] = None  # (settings, options, cache) in a worker process


def _init_worker(settings, options: FixOptions, cache) -> None:
    global _WORKER
    _WORKER = (settings, options, cache)


def _worker_fix(job: Tuple[str, str]) -> FixRun:
    assert _WORKER is not None
    settings, options, cache = _WORKER
    return _fix_file(job[0], Path(job[1]), settings, options, cache)


def _fix_file(display: str, file: Path, settings, options: FixOptions, cache) -> FixRun:
    part = FixRun(unsafe_fixes=options.unsafe)
    _fix_one(display, lambda: engine.read_file_bytes(file), file, settings, options, part, cache)
    return part


def _fix_files(jobs_list: List[Tuple[str, Path]], settings, options: FixOptions, jobs: int, cache) -> List[FixRun]:
    """Fix files, in worker processes when worth it; outcomes in the order of ``jobs_list``."""
    if jobs > 1 and len(jobs_list) >= engine.PARALLEL_MIN_FILES and engine.may_have_children():
        workers = min(jobs, len(jobs_list))
        chunksize = max(1, min(64, len(jobs_list) // (workers * 8)))
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=engine.pool_context(), initializer=_init_worker,
                                     initargs=(settings, options, cache)) as pool:
                return list(pool.map(_worker_fix, [(d, str(f)) for d, f in jobs_list], chunksize=chunksize))
        except (OSError, BrokenProcessPool, RuntimeError):
            pass  # no processes to be had here (nothing was written before the pool started): run serially
    return [_fix_file(display, file, settings, options, cache) for display, file in jobs_list]


def _cached_check(path: str, settings, cache, encode: Callable[[str], bytes], run: FixRun) -> Check:
    """``engine.analyze_text`` for the file ``path``, through the results cache when there is one (keyed by the
    bytes the text would be written as, so a later lint run of the fixed file reads what this run found)."""
    def check(text: str) -> List[Diagnostic]:
        key = None
        if cache is not None:
            try:
                key = cache.key(path, encode(text), settings.for_path(path).fingerprint)
            except (ValueError, UnicodeError):
                key = None
        entry = cache.get(key) if key is not None else None
        if entry is not None:
            run.cached += 1
            return entry.diagnostics
        diags = engine.analyze_text(text, path, settings, fix_budget=None)
        if key is not None:
            cache.put(key, diags)
        return diags
    return check


def _fix_one(path: str, read: Callable[[], bytes], file: Optional[Path], settings, options: FixOptions,
             run: FixRun, cache=None) -> Optional[bytes]:
    """Fix one source into ``run``; returns the bytes to print for stdin."""
    run.files_checked += 1
    run.paths.append(path)

    def report(diags: List[Diagnostic], text: Optional[str]) -> None:
        if diags:
            run.diagnostics.extend(diags)
            if text is not None:
                run.sources[path] = text

    def unreadable(reason: str) -> None:
        report(engine.filter_diagnostics([engine.unreadable_diagnostic(path, reason)], None, path, settings), None)

    try:
        if (file.suffix if file is not None else Path(path).suffix) == NOTEBOOK_SUFFIX:  # a file, or stdin
            return _fix_notebook(path, read, file, settings, options, run, report, unreadable)
        if file is not None and file.suffix not in PYTHON_SUFFIXES:  # other readers: lint only
            try:
                text = engine.read_source(file)
            except UnreadableSource as exc:
                unreadable(str(exc))
                return None
            report(engine.check_source(text, path, settings), text)
            return None
        try:
            source = SourceBytes(read())
        except PermissionError:
            unreadable("permission denied")
            return None
        except OSError as exc:
            unreadable(f"cannot read: {exc.strerror or exc}")
            return None
        except UnreadableSource as exc:
            unreadable(str(exc))
            return None
        check = _cached_check(path, settings, cache if file is not None else None, source.encode, run)
        result = fix_text(source.text, path, unsafe=options.unsafe, check=check, max_rounds=options.max_rounds)
        if result.error:
            run.errors.append(LintError(path, f"cannot fix: {result.error}"))
        out = source.data
        if result.changed:
            try:
                out = source.encode(result.source)
                if options.write and file is not None:
                    write_atomic(file, out, keep_mode=True, fsync=True)
            except (NotWritable, OSError, ValueError, UnicodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                run.errors.append(LintError(path, f"cannot write the fixes: {reason}; the file was left unchanged"))
                report(result.initial, source.text)
                return source.data
            run.fixed += result.fixed
            run.files_fixed += 1
            run.count_applied(path, result.applied)
            run.changes[path] = FileFix(source.text, result.source, result.initial, result.remaining)
            if not options.write:
                run.diffs.append(unified_diff(source.text, result.source, path))
        report(result.remaining, result.source)
        return out
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        run.errors.append(LintError(path, f"internal error: {type(exc).__name__}: {exc}"))
        return None


def _fix_notebook(path: str, read: Callable[[], bytes], file: Optional[Path], settings, options: FixOptions,
                  run: FixRun, report, unreadable) -> Optional[bytes]:
    """Fix the program of a notebook (its code cells as one text) and write back only the cells that changed.
    Returns the notebook's new bytes (what to print for stdin)."""
    from . import notebook

    data = None
    try:
        data = read()
        original = notebook.load_notebook_text(data)
        program = notebook.NotebookSource(notebook.Notebook.parse(original))
    except (OSError, UnreadableSource) as exc:
        unreadable(f"cannot read: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc))
        return data
    outcome: List[TextFix] = []

    def fix_program(text: str) -> str:
        outcome.append(fix_text(text, path, unsafe=options.unsafe, max_rounds=options.max_rounds,
                                check=lambda t: engine.analyze_text(t, path, settings, fix_budget=None)))
        return outcome[-1].source

    try:
        new_text = notebook.fix_notebook_text(original, fix_program)
    except (ValueError, UnreadableSource) as exc:
        new_text = None
        run.errors.append(LintError(path, f"cannot fix: {exc}; the file was left unchanged"))
    result = outcome[-1] if outcome else None
    if result is None:
        return data
    if result.error:
        run.errors.append(LintError(path, f"cannot fix: {result.error}"))
    if new_text is None:
        report(engine.remap_cells(result.initial, program), program)
        return data
    try:
        if options.write and file is not None:
            write_atomic(file, new_text.encode("utf-8"), keep_mode=True, fsync=True)
    except (NotWritable, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        run.errors.append(LintError(path, f"cannot write the fixes: {reason}; the file was left unchanged"))
        report(engine.remap_cells(result.initial, program), program)
        return data
    run.fixed += result.fixed
    run.files_fixed += 1
    run.count_applied(path, result.applied)
    if not options.write:
        run.diffs.append(unified_diff(original, new_text, path))
    fixed_program = notebook.NotebookSource(notebook.Notebook.parse(new_text))
    report(engine.remap_cells(result.remaining, fixed_program), fixed_program)
    return new_text.encode("utf-8")


# ---------------------------------------------------------------------------------------------------------------
# --add-noqa


def add_noqa(result: Result, stdin_path: Optional[str] = None) -> Tuple[int, List[LintError]]:
    """``--add-noqa``: write ``# noqa: CODES`` on every line of a Python file with findings (the findings of
    ``result``); returns how many directives were added or extended, and the files that could not be changed.
    Notebooks and standard input are left alone; a file is written (atomically, in its encoding) only when the result
    still compiles."""
    from . import noqa

    by_path: Dict[str, List[Diagnostic]] = {}
    for d in result.diagnostics:
        if d.path != stdin_path and Path(d.path).suffix in PYTHON_SUFFIXES:
            by_path.setdefault(d.path, []).append(d)
    added, errors = 0, []
    for path, diags in sorted(by_path.items()):
        try:
            source = SourceBytes(engine.read_file_bytes(path))
            edits = noqa.add_noqa_edits(source.text, diags)
            new = apply_edits(source.text, edits) if edits else None
            if new is None:
                continue
            if compiles(source.text, path) and not compiles(new, path):
                errors.append(LintError(path, "cannot add noqa directives: the result would not compile; "
                                              "the file was left unchanged"))
                continue
            write_atomic(path, source.encode(new), keep_mode=True, fsync=True)
            added += len(edits)
        except (NotWritable, OSError, ValueError, UnicodeError, UnreadableSource) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            errors.append(LintError(path, f"cannot add noqa directives: {reason}; the file was left unchanged"))
    return added, errors
