"""IPL902 unused-noqa: a ``# noqa`` directive that is malformed, or names codes that suppressed nothing or that no rule
has (like ruff's RUF100). Reported by the engine (``inplace_lint/noqa.py``) after the rules ran; no decision, no
runtime check. Its fix (safe) removes the unused codes, or the directive when none is left."""

CODE = "IPL902"
