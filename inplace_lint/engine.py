"""Paths in, diagnostics out: discover files, read and decode them, analyze, then filter.

Entry points:

- ``lint_paths(paths, settings, stdin_filename=None, stdin=None) -> Result`` for a whole run;
- ``check_source(text, path, settings) -> list[Diagnostic]`` for one text already in memory.

Filtering happens here, not in the analysis: rule selection (select / ignore / extend-select), per-file-ignores,
inline ``# noqa`` / ``# noqa: <codes>`` comments on the flagged line or on the first line of its statement,
then severity overrides. The findings that survive get their fixes finished as text edits
(``codemods.materialize``), so every diagnostic leaving this module is plain data. New file kinds plug in through
``READERS`` (suffix -> reader returning the source text).
"""
from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from . import catalog, noqa
from .analysis.guard import gc_paused, run_deep
from .analysis.project import recording
from .codemods import MAX_FIX_GROUPS, materialize
from .config import Settings
from .diagnostics import ERROR, WARNING, Diagnostic
from .gitignore import GitIgnore
from .notebook import decode_notebook, read_notebook
from .registry import analyze_for_fixes
from .rules.ipl901_unreadable import CODE as UNREADABLE
from .sources import UnreadableSource, decode_source, read_file_bytes, read_python_source

STDIN = "-"


@dataclass
class LintError:
    """A path that could not be checked at all: missing, or the analyzer crashed on it."""

    path: str
    message: str
    kind: str = "internal"  # internal | missing

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"inplace-lint: error: path not found: {self.path}"
        return f"{self.path}: {self.message}"


@dataclass
class Result:
    """Everything one run found. ``sources`` keeps the text of files with findings, for excerpts."""

    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[LintError] = field(default_factory=list)
    files_checked: int = 0
    sources: Dict[str, str] = field(default_factory=dict)
    paths: List[str] = field(default_factory=list)  # every file checked, in order (the JUnit report lists them)
    cached: int = 0  # files whose findings came from the results cache
    stdin_path: Optional[str] = None  # the path standard input was reported as, when it was read


# ---------------------------------------------------------------------------------------------------------------
# Reading


# Suffix -> reader. A reader may return a str with a ``remap(diagnostics)`` method (notebooks: sets ``cell``).
READERS: Dict[str, Callable[[Path], str]] = {
    ".py": read_python_source,
    ".pyi": read_python_source,
    ".ipynb": read_notebook,
}


def read_source(path: Union[str, Path]) -> str:
    """The source text of ``path`` by its suffix (Python for unknown suffixes); raises ``UnreadableSource``."""
    path = Path(path)
    return READERS.get(path.suffix, read_python_source)(path)


# ---------------------------------------------------------------------------------------------------------------
# Discovery


def display_path(path: Union[str, Path]) -> str:
    """``path`` relative to the cwd when it is under it, otherwise as given (normalised)."""
    text = os.path.normpath(str(path))
    if os.path.isabs(text):
        try:
            rel = os.path.relpath(text)
        except ValueError:  # another drive on Windows
            return text
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel
    return text


def discover(paths: Sequence[str], settings: Settings,
             gitignore: Optional[GitIgnore] = None) -> Tuple[List[Path], List[LintError]]:
    """The files to lint, in order, without duplicates; plus errors for paths that do not exist.

    Explicit files are always linted unless ``settings.force_exclude``; folders are walked in sorted order,
    skipping excluded entries (each by the settings of the folder it is in: the nearest config file's ``exclude``,
    the built-in excludes, and ``.gitignore`` unless ``respect-gitignore = false``) and never entering the same real
    folder twice (symlink loops). A folder or file that cannot be listed or read is kept: reading it reports why
    (IPL901). Resolves every file's settings, so a bad config file on the way raises ``ConfigError`` here.
    """
    files: List[Path] = []
    errors: List[LintError] = []
    seen_files: Set[str] = set()
    seen_dirs: Set[str] = set()
    gitignore = gitignore or GitIgnore()
    for raw in paths:
        path = Path(raw)
        if not os.path.lexists(path):
            errors.append(LintError(raw, "path not found", kind="missing"))
            continue
        is_dir = _safe_is_dir(path)
        here = settings.for_path(path)
        if here.force_exclude and (here.is_excluded_anywhere(path, is_dir) or (
                here.respect_gitignore and gitignore.is_ignored_anywhere(path, is_dir))):
            continue
        candidates = _walk(path, settings, seen_dirs, gitignore) if is_dir else iter([path])
        for file in candidates:
            key = os.path.realpath(file)
            if key not in seen_files:
                seen_files.add(key)
                settings.for_path(file)
                files.append(file)
    return files, errors


def _safe_is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a folder above cannot be searched: the file is reported unreadable
        return False


def _walk(folder: Path, settings: Settings, seen_dirs: Set[str], gitignore: GitIgnore) -> Iterator[Path]:
    real = os.path.realpath(folder)
    if real in seen_dirs:
        return
    seen_dirs.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        yield folder  # it cannot be listed: reading it reports why (UNREADABLE), a clean run must not hide it
        return
    here = settings.for_path(folder)
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()  # follows symlinks; loops are cut by seen_dirs
            is_file = not is_dir and entry.is_file()
        except OSError:  # a symlink loop (a.py -> b.py -> a.py): it leads to no file
            continue
        if here.is_excluded(path, is_dir) or (here.respect_gitignore and gitignore.is_ignored(path, is_dir)):
            continue
        if is_dir:
            yield from _walk(path, settings, seen_dirs, gitignore)
        elif is_file and path.suffix in READERS:
            yield path


# ---------------------------------------------------------------------------------------------------------------
# noqa


ALL_CODES = "*"  # marker for a blanket noqa directive (no codes)


def parse_noqa(comment: str) -> Optional[Set[str]]:
    """The codes a comment suppresses: ``{"*"}`` for a bare ``# noqa``, an empty set for a malformed one (it
    suppresses nothing), None when it has no noqa. The rules are in ``inplace_lint.noqa``."""
    found = [d for d in noqa.parse_comment(1, 0, comment) if not d.file_level]
    if not found:
        return None
    out: Set[str] = set()
    for d in found:
        if not d.malformed:
            out.update(d.codes if d.codes is not None else {ALL_CODES})
    return out


def noqa_lines(text: str) -> Dict[int, Set[str]]:
    """Line number -> codes suppressed by a ``# noqa`` comment on that line (comment tokens only)."""
    found: Dict[int, Set[str]] = {}
    for d in noqa.directives(text):
        if not d.file_level and not d.malformed:
            found.setdefault(d.line, set()).update(d.codes if d.codes is not None else {ALL_CODES})
    return found


# ---------------------------------------------------------------------------------------------------------------
# Checking


def filter_diagnostics(diagnostics: Sequence[Diagnostic], text: Optional[str], path: str,
                       settings: Settings) -> List[Diagnostic]:
    """Apply selection, per-file-ignores, noqa and severity overrides (the settings that apply to ``path``: its
    nearest config file's); sort deterministically."""
    settings = settings.for_path(path)
    per_file = settings.ignored_codes(Path(path))

    def wanted(code: str) -> bool:
        return settings.is_enabled(code) and not any(sel == catalog.ALL or code.upper().startswith(sel)
                                                     for sel in per_file)

    kept = [d for d in diagnostics if wanted(d.code)]
    if text is not None:
        found = noqa.directives(text)
        if found:
            kept = noqa.apply(kept, found)
            if wanted(noqa.CODE):
                rule = catalog.all_rules().get(noqa.CODE)
                kept += noqa.apply(noqa.hygiene(
                    diagnostics, found, text, path, catalog.known_codes(), settings.is_enabled,
                    rule.name if rule else "unused-noqa", rule.severity if rule else WARNING), found)
    out = []
    for d in kept:
        severity = settings.severity_for(d.code.upper(), d.severity)
        out.append(d if severity == d.severity else replace(d, severity=severity))
    return sorted(out, key=Diagnostic.sort_key)


def analyze_text(text: str, path: str, settings: Optional[Settings] = None, *,
                 fix_budget: Optional[int] = MAX_FIX_GROUPS, fix_with: Optional[str] = None,
                 on_findings: Optional[Callable[[List[Diagnostic]], None]] = None) -> List[Diagnostic]:
    """Analyze ``text`` as the file ``path``: the diagnostics that survive filtering (all of them without
    ``settings``), sorted, their fixes finished (text edits over ``text``; at most ``fix_budget`` groups of them,
    None: all). ``fix_with`` ("default" | "function"; default: the settings') chooses how in-place chains are
    fixed (``codemods.materialize``). ``on_findings(diagnostics)`` is called with the findings before their fixes
    are finished (the language server shows them meanwhile; a fix still to finish has its ``Fix.edit`` payload
    set)."""
    module, analysed, found = analyze_for_fixes(text, path)
    own = [d for d in found if d.path == path]
    foreign = [d for d in found if d.path != path]  # inside helpers of other project files this one calls
    if settings is not None:
        found = filter_diagnostics(own, text, path, settings) + _filter_foreign(foreign, settings)
    else:
        found = sorted(found, key=Diagnostic.sort_key)
    if on_findings is not None:
        on_findings(found)
    try:
        if fix_with is None:
            fix_with = getattr(settings, "fix_with", "default") if settings is not None else "default"
        return run_deep(lambda: materialize(module, analysed, text, path, found, fix_budget, fix_with=fix_with))
    except RecursionError:  # too deep even for the big stack: the findings stay, without fixes
        for d in found:
            if d.fix is not None and d.fix.edit is not None:
                d.fix = None
        return found


def _filter_foreign(diagnostics: List[Diagnostic], settings: Settings) -> List[Diagnostic]:
    """Findings in other files of the project (a helper the linted file calls): filtered by their own file's
    ``# noqa`` comments and per-file ignores."""
    by_path: Dict[str, List[Diagnostic]] = {}
    for d in diagnostics:
        by_path.setdefault(d.path, []).append(d)
    out: List[Diagnostic] = []
    for other, diags in by_path.items():
        try:
            other_text: Optional[str] = read_source(other)
        except UnreadableSource:
            other_text = None
        out += filter_diagnostics(diags, other_text, other, settings)
    return out


def merge_duplicates(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    """One finding per place: a helper of another file reached from several files (or calls) is reported once,
    with every call site that reaches it."""
    seen: Dict[Tuple[str, int, int, str], Diagnostic] = {}
    out: List[Diagnostic] = []
    for d in diagnostics:
        key = (d.path, d.line, d.col, d.code)
        first = seen.get(key)
        if first is None:
            seen[key] = d
            out.append(d)
        elif d.related_files:
            first.related_files = sorted(set(first.related_files) | set(d.related_files))
    return out


def check_source(text: str, path: str, settings: Settings,
                 on_findings: Optional[Callable[[List[Diagnostic]], None]] = None) -> List[Diagnostic]:
    """Analyze ``text`` as the file ``path`` and return the diagnostics that survive filtering (``on_findings``:
    see ``analyze_text``)."""
    return remap_cells(analyze_text(text, path, settings, on_findings=on_findings), text)


def remap_cells(diagnostics: List[Diagnostic], text: Optional[str]) -> List[Diagnostic]:
    """Notebooks: set ``Diagnostic.cell`` through the text's ``remap`` (a ``notebook.NotebookSource``); else as is."""
    remap = getattr(text, "remap", None)
    return remap(diagnostics) if diagnostics and remap is not None else diagnostics


def unreadable_diagnostic(path: str, reason: str) -> Diagnostic:
    rule = catalog.all_rules().get(UNREADABLE)
    return Diagnostic(path=path, line=1, col=1, end_line=1, end_col=1, code=UNREADABLE,
                      name=rule.name if rule else "unreadable", severity=ERROR, message=reason)


@dataclass
class FileOutcome:
    """What checking one file gave: its diagnostics (and its text when there are some), or an internal error."""

    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    text: Optional[str] = None
    error: Optional[LintError] = None
    dependencies: List[str] = field(default_factory=list)  # project files the analysis consulted (cache keys)


def check_file(path: str, read: Callable[[], str], settings: Settings) -> FileOutcome:
    """Read, analyze and filter one file; an analyzer crash becomes a ``LintError``. Never raises."""
    try:
        # (the GC paused: the file's tree, alive until its fixes are finished, is freed by reference counting)
        with recording() as consulted, gc_paused():
            try:
                text: Optional[str] = read()
                kept = check_source(text, path, settings)
            except UnreadableSource as exc:
                text, kept = None, filter_diagnostics([unreadable_diagnostic(path, str(exc))], None, path, settings)
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        return FileOutcome(path, error=LintError(path, f"internal error: {type(exc).__name__}: {exc}"))
    return FileOutcome(path, kept, text if kept else None, dependencies=sorted(consulted))


def _collect(outcome: FileOutcome, result: Result) -> None:
    result.files_checked += 1
    result.paths.append(outcome.path)
    if outcome.error is not None:
        result.errors.append(outcome.error)
        return
    if outcome.diagnostics:
        result.diagnostics.extend(outcome.diagnostics)
        if outcome.text is not None:
            result.sources[outcome.path] = outcome.text
        for d in outcome.diagnostics:  # findings in other files of the project: their text, for excerpts
            if d.path not in result.sources and d.path != outcome.path:
                try:
                    result.sources[d.path] = read_source(d.path)
                except UnreadableSource:
                    pass


def _check_one(path: str, read: Callable[[], str], settings: Settings, result: Result) -> None:
    """Read, analyze and filter one file into ``result``."""
    _collect(check_file(path, read, settings), result)


# Parallel runs: a pool of worker processes, each given the settings once; files are sent in chunks and the
# outcomes come back in submission order, so a parallel run reports exactly what a serial run does.
PARALLEL_MIN_FILES = 8  # below this many files to analyze, a pool costs more than it saves
_WORKER_SETTINGS: Optional[Settings] = None


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _init_worker(settings: Settings) -> None:
    global _WORKER_SETTINGS
    _WORKER_SETTINGS = settings


def _worker_check(job: Tuple[str, str]) -> FileOutcome:
    display, file = job
    assert _WORKER_SETTINGS is not None
    return check_file(display, lambda: read_source(file), _WORKER_SETTINGS)


def pool_context():
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")  # no re-import of libcst per worker
    return None


def may_have_children() -> bool:
    """False in a daemonic process (a ``multiprocessing.Pool`` worker): it cannot start a pool of its own."""
    import multiprocessing

    return not multiprocessing.current_process().daemon


def _run_checks(jobs_list: List[Tuple[str, Path]], settings: Settings, jobs: int) -> List[FileOutcome]:
    """Check files, in parallel when worth it; outcomes in the order of ``jobs_list``."""
    if jobs > 1 and len(jobs_list) >= PARALLEL_MIN_FILES and may_have_children():
        workers = min(jobs, len(jobs_list))
        chunksize = max(1, min(64, len(jobs_list) // (workers * 8)))
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(), initializer=_init_worker,
                                     initargs=(settings,)) as pool:
                return list(pool.map(_worker_check, [(d, str(f)) for d, f in jobs_list], chunksize=chunksize))
        except (OSError, BrokenProcessPool, RuntimeError):
            pass  # no processes to be had here: fall back to a serial run
    return [check_file(display, lambda f=file: read_source(f), settings) for display, file in jobs_list]


def lint_paths(paths: Sequence[str], settings: Settings, *, stdin_filename: Optional[str] = None,
               stdin: Optional[BinaryIO] = None, jobs: int = 1, cache=None) -> Result:
    """Lint files, folders and ``-`` (stdin, reported as ``stdin_filename``); diagnostics sorted by position.

    ``jobs`` > 1 checks files in that many worker processes; ``cache`` (an ``inplace_lint.cache.Cache``) reuses
    the findings (fixes included) of files whose content, path, settings and checker are unchanged.
    """
    result = Result()
    file_paths = [p for p in paths if p != STDIN]
    files, result.errors = discover(file_paths, settings)
    if STDIN in paths:
        _check_stdin(settings, stdin_filename, stdin, result)
    outcomes: List[Optional[FileOutcome]] = [None] * len(files)
    todo: List[Tuple[int, str, Path, Optional[str]]] = []
    for i, file in enumerate(files):
        display = display_path(file)
        key = _cache_key(cache, display, file, settings) if cache is not None else None
        entry = cache.get(key) if key is not None else None
        if entry is not None:
            outcomes[i] = _outcome_from_cache(display, file, entry.diagnostics)
            result.cached += 1
        else:
            todo.append((i, display, file, key))
    checked = _run_checks([(display, file) for _, display, file, _ in todo], settings, jobs)
    for (i, display, file, key), outcome in zip(todo, checked):
        if key is not None and outcome.error is None:
            cache.put(key, outcome.diagnostics, [Path(p) for p in outcome.dependencies])
        outcomes[i] = outcome
    for outcome in outcomes:
        if outcome is not None:
            _collect(outcome, result)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    result.diagnostics = merge_duplicates(result.diagnostics)
    result.errors.sort(key=lambda e: e.path)
    return result


def _cache_key(cache, display: str, file: Path, settings: Settings) -> Optional[str]:
    try:
        return cache.key(display, read_file_bytes(file), settings.for_path(file).fingerprint)
    except (OSError, UnreadableSource):
        return None  # let the checker report why it cannot be read


def _outcome_from_cache(display: str, file: Path, diagnostics: List[Diagnostic]) -> FileOutcome:
    text: Optional[str] = None
    if diagnostics:  # the text is only needed for source excerpts
        try:
            text = read_source(file)
        except UnreadableSource:
            text = None
    return FileOutcome(display, diagnostics, text)


def stdin_excluded(settings: Settings, stdin_filename: str) -> bool:
    """``--force-exclude`` with ``--stdin-filename``: whether the name is excluded (then stdin is not checked)."""
    here = settings.for_path(stdin_filename)
    return here.force_exclude and (here.is_excluded_anywhere(Path(stdin_filename)) or (
        here.respect_gitignore and GitIgnore().is_ignored_anywhere(Path(stdin_filename), False)))


def _check_stdin(settings: Settings, stdin_filename: Optional[str], stdin: Optional[BinaryIO],
                 result: Result) -> None:
    if stdin_filename and stdin_excluded(settings, stdin_filename):
        return
    stream = stdin if stdin is not None else sys.stdin.buffer
    path = display_path(stdin_filename) if stdin_filename else STDIN
    result.stdin_path = path
    decode = STDIN_DECODERS.get(Path(stdin_filename).suffix if stdin_filename else "", decode_source)
    _check_one(path, lambda: decode(stream.read()), settings, result)


# Standard input named by --stdin-filename: suffix -> decoder of its bytes (Python for the others), as READERS.
STDIN_DECODERS: Dict[str, Callable[[bytes], str]] = {".ipynb": decode_notebook}
