"""The command line: ``inplace-lint [check] PATH...``, ``inplace-lint rules``, ``inplace-lint explain CODE``.

``check`` is the default command: when the first argument is not a subcommand name, ``check`` is implied. Subcommand
names win over paths, so to lint a folder called ``rules`` write ``./rules`` or ``inplace-lint check rules``.

Exit codes: 0 no findings, 1 findings, 2 usage, config or internal error (``--exit-zero`` turns 1 into 0 only).
"""
from __future__ import annotations

import io
import json
import os
import re
import sys
import time
from typing import List, Optional, Sequence, Tuple

import click

from . import __version__, catalog
from .baseline import BaselineError, apply_baseline, load_baseline, write_baseline
from .cache import Cache
from .config import ConfigError, resolve_settings
from .engine import READERS, STDIN, default_jobs, discover, display_path, lint_paths
from .fixes import FixOptions, add_noqa, fix_paths, with_unsafe_hints
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
    """--color; for auto, as https://no-color.org and https://force-color.org say: a non-empty NO_COLOR turns colour
    off, else a non-empty FORCE_COLOR turns it on, else colour when stdout is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except ValueError:  # closed
        return False


def _finish_fixes(result, o: "CheckOptions") -> Optional[int]:
    """Output of --diff / --fix-only / --fix on stdin: the exit status for --diff and --fix-only (which report nothing
    else), None for --fix (whose report follows; on stdin, stdout holds the fixed source, the findings go to stderr)."""
    def tell(text: str) -> None:
        if not o.quiet:
            click.echo(text, err=True)

    files = f" in {result.files_fixed} file{'s' if result.files_fixed != 1 else ''}"
    problems = f"{result.fixed} problem{'s' if result.fixed != 1 else ''}"
    if o.diff:
        for text in result.diffs:
            click.echo(text, nl=False)
        tell(f"Would fix {problems}{files}." if result.diffs else "No fixes would be applied.")
        return EXIT_ERROR if result.errors else EXIT_FINDINGS if result.diffs else EXIT_OK
    if result.stdin_output is not None:
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        if out is not None:
            out.write(result.stdin_output)
            out.flush()
        else:  # a text-only stream (an embedding host): the fixed source is text anyway
            sys.stdout.write(result.stdin_output.decode("utf-8", "surrogateescape"))
    if o.fix_only:
        if o.show_fixes:
            click.echo(_fixes_listing(result), nl=False, err=True)
        else:
            tell(f"Fixed {problems}{files}." if result.fixed else "No fixes applied.")
        if result.errors:
            return EXIT_ERROR
        return EXIT_FINDINGS if o.exit_non_zero_on_fix and result.fixed else EXIT_OK
    return None


OUTPUT_FORMAT_ENV = "INPLACE_LINT_OUTPUT_FORMAT"


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, type=click.Path(readable=False))  # unreadable: IPL901, not usage
@click.option("--select", multiple=True, metavar="CODES", help="Rules to enable: codes or prefixes, comma-separated "
              "(replaces the config's select). Default: ALL.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable on top of select.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable: codes or prefixes.")
@click.option("--output-format", "--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text",
              show_default=True, envvar=OUTPUT_FORMAT_ENV, show_envvar=True,
              help="Output format (`--format` is an alias). concise: one line per finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="With --fix: exit 1 when a file was fixed, even if no "
              "finding is left.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings only: no summary, no notes on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="Say on stderr which config files apply, how many files were "
              "checked (and from the cache) and how long it took.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Use this pyproject.toml or inplace-lint.toml for every file instead of discovering them.")
@click.option("--no-config", is_flag=True, help="Ignore all config files.")
@click.option("--stdin-filename", metavar="PATH", help="The path to report and match config against for `-` (a "
              "`.ipynb` name reads a notebook).")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOBS", help="Globs to skip (comma-separated), "
              "replacing the config files' exclude; rooted at the current folder.")
@click.option("--extend-exclude", multiple=True, metavar="GLOBS", help="Globs to skip on top of the config's.")
@click.option("--per-file-ignores", "per_file_ignores", multiple=True, metavar="GLOB:CODES",
              help="Codes to ignore in files matching GLOB (repeatable), replacing the config's per-file-ignores.")
@click.option("--extend-per-file-ignores", multiple=True, metavar="GLOB:CODES",
              help="Per-file-ignores on top of the config's.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="Skip what .gitignore files ignore (default: yes, or the config's respect-gitignore).")
@click.option("--force-exclude", is_flag=True, help="Apply excludes (and .gitignore) to paths given explicitly too.")
@click.option("--show-settings", is_flag=True, help="Print the settings that apply to the first PATH and the config "
              "file they come from, then exit.")
@click.option("--show-files", is_flag=True, help="List the files that would be checked, then exit.")
@click.option("--show-source/--no-show-source", default=True, help="Show the source line under each finding.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list the fixes applied, per file and rule.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output (auto: when stdout is a terminal; a non-empty NO_COLOR turns it off, a "
                   "non-empty FORCE_COLOR on).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes (with --unsafe-fixes, the unsafe ones too), then "
              "report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Let --fix apply fixes that may change results; without --fix, "
              "show them as fixable.")
@click.option("--diff", is_flag=True, help="Print the unified diff --fix would apply and write nothing (exit 1 when "
              "there is a change).")
@click.option("--fix-only", is_flag=True, help="Apply the fixes and report nothing else (exit 0 unless an error).")
@click.option("--fix-with", type=click.Choice(["default", "function"]), default=None,
              help="How to fix an in-place write into a tensor an op saved: 'default' rewrites it out of place; "
                   "'function' (unsafe) extracts the chain into a torch.autograd.Function that keeps the write in "
                   "place (config: fix-with; default: default).")
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODES` to every line with findings (Python files), then "
              "exit. A baseline (--write-baseline) adopts the tool without touching the code.")
@click.option("--watch", is_flag=True, help="Check again whenever a file under PATHS changes (needs the watchfiles "
              "package: pip install 'inplace-lint[watch]').")
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
def check(ctx: click.Context, paths: Tuple[str, ...], **options) -> None:
    """Lint PATHS (files, folders, `-` for stdin; default: the current folder)."""
    o = CheckOptions(paths=paths, **options)
    if o.config_file and o.no_config:
        raise click.UsageError("--config and --no-config are mutually exclusive")
    if o.select and not _codes(o.select):
        raise fail("--select is empty: give rule codes or prefixes (e.g. --select ALL), or leave it out")
    if o.watch:
        _watch(ctx, o)
    ctx.exit(_check_once(o))


class CheckOptions:
    """The options of one `check` (a plain record: --watch runs it again and again)."""

    def __init__(self, **options) -> None:
        defaults = {"validate": False, "validate_timeout": 60.0, "fix_with": None}
        self.__dict__.update({**defaults, **options})

    def __getattr__(self, name: str):  # an option another command does not have
        raise AttributeError(name)


def _check_once(o: CheckOptions) -> int:
    """One run of `check`; returns the exit status."""
    started = time.monotonic()
    targets: Sequence[str] = o.paths or ([STDIN] if o.stdin_filename else ["."])
    try:
        settings = resolve_settings(
            targets, config=o.config_file, no_config=o.no_config, select=_codes(o.select) if o.select else None,
            extend_select=_codes(o.extend_select), ignore=_codes(o.ignore), force_exclude=o.force_exclude,
            stdin_filename=o.stdin_filename, respect_gitignore=o.respect_gitignore,
            exclude=_codes(o.exclude) if o.exclude else None, extend_exclude=_codes(o.extend_exclude),
            per_file_ignores=list(o.per_file_ignores) if o.per_file_ignores else None,
            extend_per_file_ignores=list(o.extend_per_file_ignores), fix_with=o.fix_with)
        if o.show_settings or o.show_files:
            return _show(o, settings, targets)
    except (ConfigError, catalog.CatalogError) as exc:
        raise fail(str(exc))
    baseline = None
    if o.baseline_file and not o.write_baseline_file:
        try:
            baseline = load_baseline(o.baseline_file)
        except BaselineError as exc:
            raise fail(str(exc))

    cache = None if o.no_cache else Cache.for_settings(settings, o.cache_dir)
    fixing = o.fix or o.fix_only or o.diff
    jobs = o.jobs or default_jobs()
    try:
        if fixing:
            result = fix_paths(targets, settings, FixOptions(unsafe=o.unsafe_fixes, write=not o.diff),
                               stdin_filename=o.stdin_filename, jobs=jobs, cache=cache)
        else:
            result = lint_paths(targets, settings, stdin_filename=o.stdin_filename, jobs=jobs, cache=cache)
            if o.unsafe_fixes:
                result = with_unsafe_hints(result)
    except (ConfigError, catalog.CatalogError) as exc:  # a config file met on the way down
        raise fail(str(exc))
    for error in result.errors:
        click.echo(str(error), err=True)
    if o.verbose:
        _tell_verbose(settings, result, cache, started)
    nothing = _nothing_checked(result)
    if nothing and not o.quiet:
        click.echo(f"{PROG}: warning: No Python files found under the given path(s)", err=True)
    if o.add_noqa:
        added, errors = add_noqa(result, result.stdin_path)
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(f"Added {added} noqa directive{'s' if added != 1 else ''}.", err=True)
        return EXIT_ERROR if result.errors or errors else EXIT_OK
    if o.write_baseline_file:
        try:
            count = write_baseline(o.write_baseline_file, result.diagnostics)
        except BaselineError as exc:
            raise fail(str(exc))
        click.echo(f"{PROG}: recorded {count} finding{'s' if count != 1 else ''} in {o.write_baseline_file}",
                   err=True)
        return EXIT_ERROR if result.errors else EXIT_OK
    if baseline is not None:
        result.diagnostics, _ = apply_baseline(result.diagnostics, baseline, o.baseline_file)

    escaped = False
    if o.validate:
        from .validate.cli_support import run_validation
        escaped = run_validation(result, settings, timeout=o.validate_timeout,
                                 echo=lambda text: click.echo(text, err=True)).escaped

    if fixing:
        status = _finish_fixes(result, o)
        if status is not None:
            return status
    to_stderr = fixing and result.stdin_output is not None  # stdout holds the fixed source read from stdin
    use_color = _use_color(o.color) and o.output_format == "text"
    out = io.StringIO()
    options = ReportOptions(show_source=o.show_source, statistics=o.statistics, quiet=o.quiet, color=use_color)
    FORMATS[o.output_format](result, out, options)
    click.echo(out.getvalue(), nl=False, color=use_color, err=to_stderr)
    if o.show_fixes and fixing:
        click.echo(_fixes_listing(result), nl=False, err=to_stderr)

    if result.errors or escaped:  # escaped: the code broke the sandbox past the write guard (docs/validator.md)
        return EXIT_ERROR
    if o.exit_non_zero_on_fix and fixing and getattr(result, "fixed", 0):
        return EXIT_FINDINGS
    return EXIT_FINDINGS if result.diagnostics and not o.exit_zero else EXIT_OK


def _nothing_checked(result) -> bool:
    """No file was found to check (and nothing was missing: that is its own error)."""
    return result.files_checked == 0 and not result.errors


def _show(o: CheckOptions, settings, targets: Sequence[str]) -> int:
    """--show-settings / --show-files."""
    if o.show_settings:
        first = targets[0] if targets[0] != STDIN else (o.stdin_filename or ".")
        here = settings.for_path(first)
        click.echo(f"Resolved settings for: {first}")
        for line in here.describe():
            click.echo(line)
        return EXIT_OK
    files, errors = discover([t for t in targets if t != STDIN], settings)
    for error in errors:
        click.echo(str(error), err=True)
    for file in files:
        click.echo(display_path(file))
    if not files and not errors:
        click.echo(f"{PROG}: warning: No Python files found under the given path(s)", err=True)
    return EXIT_ERROR if errors else EXIT_OK


def _tell_verbose(settings, result, cache, started: float) -> None:
    """-v: which config files applied, what was checked, how long it took (stderr)."""
    configs = sorted({str(settings.for_path(p).config_path or "defaults (no config file)") for p in result.paths})
    for config in configs or [str(settings.config_path or "defaults (no config file)")]:
        click.echo(f"{PROG}: settings from {config}", err=True)
    cached = f", {result.cached} from the cache" if cache is not None else ", cache off"
    click.echo(f"{PROG}: checked {result.files_checked} file{'s' if result.files_checked != 1 else ''}{cached} "
               f"in {time.monotonic() - started:.2f}s", err=True)


def _fixes_listing(result) -> str:
    """--show-fixes, like ruff: each file fixed, and per rule how many fixes were applied."""
    fixed_codes = getattr(result, "fixed_codes", {})
    if not any(fixed_codes.values()):
        return "No fixes applied.\n"
    total = sum(n for counts in fixed_codes.values() for n in counts.values())
    lines = [f"Fixed {total} problem{'s' if total != 1 else ''}:"]
    rules = catalog.all_rules()
    for path in sorted(fixed_codes):
        counts = fixed_codes[path]
        if not counts:
            continue
        lines.append(f"- {path}:")
        for code in sorted(counts):
            name = rules[code].name if code in rules else ""
            lines.append(f"    {counts[code]} × {code} ({name})" if name else f"    {counts[code]} × {code}")
    return "\n".join(lines) + "\n"


def _watch(ctx: click.Context, o: CheckOptions) -> None:
    """--watch: check, then check again after every change under PATHS, until interrupted (exit 0)."""
    try:
        import watchfiles
    except ImportError:
        raise fail("--watch needs the 'watchfiles' package: pip install 'inplace-lint[watch]' "
                   "(or pip install watchfiles)")
    if not o.paths and o.stdin_filename or STDIN in o.paths:
        raise click.UsageError("--watch cannot read standard input")
    if o.fix or o.fix_only or o.diff or o.add_noqa or o.write_baseline_file:
        raise click.UsageError("--watch only reports: it cannot be used with --fix, --diff, --fix-only, --add-noqa "
                               "or --write-baseline")
    roots = [p for p in (o.paths or (".",))]
    missing = [p for p in roots if not os.path.exists(p)]
    if missing:
        raise fail(f"path not found: {missing[0]}")
    _watch_run(o)
    try:
        for changes in watchfiles.watch(*roots, watch_filter=_watch_filter, raise_interrupt=False):
            names = sorted({display_path(path) for _, path in changes})
            click.echo(f"\n{PROG}: {len(names)} file{'s' if len(names) != 1 else ''} changed "
                       f"({', '.join(names[:3])}{', ...' if len(names) > 3 else ''}); checking again", err=True)
            _watch_run(o)
    except KeyboardInterrupt:  # pragma: no cover - raise_interrupt=False returns instead
        pass
    ctx.exit(EXIT_OK)


def _watch_filter(change, path: str) -> bool:
    return path.endswith(tuple(READERS)) or os.path.basename(path) in (
        "pyproject.toml", "inplace-lint.toml", ".inplace-lint.toml", ".gitignore")


def _watch_run(o: CheckOptions) -> None:
    try:
        _check_once(o)
    except click.exceptions.Exit:  # a config error: said on stderr; keep watching for the fix
        pass


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--output-format", "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
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


_EXAMPLE_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*python[ \t]+(?:bad|good|fixed)\b[^\n]*$", re.MULTILINE)


def explain_text(rule: "catalog.RuleDoc") -> str:
    """A rule's documentation for the terminal: the test-harness attributes of example fences (```` ```python bad
    raises="..." ````) become a plain ```` ```python ```` and the markers (``# error: IPL001``) stay as notes."""
    return _EXAMPLE_FENCE.sub(lambda m: m.group("fence") + "python", rule.body.rstrip("\n"))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("code")
def explain(code: str) -> None:
    """Show the documentation of a rule, by code (IPL001) or name (inplace-on-leaf)."""
    try:
        rule = catalog.get_rule(code)
    except catalog.CatalogError as exc:
        raise fail(str(exc))
    click.echo(explain_text(rule))


@cli.command("rule", context_settings=CONTEXT_SETTINGS)
@click.argument("code")
@click.pass_context
def rule_command(ctx: click.Context, code: str) -> None:
    """Alias of `explain` (ruff's name): show a rule's documentation."""
    ctx.invoke(explain, code=code)


@cli.command(context_settings={**CONTEXT_SETTINGS, "ignore_unknown_options": True})
@click.option("-p", "--path", "paths", multiple=True, type=click.Path(readable=False), metavar="PATH",
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
