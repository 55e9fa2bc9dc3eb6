"""The rule catalog: one Markdown file per rule, read at run time.

The docs live in ``rules/`` in a source checkout and in ``inplace_lint/_rules/`` in an installed wheel (set
``INPLACE_LINT_RULES_DIR`` to point elsewhere, e.g. in tests). Each file starts with a front matter block::

    ---
    code: IPL001
    name: inplace-on-leaf
    severity: error
    summary: In-place operation on a leaf tensor that requires grad
    fix: safe            # safe | unsafe | display-only | none
    tags: deprecated     # optional: unnecessary | deprecated (editors fade or strike the flagged code)
    ---

followed by Markdown whose fenced examples (```` ```python bad raises="..." ````, ```` ```python good ````,
```` ```python fixed ````) mark flagged lines with a trailing ``# error: IPL001`` / ``# warning: IPL004`` comment.

The catalog is the source of truth for which codes exist: ``resolve_selector`` turns ``IPL``, ``IPL0``, ``IPL001``
or ``ALL`` into codes and rejects unknown ones. ``python -m inplace_lint.catalog --update-readme README.md`` rewrites
the rules table in the README.

A rule's code (``inplace_lint/rules/<rule>/``) declares no name or severity: ``packaged_rule(code)`` reads them from
the docs shipped with the code, whatever ``INPLACE_LINT_RULES_DIR`` says. The rules the engine emits itself (folders
without a decision: syntax errors, unreadable files) are in every catalog, from the shipped docs if need be.
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

RULES_DIR_ENV = "INPLACE_LINT_RULES_DIR"
CODE_PREFIX = "IPL"
ALL = "ALL"
ROLES = ("bad", "good", "fixed")
FIX_KINDS = ("safe", "unsafe", "display-only", "none")
SEVERITIES = ("error", "warning")
TAGS = ("unnecessary", "deprecated")  # how an editor may render the flagged code (faded, struck through)
DOCS_URL = "https://github.com/inplace-lint/inplace-lint/blob/main/rules/"  # + the doc's file name
README_START = "<!-- rules:start -->"
README_END = "<!-- rules:end -->"


class CatalogError(Exception):
    """A rule doc is malformed, or a selector names no known rule."""


@dataclass
class Example:
    """One fenced ```` ```python bad|good|fixed ```` block of a rule doc."""

    role: str  # bad | good | fixed
    attrs: Dict[str, Union[str, bool]]  # from the info string: raises="...", check="...", bare flags -> True
    code: str  # the code as written, markers included
    markers: List[Tuple[int, str, str]]  # (line, code, severity) from trailing "# error: IPL001" comments
    name: str  # e.g. "IPL001-bad-1" (or the name="..." attribute)
    index: int  # position among all examples of the rule, from 0

    @property
    def source(self) -> str:
        """The code with the marker comments removed (what a user would write)."""
        return strip_markers(self.code)


@dataclass
class RuleDoc:
    """A rule as documented: its front matter plus the Markdown body."""

    code: str
    name: str
    severity: str
    summary: str
    fix: str = "none"
    body: str = ""
    path: Optional[Path] = None
    tags: Tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """Where the rule's doc is published (the language server's ``codeDescription``)."""
        name = self.path.name if self.path is not None else f"{self.code}-{self.name}.md"
        return DOCS_URL + name

    def examples(self) -> List[Example]:
        return parse_examples(self.body, self.code)

    def to_json(self) -> Dict[str, str]:
        return {"code": self.code, "name": self.name, "severity": self.severity, "fix": self.fix,
                "summary": self.summary}


# ---------------------------------------------------------------------------------------------------------------
# Parsing one doc


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)


def parse_front_matter(text: str) -> Tuple[Dict[str, str], str]:
    """Split ``text`` into (front matter as a flat ``key: value`` dict, body). No front matter -> ({}, text).

    Values may be quoted; an unquoted value loses a trailing ``  # comment``.
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: Dict[str, str] = {}
    for raw in m.group(1).splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"front matter line is not 'key: value': {raw!r}")
        meta[key.strip()] = _unquote(value.strip())
    return meta, text[m.end():]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return re.sub(r"\s+#.*$", "", value)


def load_rule(path: Path) -> RuleDoc:
    """Read one rule doc, checking its front matter."""
    try:
        meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    missing = [k for k in ("code", "name", "severity", "summary") if not meta.get(k)]
    if missing:
        raise CatalogError(f"{path}: front matter lacks {', '.join(missing)}")
    fix = meta.get("fix", "none")
    if meta["severity"] not in SEVERITIES:
        raise CatalogError(f"{path}: severity must be one of {', '.join(SEVERITIES)}, not {meta['severity']!r}")
    if fix not in FIX_KINDS:
        raise CatalogError(f"{path}: fix must be one of {', '.join(FIX_KINDS)}, not {fix!r}")
    tags = tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip())
    if any(t not in TAGS for t in tags):
        raise CatalogError(f"{path}: tags must be among {', '.join(TAGS)}, not {meta['tags']!r}")
    return RuleDoc(code=meta["code"], name=meta["name"], severity=meta["severity"], summary=meta["summary"],
                   fix=fix, body=body.lstrip("\n"), path=path, tags=tags)


_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_MARKER = re.compile(r"#\s*(?P<severity>error|warning):\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
_TRAILING_MARKERS = re.compile(
    r"(?:[ \t]*#[ \t]*(?:error|warning):[ \t]*[A-Z]+[0-9]+(?:[ \t]*,[ \t]*[A-Z]+[0-9]+)*)+[ \t]*$")


def parse_examples(markdown: str, code: str = "") -> List[Example]:
    """Every ```` ```python bad|good|fixed ... ```` fence of ``markdown``, in order."""
    examples: List[Example] = []
    per_role: Dict[str, int] = {}
    for info, body in _fences(markdown):
        words = shlex.split(info) if info else []
        if len(words) < 2 or words[0] not in ("python", "py") or words[1] not in ROLES:
            continue
        role = words[1]
        attrs: Dict[str, Union[str, bool]] = {}
        for word in words[2:]:
            key, sep, value = word.partition("=")
            attrs[key] = value if sep else True
        per_role[role] = per_role.get(role, 0) + 1
        name = str(attrs.get("name") or f"{code}-{role}-{per_role[role]}")
        examples.append(Example(role=role, attrs=attrs, code=body, markers=parse_markers(body), name=name,
                                index=len(examples)))
    return examples


def _fences(markdown: str):
    """Yield (info string, content) for each fenced code block."""
    lines = markdown.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i].rstrip("\r\n"))
        i += 1
        if not m:
            continue
        fence = m.group("fence")
        closing = re.compile(r"^" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$")
        content = []
        while i < len(lines) and not closing.match(lines[i].rstrip("\r\n")):
            content.append(lines[i])
            i += 1
        i += 1  # skip the closing fence
        yield m.group("info").strip(), "".join(content)


def parse_markers(code: str) -> List[Tuple[int, str, str]]:
    """(line, code, severity) for each ``# error: IPL001`` / ``# warning: IPL004, IPL005`` marker."""
    found = []
    for lineno, line in enumerate(code.splitlines(), start=1):
        for m in _MARKER.finditer(line):
            for c in re.split(r"\s*,\s*", m.group("codes")):
                found.append((lineno, c, m.group("severity")))
    return found


def strip_markers(code: str) -> str:
    """``code`` without the trailing marker comments (and the whitespace they leave)."""
    return "".join(_strip_line(line) for line in code.splitlines(keepends=True))


def _strip_line(line: str) -> str:
    body = line.rstrip("\r\n")
    newline = line[len(body):]
    stripped = _TRAILING_MARKERS.sub("", body)
    return (stripped.rstrip() if stripped != body else body) + newline


# ---------------------------------------------------------------------------------------------------------------
# The whole catalog


def rules_dir() -> Optional[Path]:
    """Where the rule docs are: $INPLACE_LINT_RULES_DIR, the wheel's ``_rules``, or the checkout's ``rules``."""
    override = os.environ.get(RULES_DIR_ENV)
    if override:
        return Path(override)
    return packaged_rules_dir()


@lru_cache(maxsize=None)
def packaged_rules_dir() -> Optional[Path]:
    """The docs shipped with the code (the wheel's ``_rules`` or the checkout's ``rules``), whatever the override."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    return None


def packaged_rule(code: str) -> RuleDoc:
    """The shipped doc of a rule: where a rule's name, severity, summary and fix kind come from."""
    rule = _load_docs(packaged_rules_dir()).get(code)
    if rule is None:
        raise CatalogError(f"rule {code} has no doc {code}-<name>.md in {packaged_rules_dir()}")
    return rule


def all_rules() -> Dict[str, RuleDoc]:
    """Every rule, documented or built in, keyed and sorted by code."""
    return _load_all(rules_dir())


@lru_cache(maxsize=None)
def _load_docs(directory: Optional[Path]) -> Dict[str, RuleDoc]:
    rules: Dict[str, RuleDoc] = {}
    if directory is not None and directory.is_dir():
        for path in sorted(directory.glob("*.md")):
            if path.name.upper().startswith(CODE_PREFIX):
                rule = load_rule(path)
                rules[rule.code] = rule
    return rules


@lru_cache(maxsize=None)
def _load_all(directory: Optional[Path]) -> Dict[str, RuleDoc]:
    """The docs of ``directory``; the rules the engine emits itself (no decision: syntax errors, unreadable
    files) are always there, from the shipped docs when ``directory`` lacks them."""
    from .rules import engine_codes

    shipped = _load_docs(packaged_rules_dir())
    rules = {code: shipped[code] for code in engine_codes() if code in shipped}
    rules.update(_load_docs(directory))
    return dict(sorted(rules.items()))


def get_rule(code_or_name: str) -> RuleDoc:
    """The rule with this code (any case) or name; ``CatalogError`` listing the valid codes otherwise."""
    rules = all_rules()
    key = code_or_name.strip()
    if key.upper() in rules:
        return rules[key.upper()]
    for rule in rules.values():
        if rule.name == key.lower():
            return rule
    raise CatalogError(f"unknown rule {code_or_name!r}; valid codes: {', '.join(rules)}")


def known_codes() -> List[str]:
    return list(all_rules())


def is_valid_selector(selector: str, codes: Optional[Sequence[str]] = None) -> bool:
    """True for ``ALL`` and for any prefix of a known code that is at least ``IPL``."""
    sel = selector.strip().upper()
    if sel == ALL:
        return True
    codes = known_codes() if codes is None else codes
    return len(sel) >= len(CODE_PREFIX) and any(c.startswith(sel) for c in codes)


def resolve_selector(selector: str, codes: Optional[Sequence[str]] = None) -> List[str]:
    """The known codes a selector (``ALL``, ``IPL``, ``IPL0``, ``IPL00``, ``IPL001``) stands for, sorted.

    Raises ``CatalogError`` naming the selector for anything that selects no known rule.
    """
    codes = known_codes() if codes is None else list(codes)
    sel = selector.strip().upper()
    if not is_valid_selector(sel, codes):
        raise CatalogError(f"unknown rule selector {selector!r}; valid codes: {', '.join(codes)}")
    return sorted(c for c in codes if sel == ALL or c.startswith(sel))


# ---------------------------------------------------------------------------------------------------------------
# The README table


def rules_table_markdown(rules: Optional[Dict[str, RuleDoc]] = None) -> str:
    """A Markdown table of the rules, one row each, linking to the doc file."""
    rules = all_rules() if rules is None else rules
    rows = ["| Code | Name | Severity | Fix | Summary |", "| --- | --- | --- | --- | --- |"]
    for rule in rules.values():
        code = f"[{rule.code}](rules/{rule.path.name})" if rule.path else rule.code
        summary = rule.summary.replace("|", "\\|")
        rows.append(f"| {code} | `{rule.name}` | {rule.severity} | {rule.fix} | {summary} |")
    return "\n".join(rows) + "\n"


def render_readme(text: str, table: str) -> str:
    """``text`` with the block between the rules markers replaced by ``table``."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise CatalogError(f"README has no {README_START} ... {README_END} block")
    return text[:start + len(README_START)] + "\n" + table + text[end:]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inplace_lint.catalog",
                                     description="Keep the README rules table in sync with rules/*.md.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--update-readme", metavar="README", nargs="?", const="README.md")
    group.add_argument("--check-readme", metavar="README", nargs="?", const="README.md")
    args = parser.parse_args(argv)
    readme = Path(args.update_readme or args.check_readme)
    try:
        old = readme.read_text(encoding="utf-8")
        new = render_readme(old, rules_table_markdown())
    except (OSError, CatalogError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check_readme:
        if new != old:
            print(f"{readme}: rules table is stale; run python -m inplace_lint.catalog --update-readme {readme}",
                  file=sys.stderr)
            return 1
        return 0
    if new != old:
        readme.write_text(new, encoding="utf-8")
        print(f"{readme}: rules table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
