"""The benchmark corpus: pinned releases of real PyTorch projects, fetched from PyPI, only their ``.py`` files kept.

``python bench/corpus.py [--quick] [NAME...]`` fetches (or reuses) the corpus and prints its size. ``run.py`` and
``prefilter_check.py`` use ``ensure()`` / ``files()`` from here.

Each package is fetched with ``pip download --no-deps`` as a wheel for CPython 3.11 on manylinux x86_64 (whatever
Python runs this script, so the corpus is the same everywhere), and its ``.py`` members are unpacked into
``bench/corpus/<name>/``. A stamp file there (``.corpus.json``) records the version, the archive and its sha256;
a later run with a matching stamp reuses the folder without touching the network. ``bench/corpus/`` is gitignored.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

BENCH = Path(__file__).resolve().parent
CORPUS_DIR = BENCH / "corpus"
DOWNLOADS = CORPUS_DIR / "_downloads"
STAMP = ".corpus.json"

# name -> pinned version. About 4,670 files and 1.68M lines in all (transformers is 73% of it).
PACKAGES: Dict[str, str] = {
    "transformers": "5.24.0",
    "timm": "1.0.31",
    "torchvision": "0.29.1",
    "pytorch-lightning": "2.6.6",
    "torchmetrics": "1.9.0",
    "torch-geometric": "2.8.1",
}
QUICK = ("timm",)

# The wheel tags asked for, whatever the running interpreter is (torchvision is the only platform wheel).
PLATFORM_ARGS = ["--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
                 "--platform", "manylinux_2_28_x86_64"]

# Folder names both tools skip when walking a tree; a corpus file under one of them would not be checked by
# inplace-lint (see inplace_lint/config.py DEFAULT_EXCLUDES), so the corpus must not contain any.
SKIPPED_DIR_NAMES = {".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "build", "dist", "node_modules",
                     "site-packages", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".inplace_lint_cache"}


def log(message: str) -> None:
    print(f"[corpus] {message}", file=sys.stderr, flush=True)


def package_dir(name: str) -> Path:
    return CORPUS_DIR / name


def read_stamp(name: str) -> Optional[dict]:
    try:
        return json.loads((package_dir(name) / STAMP).read_text())
    except (OSError, ValueError):
        return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _find_archive(name: str, version: str) -> Optional[Path]:
    """An archive of name==version already in the downloads folder (wheel preferred)."""
    if not DOWNLOADS.is_dir():
        return None
    prefix = f"{name.lower().replace('-', '_').replace('.', '_')}_{version}"
    found = []
    for path in DOWNLOADS.iterdir():
        flat = path.name.lower().replace("-", "_")
        if flat.startswith((prefix + "_", prefix + ".")) and flat.endswith((".whl", ".tar.gz", ".zip")):
            found.append(path)
    found.sort(key=lambda p: (not p.name.endswith(".whl"), p.name))
    return found[0] if found else None


def download(name: str, version: str) -> Path:
    """``pip download --no-deps name==version`` into the downloads folder (reused when already there)."""
    existing = _find_archive(name, version)
    if existing is not None:
        return existing
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    spec = f"{name}=={version}"
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-d", str(DOWNLOADS)]
    log(f"pip download --no-deps {spec}")
    proc = subprocess.run(base + PLATFORM_ARGS + [spec], capture_output=True, text=True)
    if proc.returncode != 0:  # no wheel for those tags: take whatever the registry has (an sdist, say)
        log(f"no cp311 wheel for {spec}; trying any archive")
        proc = subprocess.run(base + [spec], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"[corpus] cannot download {spec}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    archive = _find_archive(name, version)
    if archive is None:
        raise SystemExit(f"[corpus] pip downloaded {spec} but no archive named like it is in {DOWNLOADS}")
    return archive


def _members(archive: Path) -> Iterable[tuple]:
    """(relative path, bytes) for each ``.py`` member of a wheel, zip or tarball."""
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.filename.endswith(".py"):
                    yield info.filename, zf.read(info)
    else:
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                if member.isfile() and member.name.endswith(".py"):
                    fh = tf.extractfile(member)
                    if fh is not None:
                        yield member.name, fh.read()


def _safe_relpath(name: str) -> Optional[Path]:
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        return None
    return rel


def count_lines(data: bytes) -> int:
    return len(data.splitlines())


def unpack(name: str, version: str, archive: Path) -> dict:
    """Unpack the ``.py`` files of ``archive`` into ``bench/corpus/<name>/`` (atomically: a temp folder, renamed)."""
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=CORPUS_DIR))
    tmp.chmod(0o755)
    files = lines = 0
    try:
        for member, data in _members(archive):
            rel = _safe_relpath(member)
            if rel is None:
                continue
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files += 1
            lines += count_lines(data)
        stamp = {"name": name, "version": version, "archive": archive.name, "sha256": _sha256(archive),
                 "files": files, "lines": lines}
        (tmp / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
        dest = package_dir(name)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return stamp


def ensure(names: Sequence[str]) -> List[dict]:
    """Fetch and unpack each named package unless its folder already holds that version; return their stamps."""
    stamps = []
    for name in names:
        if name not in PACKAGES:
            raise SystemExit(f"[corpus] unknown package {name!r}; known: {', '.join(PACKAGES)}")
        version = PACKAGES[name]
        stamp = read_stamp(name)
        if stamp is None or stamp.get("version") != version:
            archive = download(name, version)
            log(f"unpacking the .py files of {archive.name} into {package_dir(name).relative_to(BENCH.parent)}/")
            stamp = unpack(name, version, archive)
        stamp = dict(stamp, path=str(package_dir(name)))
        stamps.append(stamp)
    return stamps


def files(names: Sequence[str]) -> List[Path]:
    """The ``.py`` files of the named packages' folders, sorted, as the tools see them."""
    out: List[Path] = []
    for name in names:
        out.extend(sorted(p for p in package_dir(name).rglob("*.py") if p.is_file()))
    return out


def present() -> List[str]:
    """The packages whose folder is complete (has a stamp) right now; no download."""
    return [name for name in PACKAGES if read_stamp(name) is not None]


def skipped_by_walk(paths: Sequence[Path], roots: Sequence[Path]) -> List[Path]:
    """Files that a folder walk would skip because a folder on their way is a default-excluded name."""
    out = []
    for path in paths:
        for root in roots:
            try:
                rel = path.relative_to(root)
            except ValueError:
                continue
            if set(rel.parts[:-1]) & SKIPPED_DIR_NAMES:
                out.append(path)
            break
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"packages (default: all of {', '.join(PACKAGES)})")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    args = parser.parse_args(argv)
    names = args.names or (list(QUICK) if args.quick else list(PACKAGES))
    stamps = ensure(names)
    for s in stamps:
        print(f"{s['name']:<20} {s['version']:<10} {s['files']:>6} files {s['lines']:>10,} lines  {s['archive']}")
    print(f"{'total':<31} {sum(s['files'] for s in stamps):>6} files {sum(s['lines'] for s in stamps):>10,} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
