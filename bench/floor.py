"""The floor: LibCST parsing alone, ``libcst.parse_module`` on each file in a loop (run by ``run.py`` as a child).

``python bench/floor.py FILELIST`` reads one path a line and parses each file's bytes (LibCST honours a coding
cookie), discarding the tree. It prints one JSON object: files, lines, parse failures, the libcst version.
Anything a checker built on LibCST does on top of this is its own cost.
"""
from __future__ import annotations

import json
import sys


def main(argv) -> int:
    import libcst

    with open(argv[1], encoding="utf-8") as fh:
        paths = [line.rstrip("\n") for line in fh if line.strip()]
    files = lines = 0
    failures = []
    for path in paths:
        with open(path, "rb") as src:
            data = src.read()
        files += 1
        lines += len(data.splitlines())
        try:
            libcst.parse_module(data)
        except Exception as exc:  # noqa: BLE001 - count it, go on
            failures.append(f"{path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    version = getattr(libcst, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version
        version = dist_version("libcst")
    print(json.dumps({"files": files, "lines": lines, "parse_failures": failures, "libcst": version}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
