"""What every output format shares: the options a writer receives and small facts about diagnostics."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from .. import catalog
from ..diagnostics import Diagnostic, is_fixable


@dataclass
class ReportOptions:
    show_source: bool = True  # source excerpt under each finding (text)
    statistics: bool = False  # counts per code instead of the findings
    quiet: bool = False  # no summary (text, concise)
    color: bool = False


def statistics(diagnostics: Sequence[Diagnostic]) -> List[Dict[str, object]]:
    """One row per code, most frequent first: code, name, count, fixable count."""
    counts: Counter = Counter(d.code for d in diagnostics)
    fixable: Counter = Counter(d.code for d in diagnostics if is_fixable(d))
    names: Dict[str, str] = {d.code: d.name for d in diagnostics}
    rows: List[Tuple[int, str]] = sorted(((-n, code) for code, n in counts.items()))
    return [{"code": code, "name": names[code] or _catalog_name(code), "count": -neg, "fixable": fixable[code]}
            for neg, code in rows]


def _catalog_name(code: str) -> str:
    rule = catalog.all_rules().get(code)
    return rule.name if rule else ""
