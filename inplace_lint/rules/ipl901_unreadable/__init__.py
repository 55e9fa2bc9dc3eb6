"""IPL901 unreadable: the file could not be read or decoded (binary, bad encoding, permission). Reported by the
engine; no decision, no runtime check."""

CODE = "IPL901"
