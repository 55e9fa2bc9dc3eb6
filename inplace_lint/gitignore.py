"""``.gitignore`` for file discovery (ruff's ``respect-gitignore``): what git would not track, the walk skips.

Inside a git repository (the nearest folder above with a ``.git``), a path is ignored when the last pattern matching
it, among ``.git/info/exclude`` and the ``.gitignore`` files from the repository's top down to the path's folder
(deeper files win), is not a ``!`` negation. Patterns follow gitignore(5): ``#`` comments, ``\\#``/``\\!`` escapes,
trailing spaces dropped, a ``/`` other than a trailing one anchors the pattern at its file's folder, a trailing ``/``
matches folders only, ``*``/``?``/``[...]``/``**``. As in git, a path under an ignored folder stays ignored (the walk
never enters it). Outside a repository nothing is ignored. The user's global excludes file is not read.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .config import glob_to_regex

Pattern = Tuple["re.Pattern[str]", bool, bool]  # regex over the path relative to the file's folder, dir-only, negated


def parse_gitignore(text: str) -> List[Pattern]:
    patterns: List[Pattern] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        stripped = line.rstrip(" ")
        if line.endswith("\\ ") and len(stripped) < len(line):  # an escaped trailing space is kept
            stripped += " "
        line = stripped
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        if line.startswith(("\\#", "\\!")):
            line = line[1:]
        if not line or line == "/":
            continue
        regex, dir_only = glob_to_regex(line)
        patterns.append((regex, dir_only, negate))
    return patterns


class GitIgnore:
    """Answers ``is_ignored(path, is_dir)``; reads each ``.gitignore`` once."""

    def __init__(self) -> None:
        self._repo_of: Dict[str, Optional[Path]] = {}
        self._patterns: Dict[Tuple[str, str], List[Pattern]] = {}

    def repository(self, folder: Path) -> Optional[Path]:
        """The top of the git repository holding ``folder`` (the nearest folder with ``.git``), or None."""
        key = str(folder)
        if key not in self._repo_of:
            found: Optional[Path] = None
            if os.path.lexists(folder / ".git"):
                found = folder
            elif folder.parent != folder:
                found = self.repository(folder.parent)
            self._repo_of[key] = found
        return self._repo_of[key]

    def _file(self, folder: Path, name: str) -> List[Pattern]:
        key = (str(folder), name)
        if key not in self._patterns:
            try:
                with open(folder / name, "rb") as fh:
                    text = fh.read().decode("utf-8", "replace")
            except OSError:  # missing or unreadable: it ignores nothing
                text = ""
            self._patterns[key] = parse_gitignore(text)
        return self._patterns[key]

    def is_ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether git ignores ``path`` itself (its folders above are not looked at: the walk has done that)."""
        path = Path(os.path.abspath(path))
        repo = self.repository(path.parent)
        if repo is None or path == repo:
            return False
        sources: List[Tuple[Path, List[Pattern]]] = [(repo, self._file(repo / ".git" / "info", "exclude"))]
        rel_parent = path.parent.relative_to(repo)
        folder = repo
        sources.append((folder, self._file(folder, ".gitignore")))
        for part in rel_parent.parts:
            folder = folder / part
            sources.append((folder, self._file(folder, ".gitignore")))
        ignored = False
        for base, patterns in sources:
            if not patterns:
                continue
            rel = path.relative_to(base).as_posix()
            for regex, dir_only, negate in patterns:
                if (is_dir or not dir_only) and regex.fullmatch(rel):
                    ignored = not negate
        return ignored

    def is_ignored_anywhere(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` or a folder above it (inside its repository) is ignored: for ``--force-exclude``."""
        path = Path(os.path.abspath(path))
        repo = self.repository(path if is_dir else path.parent)
        if repo is None:
            return False
        if self.is_ignored(path, is_dir):
            return True
        parent = path.parent
        while parent != repo and repo in parent.parents:
            if self.is_ignored(parent, True):
                return True
            parent = parent.parent
        return False
