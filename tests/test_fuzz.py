"""Never crash, never lose code: property and fuzz tests (bounded: a few seconds each; ``bench/fuzz.py`` runs the same
invariants on 100,000+ inputs).

Inputs (``fuzz_support``): random torch-flavoured programs, real files (rule examples, ``examples/``, the package's
source) damaged by mutations, random bytes and text, and the extremes -- 500- to 100,000-deep nesting of every kind,
5 MB single-line files. Invariants: checking a file ends in diagnostics (never an exception or an internal error);
lint (with the pre-filter) reports nothing the full analysis does not; ``--fix`` output parses with LibCST and
``compile()``, and fixing it again changes nothing; the analysis is deterministic; the command line exits 0, 1 or 2
without a traceback; and the findings of a folder do not depend on ``--jobs`` or on the order of the files.
"""
from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inplace_lint import engine
from inplace_lint.registry import analyze_module, analyze_source
from inplace_lint.analysis import guard
from inplace_lint.fixes import fix_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_support as fs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def assert_holds(data: bytes, **kwargs) -> None:
    failures = fs.check_bytes(data, "fuzz.py", **kwargs)
    assert not failures, "\n\n".join(failures) + f"\n\ninput: {data[:3000]!r}"


# ---------------------------------------------------------------------------------------------------------------
# Properties


@pytest.mark.slow
@PROPERTY
@given(st.data())
def test_generated_programs_hold_every_invariant(data):
    assert_holds(fs.gen_program(fs.DrawChooser(data)).encode())


@pytest.mark.slow
@settings(PROPERTY, max_examples=4)
@given(st.data())
def test_long_generated_programs_lint_a_subset_of_the_full_analysis(data):
    """200+ lines and many top-level blocks: the pre-filter blanks some; it must never add a finding."""
    text = fs.gen_program(fs.DrawChooser(data), long=True)
    assert text.count("\n") >= 200
    assert_holds(text.encode(), fix=False)


@pytest.mark.slow
@settings(PROPERTY, max_examples=60)
@given(st.data())
def test_mutated_real_files_hold_every_invariant(data):
    ch = fs.DrawChooser(data)
    name, text = ch.pick(fs.seeds())
    assert_holds(fs.mutate(ch, text, max_lines=40))


@settings(PROPERTY, max_examples=60)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data):
    assert_holds(b"import torch\n" + data)
    assert_holds(data, fix=False)


PYTHONISH = st.lists(st.sampled_from(list("wxab_.()[]{}:=+-*/@ \t\n\r#'\"\\,;01") + [
    "torch", ".add_(1)", "requires_grad=True", ".data", ".grad", "with torch.no_grad():", "def f(x):", "if w:",
    "    ", "return ", "class M(nn.Module):", "for i in range(3):", "lambda", "é", "\x0c", "\u2028", "\x00"]),
    max_size=60).map("".join)


@settings(PROPERTY, max_examples=60)
@given(PYTHONISH)
def test_random_python_ish_text_never_crashes(text):
    assert_holds(("import torch\nw = torch.ones(2, requires_grad=True)\n" + text).encode("utf-8", "surrogatepass"))


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name, _ in fs.seed_texts() if name.startswith(("rules/", "examples/"))])
def test_every_rule_example_holds_every_invariant(name):
    text = dict(fs.seeds())[name]
    assert_holds(text.encode())
    assert_holds(text.replace("\n", "\r\n").encode())
    assert_holds(b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + text.encode())


# ---------------------------------------------------------------------------------------------------------------
# Deep nesting: a clean IPL900 (or the findings), never a crash


def _codes_and_messages(diags):
    return [(d.code, d.message) for d in diags]


@pytest.mark.slow
@pytest.mark.parametrize("kind", fs.DEEP_KINDS + fs.STATEMENT_DEEP_KINDS)
def test_500_deep_nesting_gives_findings_or_a_clean_ipl900(kind):
    """Depth 500 of every kind: analysed (the IPL001 on line 3 is found) or, where Python itself refuses it (100
    indentation levels, 200 brackets), IPL900 with Python's message. Before: a RecursionError (an internal error)
    for sums, attribute chains, calls, conditionals..."""
    source = fs.deep_program(kind, 500)
    found = analyze_source(source, "deep.py")
    assert found == analyze_module(source, "deep.py")[1] or [d.code for d in found] == ["IPL900"]
    codes = [d.code for d in found]
    if codes == ["IPL900"]:
        message = found[0].message
        assert ("too many nested parentheses" in message or "too many levels of indentation" in message
                or "too many statically nested blocks" in message or "nested too deeply" in message), message
    else:
        assert ("IPL001", 3) in [(d.code, d.line) for d in found], codes
    outcome = engine.check_file("deep.py", lambda: source, fs.settings_for())
    assert outcome.error is None


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["binop", "boolop", "attr", "subscript", "elifs", "compfor", "strcat", "unary"])
def test_deep_files_are_fixed_on_a_big_stack(kind):
    """LibCST's transformer and code generator recurse: the fix ran into "internal error while fixing:
    RecursionError" at depth 900; it runs again on a big stack."""
    source = fs.deep_program(kind, 900)
    result = fix_text(source, "deep.py")
    assert result.error is None and result.changed
    assert "with torch.no_grad():\n    w.add_(1)" in result.source
    compile(result.source, "deep.py", "exec")
    assert fix_text(result.source, "deep.py").source == result.source


DEEPER = [(kind, n) for kind in fs.DEEP_KINDS for n in (1200, 100_000)] + [
    (kind, n) for kind in fs.STATEMENT_DEEP_KINDS for n in (1200, 3000)] + [("elifs", 100_000)]


@pytest.mark.slow
@pytest.mark.parametrize("kind, n", DEEPER)
def test_deeper_nesting_is_a_quick_ipl900(kind, n):
    """Beyond MAX_DEPTH (1000) levels: one IPL900, fast, never handed to LibCST (whose native parser overflowed the
    C stack and killed the process -- a segfault -- at ~7,000 ``and`` operators or ~2,000 brackets)."""
    source = fs.deep_program(kind, n)
    start = time.perf_counter()
    found = analyze_source(source, "deep.py")
    if kind == "strcat" and n < 5000:  # CPython holds it as one string: LibCST nests it, and copes at 1,200
        assert [d.code for d in found] == ["IPL001"]
        return
    assert [d.code for d in found] == ["IPL900"], _codes_and_messages(found)
    assert time.perf_counter() - start < 20
    assert analyze_module(source, "deep.py")[0] is None
    result = fix_text(source, "deep.py")
    assert not result.changed and result.error is None


def test_nesting_too_deep_names_the_limit_and_the_line():
    source = "import torch\n\n\nx = " + " + ".join(["w"] * 1500) + "\n"
    found = analyze_source(source, "deep.py")
    assert _codes_and_messages(found) == [
        ("IPL900", "the file is nested too deeply to be parsed (more than 1000 levels); it was not checked")]
    assert found[0].line == 4


def test_just_under_the_limit_is_analysed():
    source = fs.deep_program("binop", guard.MAX_DEPTH - 20)
    assert [(d.code, d.line) for d in analyze_source(source, "deep.py")] == [("IPL001", 3)]


@pytest.mark.slow
def test_deep_nesting_through_the_cli_never_kills_the_process(tmp_path):
    """A subprocess, as a user runs it: these files made LibCST's native parser overflow the C stack (SIGSEGV, exit
    -11, no output at all); now each is an IPL900 and the other files are still checked."""
    (tmp_path / "bad.py").write_text("import torch\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n")
    (tmp_path / "and_chain.py").write_text(fs.deep_program("boolop", 10_000))
    (tmp_path / "brackets.py").write_text(fs.deep_program("paren", 10_000))
    (tmp_path / "no_torch.py").write_text("x = " + "(" * 10_000 + ")" * 10_000 + "\n")
    (tmp_path / "syntax_error_too.py").write_text("import torch\n)\nx = " + " or ".join(["a"] * 20_000) + "\n")
    code, output = fs.run_cli(["--no-cache", "--no-config", "--format", "json", "."], cwd=tmp_path,
                              subprocess_=True)
    assert code == 1, output
    import json

    found = sorted((d["path"], d["code"]) for d in json.loads(output[output.index("["):output.rindex("]") + 1]))
    assert found == [("and_chain.py", "IPL900"), ("bad.py", "IPL001"), ("brackets.py", "IPL900"),
                     ("no_torch.py", "IPL900"), ("syntax_error_too.py", "IPL900")]


def test_deep_analysis_restores_the_recursion_limit_and_thread_stack_size():
    import threading

    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    analyze_source(fs.deep_program("binop", 900), "deep.py")
    assert (sys.getrecursionlimit(), threading.stack_size()) == (limit, stack)


def test_deep_analysis_without_a_thread_to_spare(monkeypatch):
    """Where no thread can be started (address-space or process limits), the analysis runs in the calling thread
    and a RecursionError becomes the IPL900."""
    import threading

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    found = analyze_source(fs.deep_program("binop", 900), "deep.py")
    assert [d.code for d in found] in (["IPL001"], ["IPL900"])
    assert [d.code for d in analyze_source(fs.deep_program("binop", 10), "shallow.py")] == ["IPL001"]


# ---------------------------------------------------------------------------------------------------------------
# Huge files


@pytest.mark.slow
@pytest.mark.parametrize("name", ["5mb-comment", "5mb-string", "5mb-garbage", "5mb-list", "5mb-statements",
                                  "5mb-no-newline-syntax-error"])
def test_5mb_single_line_files(name):
    """One 5 MB line: a clean outcome in seconds. A 5 MB data literal took LibCST 90 s and 7 GB of memory; above
    MAX_TOKENS tokens a file is an IPL900 "too large" without being parsed."""
    data = fs.hostile_input(name)
    start = time.perf_counter()
    outcome = engine.check_file("big.py", lambda: engine.decode_source(data), fs.settings_for())
    assert outcome.error is None
    assert time.perf_counter() - start < 30
    codes = [d.code for d in outcome.diagnostics]
    if name in ("5mb-list", "5mb-statements"):
        assert codes == ["IPL900"] and "too large to be parsed" in outcome.diagnostics[0].message
    elif name in ("5mb-comment", "5mb-string"):
        assert codes == []
    else:
        assert codes == ["IPL900"]


def test_too_large_is_counted_in_tokens_not_characters():
    """A file with more characters than MAX_TOKENS but few tokens (a long docstring) is still checked."""
    source = 'import torch\n"""' + "x" * (guard.MAX_TOKENS + 10) + '"""\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n'
    assert [d.code for d in analyze_source(source, "doc.py")] == ["IPL001"]


@pytest.mark.slow
def test_every_hostile_input_holds_every_invariant():
    for name, data in fs.hostile_inputs(big=False):
        if name.startswith("deep-") and not name.endswith("-500"):
            continue  # covered above, without the slow fix round-trips
        failures = fs.check_bytes(data, f"{name}.py", fix=name.endswith("-500") is False)
        assert not failures, (name, failures)


# ---------------------------------------------------------------------------------------------------------------
# The command line and the order of files


def _write_generated(folder: Path, count: int, seed: int) -> None:
    rnd = random.Random(seed)
    ch = fs.RandomChooser(rnd)
    subdirs = ["", "pkg", "pkg/sub", "dir with space", "ünï"]
    for i in range(count):
        if rnd.random() < 0.5:
            data = fs.gen_program(ch).encode()
        else:
            data = fs.mutate(ch, ch.pick(fs.seeds())[1], max_lines=30)
        sub = folder / rnd.choice(subdirs)
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"m{i}.py").write_bytes(data)


@pytest.mark.slow
def test_cli_on_generated_and_hostile_files_never_shows_a_traceback(tmp_path):
    _write_generated(tmp_path, 30, seed=1)
    for name, data in fs.hostile_inputs(big=False):
        if not name.startswith("deep-"):
            (tmp_path / f"h-{name}.py").write_bytes(data)
    (tmp_path / "deep").mkdir()
    for kind in ("binop", "boolop", "elifs", "paren"):
        (tmp_path / "deep" / f"{kind}.py").write_text(fs.deep_program(kind, 500 if kind != "elifs" else 60))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    for args in (["."], ["--format", "json", "."], ["--format", "sarif", "."], ["--format", "github", "."],
                 ["--format", "junit", "."], ["--statistics", "."], ["--diff", "."], ["-", "--stdin-filename", "s.py"],
                 ["--fix", "--unsafe-fixes", "."], ["--fix", "."]):
        failures = fs.check_cli(["--no-cache", "--no-config", *args], cwd=tmp_path, input_=b"import torch\n(")
        assert not failures, failures
    for path, data in before.items():  # what --fix wrote still compiles where the original did
        after = path.read_bytes()
        if after != data:
            assert fs._compiles(_decoded(after)) or not fs._compiles(_decoded(data)), path


def test_sarif_reads_the_findings_edits_and_analyses_nothing(monkeypatch):
    """SARIF carries each finding's own fix, which the finding already holds: the log is written without analysing
    or fixing anything (it analysed the file again for every finding, then once per file; 500 findings in a deep
    file took ten minutes)."""
    import json

    import inplace_lint.registry as analysis
    from inplace_lint.report import sarif

    source = "import torch\nw = torch.ones(2, requires_grad=True)\n" + "w.add_(1)\n" * 30
    result = engine.Result(diagnostics=engine.analyze_text(source, "many.py"), sources={"many.py": source})

    def no_analysis(*args, **kwargs):
        raise AssertionError("the SARIF writer must not analyse")

    monkeypatch.setattr(analysis, "analyze_module", no_analysis)
    monkeypatch.setattr(analysis, "analyze_for_fixes", no_analysis)
    monkeypatch.setattr(engine, "analyze_for_fixes", no_analysis)
    log = sarif.sarif_log(result)
    results = log["runs"][0]["results"]
    assert len(results) == 30 and all("fixes" in r for r in results)
    # adjacent updates share one fix: one `with` block around the run, the same replacement in every result
    first = results[0]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert first[0]["insertedContent"]["text"] == "with torch.no_grad():\n" + "    w.add_(1)\n" * 29 + "    w.add_(1)"
    assert all(r["fixes"][0]["artifactChanges"][0]["replacements"] == first for r in results)
    json.dumps(log)


@pytest.mark.slow
def test_cli_subprocess_on_generated_files(tmp_path):
    _write_generated(tmp_path, 12, seed=2)
    failures = fs.check_cli(["--no-cache", "--no-config", "."], cwd=tmp_path, subprocess_=True)
    failures += fs.check_cli(["--no-cache", "--no-config", "--fix", "."], cwd=tmp_path, subprocess_=True)
    assert not failures, failures


@pytest.mark.parametrize("seed", [3, 4])
def test_findings_do_not_depend_on_jobs_or_file_order(tmp_path, seed):
    _write_generated(tmp_path, 14, seed=seed)
    assert not fs.check_order(tmp_path, seed=seed)


@pytest.mark.slow
def test_findings_do_not_depend_on_jobs_or_file_order_subprocess(tmp_path):
    _write_generated(tmp_path, 12, seed=5)
    assert not fs.check_order(tmp_path, seed=5, subprocess_=True)


@pytest.mark.slow
def test_load_300_files_serial_equals_parallel(tmp_path, monkeypatch):
    """A test-sized load run (``bench/fuzz.py --load 10000`` is the big one): no finding lost or added in parallel,
    nor by the order the files are named in."""
    _write_generated(tmp_path, 300, seed=6)
    monkeypatch.chdir(tmp_path)
    settings_ = fs.settings_for(["."])

    def summary(result):
        return ([(d.path, d.line, d.col, d.code, d.message) for d in result.diagnostics],
                [str(e) for e in result.errors], result.files_checked)

    serial = summary(engine.lint_paths(["."], settings_, jobs=1))
    parallel = summary(engine.lint_paths(["."], settings_, jobs=2))
    assert serial == parallel
    assert serial[2] == 300 and serial[1] == [] and len(serial[0]) > 20
    files = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.py")]
    random.Random(7).shuffle(files)
    assert summary(engine.lint_paths(files, settings_, jobs=2)) == serial


# ---------------------------------------------------------------------------------------------------------------
# Regressions


def test_fix_does_not_print_the_users_syntax_warnings(tmp_path):
    """``--fix`` compiles the code before and after; CPython's warnings about the user's code (``"is" with a
    literal``, invalid escapes) went to stderr."""
    (tmp_path / "bad.py").write_text("import torch\nw = torch.ones(2, requires_grad=True)\nw.add_(1)\n"
                                     "if w is 1:\n    s = '\\d'\n")
    proc = subprocess.run([sys.executable, "-W", "default", "-m", "inplace_lint", "--no-cache", "--no-config",
                           "--fix", "bad.py"], cwd=tmp_path, env=fs.cli_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr and "Warning" not in proc.stdout


def _decoded(data: bytes) -> str:
    """A Python file's text by its own encoding (a ``# coding: latin-1`` cookie is honoured), as Python reads it."""
    import io
    import tokenize

    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("latin-1")
