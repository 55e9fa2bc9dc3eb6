"""``--format json``: a JSON array of ``Diagnostic.to_json()`` objects (or of per-code counts with --statistics)."""
from __future__ import annotations

import json
from typing import TextIO

from .common import ReportOptions, statistics


def write_json(result, out: TextIO, options: ReportOptions) -> None:
    if options.statistics:
        payload = statistics(result.diagnostics)
    else:
        payload = [d.to_json() for d in result.diagnostics]
    json.dump(payload, out, indent=2, ensure_ascii=False)
    out.write("\n")
