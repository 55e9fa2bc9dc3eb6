"""What the language server computes, with no LSP library: the jobs its analysis processes run on a buffer's text.

Every job is a module-level function of plain data (text, paths, cells) returning plain data (``Diagnostic``,
``Edit``), so it can run in a worker process. The jobs call the CLI's own pieces, never copies of them:

* settings: ``config.resolve_settings([path])``, exactly what ``inplace-lint path`` resolves for that file (the
  nearest config file above it); a bad config file is reported and the built-in defaults are used meanwhile;
* findings: ``engine.check_source`` (the same analysis, selection, per-file-ignores, ``# noqa``, severities and
  finished fixes as a lint run), through the results cache when the buffer holds what the file on disk holds (the
  key is the CLI's: display path + the file's bytes, so either one reads what the other wrote);
* exclusion: a file the config excludes (or under ``.venv``, ``site-packages``...) is not checked, as a folder walk
  would not check it (ruff's server does the same);
* notebooks: the cells as a notebook document (``notebook.Notebook``), one program across the code cells as the CLI
  checks an ``.ipynb``; fixes are mapped back to edits of the cells they change;
* "fix all": ``fixes.fix_text`` (the fixed point of ``--fix``), turned into line edits (``edits.diff_edits``);
* ``# noqa``: an edit that adds the code to the line's ``# noqa`` comment (or adds one), checked to suppress it.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import engine
from ..cache import Cache
from ..config import ConfigError, Settings, resolve_settings
from ..diagnostics import Diagnostic, Edit
from ..edits import apply_edits, diff_edits
from ..sources import UnreadableSource, decode_source, read_file_bytes, split_lines

UNTITLED = engine.STDIN  # a buffer with no file behind it is reported like stdin
CODE, MARKDOWN = "code", "markdown"


@dataclass
class Analysis:
    """The findings of one buffer (a file's text, or a notebook's cells) at one version."""

    path: str  # as the CLI would report it
    diagnostics: List[Diagnostic] = field(default_factory=list)
    config_error: Optional[str] = None  # the config file is broken: the defaults were used
    excluded: bool = False  # the config excludes the file: nothing was checked
    cached: bool = False  # read from the results cache
    fixes_pending: bool = False  # a quick analysis: findings whose fixes are not finished yet have none
    # notebooks: the program the findings' lines refer to (a ``notebook.NotebookSource``), and for each finding with
    # a fix, by its index in ``diagnostics``: cell number -> the fix's line edits of that cell's text
    program: Optional[str] = None
    cell_fixes: Dict[int, Dict[int, Tuple[Edit, ...]]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Settings


def settings_for(file_path: Optional[str], root: Optional[str]) -> Tuple[Settings, Optional[str]]:
    """The settings the CLI resolves for ``file_path`` (for an untitled buffer: for the workspace root), and the
    config error that made them fall back to the defaults, if any."""
    start = file_path or root or os.getcwd()
    try:
        return resolve_settings([start]), None
    except ConfigError as exc:
        return resolve_settings([start], no_config=True), str(exc)


def report_path(file_path: Optional[str]) -> str:
    return engine.display_path(file_path) if file_path else UNTITLED


def _excluded(settings: Settings, file_path: Optional[str]) -> bool:
    return file_path is not None and settings.is_excluded_anywhere(Path(file_path))


# ---------------------------------------------------------------------------------------------------------------
# Python files


# The language server's channel for findings whose fixes are still being finished (set in its worker processes).
_EARLY = None


def set_early_channel(queue) -> None:
    """In a worker process: where ``lint_text`` / ``lint_notebook`` send ``(job, Analysis)`` before finishing the
    fixes of the findings (finishing them can cost more than finding them)."""
    global _EARLY
    _EARLY = queue


def _early_sender(job: Optional[int], analysis: Analysis, text: str):
    """``engine.check_source``'s ``on_findings``: send the findings at once (their unfinished fixes left out), when
    some fix is still to finish (otherwise the whole result follows at once anyway)."""
    if job is None or _EARLY is None:
        return None

    def send(found: List[Diagnostic]) -> None:
        if not any(d.fix is not None and d.fix.edit is not None for d in found):
            return
        quick = [replace(d, fix=None) if d.fix is not None and d.fix.edit is not None else d for d in found]
        early = replace(analysis, diagnostics=engine.remap_cells(quick, text), fixes_pending=True, cell_fixes={})
        try:
            _EARLY.put((job, early))
        except Exception:  # noqa: BLE001 - the early result is a courtesy: the whole one follows
            pass

    return send


def lint_text(text: str, file_path: Optional[str], root: Optional[str] = None, use_cache: bool = True,
              job: Optional[int] = None) -> Analysis:
    """The findings of a Python buffer holding ``text``, for the file ``file_path`` (None: untitled). ``job``: the
    server's id for the early result (see ``set_early_channel``)."""
    settings, error = settings_for(file_path, root)
    path = report_path(file_path)
    if _excluded(settings, file_path):
        return Analysis(path, config_error=error, excluded=True)
    cache, key = None, None
    if use_cache and file_path is not None:
        cache = Cache.for_settings(settings)
        key = _disk_key(cache, path, file_path, text)
        entry = cache.get(key) if key is not None else None
        if entry is not None:
            return Analysis(path, entry.diagnostics, config_error=error, cached=True)
    analysis = Analysis(path, config_error=error)
    analysis.diagnostics = engine.check_source(text, path, settings,
                                               on_findings=_early_sender(job, analysis, text))
    if key is not None:
        cache.put(key, analysis.diagnostics)
    return analysis


def _disk_key(cache: Cache, path: str, file_path: str, text: str) -> Optional[str]:
    """The CLI's cache key for the file, when the buffer holds what the file on disk holds (else None: an unsaved
    buffer's findings are not worth keeping)."""
    try:
        data = read_file_bytes(file_path)
        if decode_source(data) != text:
            return None
    except (OSError, UnreadableSource):
        return None
    return cache.key(path, data)


def fix_all_text(text: str, file_path: Optional[str], root: Optional[str] = None,
                 unsafe: bool = False) -> Tuple[Tuple[Edit, ...], Optional[str]]:
    """The line edits ``--fix`` (``--unsafe-fixes`` when ``unsafe``) would make to ``text``, and why none could
    be made when the fixer refused (its output did not parse, the rounds did not settle...)."""
    from ..fixes import fix_text

    settings, _ = settings_for(file_path, root)
    path = report_path(file_path)
    if _excluded(settings, file_path):
        return (), None
    result = fix_text(text, path, unsafe=unsafe,
                      check=lambda t: engine.analyze_text(t, path, settings, fix_budget=None))
    if result.error:
        return (), result.error
    return diff_edits(text, result.source), None


# ---------------------------------------------------------------------------------------------------------------
# Notebooks: cells in, one program, findings and edits back per cell


Cell = Tuple[str, str]  # (CODE or MARKDOWN, the cell's text)


def notebook_of(cells: Sequence[Cell], metadata: Optional[Dict[str, Any]] = None):
    """The ``notebook.Notebook`` of cells as an editor holds them (cell numbers count every cell, from 1, as the
    CLI's do); ``metadata`` decides the kernel language like the file's would."""
    from ..notebook import Notebook

    document = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": metadata if isinstance(metadata, dict) else {},
        "cells": [{"cell_type": kind, "metadata": {}, "source": text,
                   **({"outputs": [], "execution_count": None} if kind == CODE else {})} for kind, text in cells],
    }
    return Notebook.parse(json.dumps(document))


def lint_notebook(cells: Sequence[Cell], metadata: Optional[Dict[str, Any]], file_path: Optional[str],
                  root: Optional[str] = None, job: Optional[int] = None) -> Analysis:
    """The findings of a notebook's cells, analysed as one program like ``inplace-lint nb.ipynb`` does; each has
    ``Diagnostic.cell``, and each fix is also given as edits of the cells it changes (``Analysis.cell_fixes``)."""
    from ..notebook import NotebookSource

    settings, error = settings_for(file_path, root)
    path = report_path(file_path)
    if _excluded(settings, file_path):
        return Analysis(path, config_error=error, excluded=True)
    nb = notebook_of(cells, metadata)
    program = NotebookSource(nb)
    analysis = Analysis(path, config_error=error, program=program)
    diagnostics = engine.check_source(program, path, settings, on_findings=_early_sender(job, analysis, program))
    analysis.diagnostics = diagnostics
    for i, d in enumerate(diagnostics):
        if d.fix is not None and d.fix.edits:
            changed = cell_edits(nb, program, d.fix.edits)
            if changed:
                analysis.cell_fixes[i] = changed
    return analysis


def cell_edits(nb, program: str, edits: Sequence[Edit]) -> Optional[Dict[int, Tuple[Edit, ...]]]:
    """Edits of the notebook's program as line edits of each cell they change (cell number -> edits), or None when
    they do not apply or would move a cell boundary."""
    new_program = apply_edits(program, edits)
    if new_program is None:
        return None
    return _changed_cells(nb, new_program)


def _changed_cells(nb, new_program: str) -> Optional[Dict[int, Tuple[Edit, ...]]]:
    try:
        sources = nb.cell_sources(new_program)
    except ValueError:
        return None
    out = {}
    for cell, new in zip(nb.cells, sources):
        if new != cell.source:
            out[cell.number] = diff_edits(cell.source, new)
    return out


def fix_all_notebook(cells: Sequence[Cell], metadata: Optional[Dict[str, Any]], file_path: Optional[str],
                     root: Optional[str] = None,
                     unsafe: bool = False) -> Tuple[Dict[int, Tuple[Edit, ...]], Optional[str]]:
    """``--fix`` on a notebook's program: the line edits of each cell it changes (cell number -> edits)."""
    from ..fixes import fix_text
    from ..notebook import NotebookSource

    settings, _ = settings_for(file_path, root)
    path = report_path(file_path)
    if _excluded(settings, file_path):
        return {}, None
    nb = notebook_of(cells, metadata)
    program = str(NotebookSource(nb))
    result = fix_text(program, path, unsafe=unsafe,
                      check=lambda t: engine.analyze_text(t, path, settings, fix_budget=None))
    if result.error:
        return {}, result.error
    changed = _changed_cells(nb, result.source)
    if changed is None:
        return {}, "the fixes would move a cell boundary"
    return changed, None


# ---------------------------------------------------------------------------------------------------------------
# Suppressing one finding with a noqa comment


def noqa_edit(text: str, lines: Sequence[int], code: str) -> Optional[Edit]:
    """The edit that suppresses ``code`` with a ``# noqa`` comment on the first of ``lines`` (1-based: the finding's
    line, then its statement's first line) where one works: the code is added to an existing ``# noqa: ...``, or
    ``  # noqa: CODE`` is appended. The result must still parse when the text did (no comment after a backslash
    continuation) and must suppress the code (a comment, not text inside a string); None when no line allows it."""
    text_lines = split_lines(text)
    parses = _parses(text)
    for line in dict.fromkeys(lines):  # unique, in order
        if not 1 <= line <= len(text_lines):
            continue
        body = text_lines[line - 1]
        edit = _noqa_on_line(text, line, body, code)
        if edit is None:
            continue
        new = apply_edits(text, [edit])
        if new is None or (parses and not _parses(new)):
            continue
        if code.upper() in engine.noqa_lines(new).get(line, ()):
            return edit
    return None


def _noqa_on_line(text: str, line: int, body: str, code: str) -> Optional[Edit]:
    """The edit that adds ``code`` to the line's ``# noqa`` (or appends one): ``--add-noqa``'s own edit."""
    from .. import noqa

    if any(d.line == line and not d.file_level and d.codes is None and not d.malformed
           for d in noqa.directives(text)):
        return None  # a bare noqa comment already suppresses everything
    finding = Diagnostic(path="", line=line, col=1, end_line=line, end_col=1, code=code, name="", severity="error",
                         message="", stmt_line=line)
    edits = noqa.add_noqa_edits(text, [finding])
    return edits[0] if edits else None


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# ---------------------------------------------------------------------------------------------------------------
# The validator (runs the user's code)


def validate_text(text: str, file_path: str, root: Optional[str] = None,
                  timeout: float = 60.0) -> Tuple[str, List[Diagnostic]]:
    """``inplace-lint check --validate`` on a buffer: the summary line and the findings with their verdicts (plus
    what only the run found). THIS RUNS THE CODE IN ``text`` under torch, as ``--validate`` does."""
    from ..validate.cli_support import run_validation

    settings, _ = settings_for(file_path, root)
    path = report_path(file_path)
    result = engine.Result(diagnostics=engine.check_source(text, path, settings), files_checked=1, paths=[path])
    if result.diagnostics:
        result.sources[path] = text
    summary = run_validation(result, settings, timeout=timeout)
    return summary.line(), result.diagnostics


def warm_up() -> int:
    """Load what the first analysis of a worker process would (rule catalog, op table, analysis modules)."""
    return len(engine.check_source("import torch\nx = torch.zeros(2, requires_grad=True)\nx.add_(1)\n",
                                   "warm_up.py", Settings()))
