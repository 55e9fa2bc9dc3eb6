"""The one data type every part of inplace-lint exchanges: a finding (``Diagnostic``) and its optional ``Fix``.

Positions are 1-based lines and 1-based columns; ``end_col`` is exclusive (one past the last character), like ruff.

A ``Fix`` is ruff's model: an applicability plus the text ``Edit``s that carry it out, decided when the finding is
made (``inplace_lint.codemods.materialize``). It is plain data: it survives the cache, worker processes and JSON, so
``[*]`` ("fixable"), ``--fix``, ``--diff`` and SARIF replacements all read the very same edits.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

ERROR = "error"
WARNING = "warning"

SAFE = "safe"
UNSAFE = "unsafe"
DISPLAY_ONLY = "display-only"  # a hint (e.g. an autograd.Function template), never applied automatically
# The label of a related location that is the call through which the analysis reached the finding's function.
REACHED_FROM_CALL = "reached from this call"


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, col) up to (end_line, end_col), exclusive, by ``content``. 1-based lines and
    columns counted in characters, in the analysed text; an insertion has start == end."""

    line: int
    col: int
    end_line: int
    end_col: int
    content: str

    @property
    def start(self) -> Tuple[int, int]:
        return (self.line, self.col)

    @property
    def end(self) -> Tuple[int, int]:
        return (self.end_line, self.end_col)

    def to_json(self) -> Dict[str, Any]:
        return {"location": {"line": self.line, "col": self.col},
                "end_location": {"line": self.end_line, "col": self.end_col}, "content": self.content}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Edit":
        return cls(int(data["location"]["line"]), int(data["location"]["col"]), int(data["end_location"]["line"]),
                   int(data["end_location"]["col"]), str(data["content"]))


@dataclass
class Fix:
    description: str
    applicability: str = SAFE
    # What a rule asks the fixer to do (a dict naming an edit kind and LibCST nodes of the analysed module). It
    # lives only until ``codemods.materialize`` turns it into ``edits``; a finished Fix never carries it.
    edit: Any = field(default=None, compare=False, repr=False)
    # Extra text printed after the hint (e.g. a ready-to-paste autograd.Function template).
    template: Optional[str] = None
    # The text edits that carry the fix out. Empty for hints (display-only fixes, templates).
    edits: Tuple[Edit, ...] = ()
    # Fixes with a lower priority are applied first, alone in their round (their edits change which other
    # findings exist at all, e.g. dropping a ``.detach()``).
    priority: int = 1
    # A generated ``torch.autograd.Function`` (``--fix-with function``, or shown as ``template``): its name, source,
    # backward kind ("closed-form" | "recompute"), inputs, outputs and the out-of-place reference ``--validate``
    # gradchecks it against (``inplace_lint.function_fix``).
    function: Optional[Dict[str, Any]] = None

    def applies(self, unsafe: bool = False) -> bool:
        """Would ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) apply this fix? The one definition of
        "fixable": the report's ``[*]`` and the fixer both ask it."""
        if not self.edits:
            return False
        return self.applicability == SAFE or (unsafe and self.applicability == UNSAFE)

    def to_json(self) -> Dict[str, Any]:
        out = {"description": self.description, "applicability": self.applicability,
               "edits": [e.to_json() for e in self.edits]}
        if self.template:
            out["template"] = self.template
        if self.function:
            out["function"] = {key: self.function[key] for key in ("name", "backward", "validation")
                               if key in self.function}
        return out

    def to_data(self) -> Dict[str, Any]:
        """Every field but the transient ``edit`` payload (for the cache and worker processes)."""
        return {"description": self.description, "applicability": self.applicability, "template": self.template,
                "edits": [e.to_json() for e in self.edits], "priority": self.priority, "function": self.function}

    @classmethod
    def from_data(cls, data: Dict[str, Any]) -> "Fix":
        return cls(description=str(data["description"]), applicability=str(data["applicability"]),
                   template=data.get("template"), edits=tuple(Edit.from_json(e) for e in data.get("edits") or ()),
                   priority=int(data.get("priority", 1)), function=data.get("function"))


def is_fixable(d: "Diagnostic", unsafe: bool = False) -> bool:
    """``d`` has a fix that ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) applies."""
    return d.fix is not None and d.fix.applies(unsafe)


def fingerprint(code: str, text: str) -> str:
    """A position-independent identity of a finding: its code and the whitespace-normalised text of its statement
    (or, lacking one, its message). Baselines and SARIF's partialFingerprints use it."""
    norm = " ".join(text.split())
    return hashlib.sha1(f"{code}:{norm}".encode()).hexdigest()[:16]


@dataclass
class Diagnostic:
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    name: str
    severity: str
    message: str
    fix: Optional[Fix] = None
    # Other lines worth showing (e.g. where the tensor was saved): (line, col, label)
    related: List[Tuple[int, int, str]] = field(default_factory=list)
    # Related locations in other files (a finding inside a helper of another file: the call that reached it):
    # (path, line, col, label)
    related_files: List[Tuple[str, int, int, str]] = field(default_factory=list)
    validation: Optional[Dict[str, Any]] = None
    # Set by the engine for notebooks: (cell number, line within cell)
    cell: Optional[Tuple[int, int]] = None
    # Set by the engine: the first line of the enclosing statement (noqa may sit there), and a
    # position-independent fingerprint of the statement (for baselines).
    stmt_line: Optional[int] = None
    fingerprint: Optional[str] = None
    runtime: bool = False  # found by the runtime probe, not the static checker

    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def stable_fingerprint(self) -> str:
        """``fingerprint`` as set by the engine, else one made from the message (runtime findings)."""
        return self.fingerprint or fingerprint(self.code, self.message)

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix.to_json() if self.fix else None,
            "validation": self.validation,
        }
        if self.cell is not None:
            out["cell"] = self.cell[0]
            out["cell_line"] = self.cell[1]
        if self.related or self.related_files:
            out["related"] = ([{"line": ln, "col": c, "message": m} for ln, c, m in self.related]
                              + [{"path": p, "line": ln, "col": c, "message": m} for p, ln, c, m in self.related_files])
        if self.runtime:
            out["runtime"] = True
        return out
