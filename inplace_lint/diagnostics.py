"""The one data type every part of inplace-lint exchanges: a finding (``Diagnostic``) and its optional ``Fix``.

Positions are 1-based lines and 1-based columns; ``end_col`` is exclusive (one past the last character), like ruff.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

ERROR = "error"
WARNING = "warning"

SAFE = "safe"
UNSAFE = "unsafe"
DISPLAY_ONLY = "display-only"  # a hint (e.g. an autograd.Function template), never applied automatically


@dataclass
class Fix:
    description: str
    applicability: str = SAFE
    # Opaque payload for inplace_lint.fixes: what to rewrite. None for hint-only fixes.
    edit: Any = field(default=None, compare=False, repr=False)
    # Extra text printed after the hint (e.g. a ready-to-paste autograd.Function template).
    template: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        return {"description": self.description, "applicability": self.applicability}


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
        if self.related:
            out["related"] = [{"line": ln, "col": c, "message": m} for ln, c, m in self.related]
        if self.runtime:
            out["runtime"] = True
        return out
