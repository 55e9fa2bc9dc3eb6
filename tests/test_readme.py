"""The README stays true: its set-up commands are what CI runs, and every command-line option is documented."""
from __future__ import annotations

import re
from pathlib import Path

from inplace_lint.cli import cli as main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sh_blocks(text: str):
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_ci_runs_the_readme_test_command():
    test_cmd = next(line for b in _sh_blocks(README) for line in b.splitlines() if "pytest" in line)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd.strip() in [line.strip() for line in ci.splitlines()]


def test_install_command_runs_the_shipped_sample():
    install = _sh_blocks(README)[0].strip()
    assert install.startswith("python -m pip install . && inplace-lint ")
    sample = install.split("inplace-lint ", 1)[1].split()[0]
    assert (ROOT / sample).is_file()


def test_every_option_is_documented():
    check = main.commands["check"]
    missing = []
    for param in check.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and f"`{opt}" not in README and f" {opt}" not in README:
                missing.append(opt)
    assert not missing, f"README does not document {missing}"


def test_every_subcommand_is_documented():
    for name in main.commands:
        assert f"inplace-lint {name}" in README or f"[{name}]" in README, name
