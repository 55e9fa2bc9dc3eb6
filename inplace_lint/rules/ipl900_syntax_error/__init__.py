"""IPL900 syntax-error: the file is not valid Python (or too deeply nested / too large to analyse), so
nothing else in it was checked. Reported by the analysis entry points; no decision, no runtime check."""

CODE = "IPL900"
