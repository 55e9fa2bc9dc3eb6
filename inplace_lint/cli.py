"""The command line: ``inplace-lint [check] PATH...``, ``inplace-lint rules``, ``inplace-lint explain CODE``.

``check`` is the default command: when the first argument is not a subcommand name, ``check`` is implied. Subcommand
names win over paths, so to lint a folder called ``rules`` write ``./rules`` or ``inplace-lint check rules``.

Exit codes: 0 no findings, 1 findings, 2 usage, config or internal error (``--exit-zero`` turns 1 into 0 only).
"""
from __future__ import annotations

import io
import json
import os
import sys
from typing import List, Optional, Sequence, Tuple

import click

from . import __version__, catalog
from .baseline import BaselineError, apply_baseline, load_baseline, write_baseline
from .cache import Cache
from .config import ConfigError, resolve_settings
from .engine import STDIN, default_jobs, lint_paths
from .fixes import FixOptions, fix_paths, with_unsafe_hints
from .report import FORMATS, ReportOptions

PROG = "inplace-lint"
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str) -> "click.exceptions.Exit":
    """Print ``inplace-lint: error: message`` on stderr; return the exit to raise (status 2)."""
    click.echo(f"{PROG}: error: {message}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


class DefaultGroup(click.Group):
    """A group whose ``check`` command is implied, and which never shows a traceback for a crash."""

    default_command = "check"
    group_options = ("-h", "--help", "--version")

    def parse_args(self, ctx: click.Context, args: List[str]) -> List[str]:
        if not args or (args[0] not in self.commands and args[0] not in self.group_options):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # e.g. `inplace-lint . | head`: stop quietly
            _silence_stdout()
            ctx.exit(EXIT_ERROR)
        except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
            click.echo(f"{PROG}: internal error: {type(exc).__name__}: {exc}\n"
                       f"This is a bug in {PROG}; please report it with the command you ran.", err=True)
            ctx.exit(EXIT_ERROR)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


@click.group(cls=DefaultGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def cli() -> None:
    """Find PyTorch in-place operations that break autograd.

    Run `inplace-lint PATH...` (same as `inplace-lint check PATH...`).
    """
    _tolerant_output()


def _tolerant_output() -> None:
    """Print what the terminal cannot encode as escapes instead of dying: a file name that is not UTF-8 (Python
    holds it with surrogates), source text the terminal's encoding lacks."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, io.UnsupportedOperation):  # closed, or detached
                pass


def _codes(values: Tuple[str, ...]) -> List[str]:
    """Comma-separated and repeated option values, flattened."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    try:
        return "NO_COLOR" not in os.environ and sys.stdout is not None and sys.stdout.isatty()
    except ValueError:  # closed
        return False


def _finish_fixes(ctx: click.Context, result, *, diff: bool, fix_only: bool, quiet: bool) -> bool:
    """Output of --diff / --fix-only / --fix on stdin. Exits for --diff and --fix-only; otherwise returns whether the
    findings go to stderr (stdout then holds the fixed source read from stdin)."""
    def tell(text: str) -> None:
        if not quiet:
            click.echo(text, err=True)

    files = f" in {result.files_fixed} file{'s' if result.files_fixed != 1 else ''}"
    problems = f"{result.fixed} problem{'s' if result.fixed != 1 else ''}"
    if diff:
        for text in result.diffs:
            click.echo(text, nl=False)
        tell(f"Would fix {problems}{files}." if result.diffs else "No fixes would be applied.")
        ctx.exit(EXIT_ERROR if result.errors else EXIT_FINDINGS if result.diffs else EXIT_OK)
    if result.stdin_output is not None:
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is not None:
            out.write(result.stdin_output)
            out.flush()
        else:  # a text-only stream (an embedding host): the fixed source is text anyway
            sys.stdout.write(result.stdin_output.decode("utf-8", "surrogateescape"))
    if fix_only:
        tell(f"Fixed {problems}{files}." if result.fixed else "No fixes applied.")
        ctx.exit(EXIT_ERROR if result.errors else EXIT_OK)
    return result.stdin_output is not None


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", multiple=True, metavar="CODES", help="Rules to enable: codes or prefixes, comma-separated "
              "(replaces the config's select). Default: ALL.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable on top of select.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable: codes or prefixes.")
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="Output format.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option("-q", "--quiet", is_flag=True, help="One line per finding; no source excerpt, no summary.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Use this pyproject.toml or inplace-lint.toml instead of discovering one.")
@click.option("--no-config", is_flag=True, help="Ignore all config files.")
@click.option("--stdin-filename", metavar="PATH", help="The path to report and match config against for `-`.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given explicitly too.")
@click.option("--show-source/--no-show-source", default=True, help="Show the source line under each finding.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output (auto: when stdout is a terminal and NO_COLOR is unset).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes (with --unsafe-fixes, the unsafe ones too), then "
              "report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Let --fix apply fixes that may change results; without --fix, "
              "show them as fixable.")
@click.option("--diff", is_flag=True, help="Print the unified diff --fix would apply and write nothing (exit 1 when "
              "there is a change).")
@click.option("--fix-only", is_flag=True, help="Apply the fixes and report nothing else (exit 0 unless an error).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Check files in N processes (default: the number of CPUs; 1: serially).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the results cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), metavar="DIR", envvar="INPLACE_LINT_CACHE_DIR",
              help="Where the results cache lives (default: .inplace_lint_cache next to the config file, else in "
                   "the current folder; env: INPLACE_LINT_CACHE_DIR).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Report only findings that are not recorded in this baseline file.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Record every current finding in FILE (then use it with --baseline) and exit 0.")
@click.option("--validate", is_flag=True, help="Run the flagged code under torch (in a sandboxed subprocess) and "
              "attach a verdict to each finding; with --fix/--diff, also check each fix by running it. THIS EXECUTES "
              "YOUR CODE: never use it on code you would not run (see docs/validator.md).")
@click.option("--validate-timeout", type=click.FloatRange(min=1), default=60.0, show_default=True, metavar="SECONDS",
              help="Wall-clock and CPU limit for each run of --validate.")
@click.pass_context
def check(ctx: click.Context, paths: Tuple[str, ...], select, extend_select, ignore, output_format, exit_zero,
          statistics, quiet, config_file, no_config, stdin_filename, force_exclude, show_source, color, jobs,
          no_cache, cache_dir, baseline_file, write_baseline_file,
          fix, unsafe_fixes, diff, fix_only, validate=False, validate_timeout=60.0) -> None:
    """Lint PATHS (files, folders, `-` for stdin; default: the current folder)."""
    if config_file and no_config:
        raise click.UsageError("--config and --no-config are mutually exclusive")
    targets: Sequence[str] = paths or ([STDIN] if stdin_filename else ["."])
    try:
        settings = resolve_settings(
            targets, config=config_file, no_config=no_config, select=_codes(select) if select else None,
            extend_select=_codes(extend_select), ignore=_codes(ignore), force_exclude=force_exclude,
            stdin_filename=stdin_filename)
    except (ConfigError, catalog.CatalogError) as exc:
        raise fail(str(exc))
    baseline = None
    if baseline_file and not write_baseline_file:
        try:
            baseline = load_baseline(baseline_file)
        except BaselineError as exc:
            raise fail(str(exc))

    cache = None if no_cache else Cache.for_settings(settings, cache_dir)
    fixing = fix or fix_only or diff
    if fixing:
        result = fix_paths(targets, settings, FixOptions(unsafe=unsafe_fixes, write=not diff),
                           stdin_filename=stdin_filename, jobs=jobs or default_jobs(), cache=cache)
    else:
        result = lint_paths(targets, settings, stdin_filename=stdin_filename, jobs=jobs or default_jobs(), cache=cache)
        if unsafe_fixes:
            result = with_unsafe_hints(result)
    for error in result.errors:
        click.echo(str(error), err=True)
    if write_baseline_file:
        try:
            count = write_baseline(write_baseline_file, result.diagnostics)
        except BaselineError as exc:
            raise fail(str(exc))
        click.echo(f"{PROG}: recorded {count} finding{'s' if count != 1 else ''} in {write_baseline_file}", err=True)
        ctx.exit(EXIT_ERROR if result.errors else EXIT_OK)
    if baseline is not None:
        result.diagnostics, _ = apply_baseline(result.diagnostics, baseline, baseline_file)

    if validate:
        from .validate.cli_support import run_validation
        run_validation(result, settings, timeout=validate_timeout, echo=lambda text: click.echo(text, err=True))

    to_stderr = fixing and _finish_fixes(ctx, result, diff=diff, fix_only=fix_only, quiet=quiet)
    use_color = _use_color(color) and output_format == "text"
    out = io.StringIO()
    options = ReportOptions(show_source=show_source, statistics=statistics, quiet=quiet, color=use_color)
    FORMATS[output_format](result, out, options)
    click.echo(out.getvalue(), nl=False, color=use_color, err=to_stderr)

    if result.errors:
        ctx.exit(EXIT_ERROR)
    ctx.exit(EXIT_FINDINGS if result.diagnostics and not exit_zero else EXIT_OK)


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format: str) -> None:
    """List every rule: code, name, severity, fix, summary."""
    try:
        docs = catalog.all_rules()
    except catalog.CatalogError as exc:
        raise fail(str(exc))
    if output_format == "json":
        click.echo(json.dumps([r.to_json() for r in docs.values()], indent=2))
        return
    rows = [("CODE", "NAME", "SEVERITY", "FIX", "SUMMARY")]
    rows += [(r.code, r.name, r.severity, r.fix, r.summary) for r in docs.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4])


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("code")
def explain(code: str) -> None:
    """Show the documentation of a rule, by code (IPL001) or name (inplace-on-leaf)."""
    try:
        rule = catalog.get_rule(code)
    except catalog.CatalogError as exc:
        raise fail(str(exc))
    click.echo(rule.body.rstrip("\n"))


@cli.command(context_settings={**CONTEXT_SETTINGS, "ignore_unknown_options": True})
@click.option("-p", "--path", "paths", multiple=True, type=click.Path(), metavar="PATH",
              help="Files or folders whose findings are reported (default: the current folder).")
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text", show_default=True,
              help="Output format.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Kill the command (its whole process group) after this long.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when the probe confirmed findings (unless the command "
              "itself failed).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Use this pyproject.toml or inplace-lint.toml instead of discovering one.")
@click.option("--no-config", is_flag=True, help="Ignore all config files.")
@click.option("--show-source/--no-show-source", default=True, help="Show the source line under each finding.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def run(ctx: click.Context, paths, output_format, timeout, exit_zero, config_file, no_config, show_source,
        command) -> None:
    """Run COMMAND with the runtime probe in every Python process it starts, then report what broke.

    Like `coverage run`: `inplace-lint run -- python train.py` or `inplace-lint run -- pytest tests/`. Reports the
    in-place mutations that broke autograd or silently corrupted gradients (with the line), merged with the static
    findings of the files involved. Runs the command as you would (not sandboxed).
    """
    if config_file and no_config:
        raise click.UsageError("--config and --no-config are mutually exclusive")
    targets = list(paths) or ["."]
    try:
        settings = resolve_settings(targets, config=config_file, no_config=no_config, select=None, extend_select=[],
                                    ignore=[], force_exclude=False, stdin_filename=None)
    except (ConfigError, catalog.CatalogError) as exc:
        raise fail(str(exc))
    from .validate.run import exit_status, run_command, summary_line

    result, outcome = run_command(list(command), targets, settings, timeout=timeout,
                                  stdout_to_stderr=output_format != "text")
    for error in list(result.errors) + outcome.errors:
        click.echo(str(error), err=True)
    out = io.StringIO()
    FORMATS[output_format](result, out, ReportOptions(show_source=show_source))
    click.echo(out.getvalue(), nl=False)
    click.echo(summary_line(result, outcome, command), err=True)
    ctx.exit(exit_status(result, outcome, exit_zero))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True, metavar="N",
              help="Analysis processes (the analysis never runs on the protocol's thread).")
@click.option("--stdio", is_flag=True, hidden=True, help="Accepted for clients that pass it: stdio is the transport.")
def server(jobs: int, stdio: bool) -> None:
    """Run the language server (LSP over stdio) for editors; needs `pip install 'inplace-lint[lsp]'`.

    Set-up for VS Code, Neovim, Helix and Emacs: docs/editors.md.
    """
    from .server import MissingExtra, serve

    try:
        serve(jobs=jobs)
    except MissingExtra as exc:
        raise fail(str(exc))


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The console-script entry point (exits the process)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name=PROG)
