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


def test_quick_start_output_is_what_the_tool_prints(monkeypatch):
    """The quick-start console block: each shown line is printed, in that order ("..." elides lines)."""
    from click.testing import CliRunner

    block = re.search(r"```console\n\$ (inplace-lint [^\n]*)\n(.*?)```", README, re.S)
    command, shown = block.group(1).split()[1:], block.group(2).splitlines()
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["--no-cache", "--color", "never", *command])
    assert result.exit_code == 1
    printed = result.stdout.splitlines()
    at = 0
    for line in shown:
        if line == "...":
            continue
        assert line in printed[at:], f"README quick start shows {line!r}, not printed (after line {at})"
        at = printed.index(line, at) + 1
    assert printed[-2:] == shown[-2:]  # the summary


def test_setup_notes_are_there():
    assert "--index-url https://download.pytorch.org/whl/cpu" in README
    assert "`network`" in README and "timm and torchvision" in README
