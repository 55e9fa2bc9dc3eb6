"""Config discovery and validation, rule selection precedence, path globs, and the rule catalog it rests on."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inplace_lint import catalog
from inplace_lint.config import (ConfigError, PathMatcher, RuleSelection, SelectionLayer, Settings, find_config,
                                 resolve_settings)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# Discovery


def test_nearest_pyproject_with_section_wins(write, tmp_path):
    write("pyproject.toml", '[tool.inplace-lint]\nignore = ["IPL001"]\n')
    write("sub/pyproject.toml", "[project]\nname = 'x'\n")  # no section: skipped
    write("sub/deeper/a.py")
    assert find_config(tmp_path / "sub" / "deeper") == tmp_path / "pyproject.toml"
    settings = resolve_settings(["sub/deeper/a.py"])
    assert settings.config_path == tmp_path / "pyproject.toml"
    assert settings.root == tmp_path
    assert not settings.is_enabled("IPL001")


def test_standalone_toml_is_discovered(write, tmp_path):
    write("pyproject.toml", '[tool.inplace-lint]\nignore = ["IPL001"]\n')
    write("pkg/inplace-lint.toml", 'ignore = ["IPL002"]\n')
    settings = resolve_settings(["pkg"])
    assert settings.config_path == tmp_path / "pkg" / "inplace-lint.toml"
    assert settings.is_enabled("IPL001") and not settings.is_enabled("IPL002")


def test_no_config_and_explicit_config(write, tmp_path):
    write("pyproject.toml", '[tool.inplace-lint]\nignore = ["IPL001"]\n')
    write("other.toml", 'ignore = ["IPL004"]\n')
    assert resolve_settings(["."], no_config=True).is_enabled("IPL001")
    explicit = resolve_settings(["."], config="other.toml")
    assert explicit.is_enabled("IPL001") and not explicit.is_enabled("IPL004")
    with pytest.raises(ConfigError, match="config file not found: missing.toml"):
        resolve_settings(["."], config="missing.toml")


def test_no_config_found_means_defaults(tmp_path):
    settings = resolve_settings(["."])
    assert settings.config_path is None
    assert all(settings.is_enabled(c) for c in ("IPL001", "IPL002", "IPL004", "IPL900", "IPL901"))


# ---------------------------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("body, message", [
    ('selct = ["IPL001"]', "unknown key 'selct'"),
    ('select = ["IPL999"]', "unknown rule code 'IPL999' in 'select' of"),
    ('ignore = ["XYZ"]', "unknown rule code 'XYZ' in 'ignore'"),
    ('select = "IPL001"', "'select' must be a list of strings"),
    ('per-file-ignores = { "a.py" = ["IPL7"] }', "unknown rule code 'IPL7' in 'per-file-ignores.a.py'"),
    ('severity = { IPL001 = "fatal" }', "severity.IPL001 must be 'error' or 'warning'"),
    ('select = [', "invalid TOML"),
])
def test_bad_config_names_key_code_and_file(write, body, message):
    write("pyproject.toml", "[tool.inplace-lint]\n" + body + "\n")
    with pytest.raises(ConfigError, match=message) as info:
        resolve_settings(["."])
    assert "pyproject.toml" in str(info.value)


def test_unknown_code_on_command_line():
    with pytest.raises(ConfigError, match=r"unknown rule code 'IPL1' in --select \(valid codes: IPL001, IPL002"):
        resolve_settings(["."], no_config=True, select=["IPL1"])


# ---------------------------------------------------------------------------------------------------------------
# Rule selection


def enabled(*layers):
    selection = RuleSelection(tuple(SelectionLayer(**layer) for layer in layers))
    return sorted(c for c in ("IPL001", "IPL002", "IPL004", "IPL900") if selection.is_enabled(c))


def test_default_selects_everything():
    assert enabled() == ["IPL001", "IPL002", "IPL004", "IPL900"]


@pytest.mark.parametrize("layer, expected", [
    ({"select": ("IPL0",), "ignore": ("IPL001",)}, ["IPL002", "IPL004"]),  # more specific ignore wins
    ({"select": ("IPL001",), "ignore": ("IPL0",)}, ["IPL001"]),  # more specific select wins
    ({"select": ("IPL001",), "ignore": ("IPL001",)}, []),  # a tie goes to ignore
    ({"select": ("ALL",), "ignore": ("IPL",)}, []),  # ALL is the least specific
    ({"select": ("IPL9",), "extend_select": ("IPL002",)}, ["IPL002", "IPL900"]),
    ({"ignore": ("IPL00",)}, ["IPL900"]),
    ({"select": ()}, []),
])
def test_most_specific_selector_wins(layer, expected):
    assert enabled(layer) == expected


def test_later_layer_select_starts_afresh_and_ignore_adds():
    config = {"select": ("IPL001", "IPL002"), "ignore": ("IPL002",)}
    assert enabled(config, {"select": ("IPL0",)}) == ["IPL001", "IPL002", "IPL004"]
    assert enabled(config, {"ignore": ("IPL001",)}) == []
    assert enabled(config, {"extend_select": ("IPL004",)}) == ["IPL001", "IPL004"]


def test_command_line_layers_over_config(write):
    write("pyproject.toml", '[tool.inplace-lint]\nselect = ["IPL00"]\nignore = ["IPL001"]\n')
    assert not resolve_settings(["."]).is_enabled("IPL001")
    assert resolve_settings(["."], select=["IPL001"]).is_enabled("IPL001")
    assert not resolve_settings(["."], ignore=["IPL002"]).is_enabled("IPL002")
    assert resolve_settings(["."], extend_select=["ipl900"]).is_enabled("IPL900")


# ---------------------------------------------------------------------------------------------------------------
# Globs


@pytest.mark.parametrize("pattern, path, is_dir, expected", [
    ("build", "a/build", True, True),
    ("build", "a/build/x.py", False, True),  # inside a matching folder
    ("legacy/", "legacy", False, False),  # a trailing slash matches folders only
    ("legacy/", "legacy/x.py", False, True),
    ("src/gen", "src/gen/x.py", False, True),
    ("src/gen", "other/src/gen/x.py", False, False),  # a slash anchors at the root
    ("/top.py", "top.py", False, True),
    ("/top.py", "sub/top.py", False, False),
    ("*_pb2.py", "deep/er/m_pb2.py", False, True),
    ("**/fixtures/*.py", "tests/a/fixtures/x.py", False, True),
    ("tests/**", "tests/a/b.py", False, True),
    ("tests/**/test_?.py", "tests/test_a.py", False, True),
    ("m[0-9].py", "m7.py", False, True),
    ("m[!0-9].py", "m7.py", False, False),
    ("*.py", "a/b.txt", False, False),
])
def test_gitignore_style_globs(tmp_path, pattern, path, is_dir, expected):
    assert PathMatcher([pattern], tmp_path).matches(tmp_path / path, is_dir) is expected


def test_per_file_ignores_and_root(tmp_path):
    settings = Settings(root=tmp_path, per_file_ignores={"tests/*.py": ["IPL001"], "conftest.py": ["ALL"]})
    assert settings.ignored_codes(tmp_path / "tests" / "t.py") == ["IPL001"]
    assert settings.ignored_codes(tmp_path / "src" / "conftest.py") == ["ALL"]
    assert settings.ignored_codes(tmp_path / "src" / "t.py") == []


# ---------------------------------------------------------------------------------------------------------------
# The catalog


def test_catalog_loads_docs_and_builtins(fake_rules):
    rules = catalog.all_rules()
    assert list(rules) == ["IPL001", "IPL002", "IPL004", "IPL900", "IPL901", "IPL902"]
    rule = rules["IPL004"]
    assert (rule.name, rule.severity, rule.fix, rule.path.parent) == ("data-mutation", "warning", "display-only",
                                                                       fake_rules)
    assert rule.body.startswith("# IPL004 `data-mutation`")
    assert catalog.get_rule("data-mutation") is rule and catalog.get_rule("ipl004") is rule


def test_resolve_selector(fake_rules):
    assert catalog.resolve_selector("IPL") == ["IPL001", "IPL002", "IPL004", "IPL900", "IPL901", "IPL902"]
    assert catalog.resolve_selector("ALL") == catalog.resolve_selector("IPL")
    assert catalog.resolve_selector("IPL0") == ["IPL001", "IPL002", "IPL004"]
    assert catalog.resolve_selector("IPL00") == ["IPL001", "IPL002", "IPL004"]
    assert catalog.resolve_selector("ipl001") == ["IPL001"]
    for bad in ("IPL003", "IPL1", "IP", "E501", ""):
        with pytest.raises(catalog.CatalogError, match="unknown rule selector"):
            catalog.resolve_selector(bad)


def test_front_matter():
    meta, body = catalog.parse_front_matter(
        "---\ncode: IPL001\nfix: safe            # safe | unsafe\nsummary: 'Quoted # kept'\n---\n# Title\n")
    assert meta == {"code": "IPL001", "fix": "safe", "summary": "Quoted # kept"}
    assert body == "# Title\n"
    assert catalog.parse_front_matter("# No front matter\n") == ({}, "# No front matter\n")


def test_malformed_doc_is_a_catalog_error(tmp_path):
    path = tmp_path / "IPL123.md"
    path.write_text("---\ncode: IPL123\nname: x\nseverity: fatal\nsummary: s\n---\n")
    with pytest.raises(catalog.CatalogError, match="IPL123.md: severity must be"):
        catalog.load_rule(path)
    path.write_text("---\ncode: IPL123\n---\n")
    with pytest.raises(catalog.CatalogError, match="lacks name, severity, summary"):
        catalog.load_rule(path)


DOC_WITH_EXAMPLES = '''
Text.

```python bad raises="leaf Variable" name=first
w.add_(1)  # error: IPL001
y = w.mul_(2)  # note  # warning: IPL004, IPL002
```

```text
not an example
```

````python good check="w.is_leaf" slow
with torch.no_grad():
    w.add_(1)
````

```python fixed
w = w.add(1)
```
'''


def test_examples():
    examples = catalog.parse_examples(DOC_WITH_EXAMPLES, "IPL001")
    assert [(e.role, e.name, e.index) for e in examples] == [
        ("bad", "first", 0), ("good", "IPL001-good-1", 1), ("fixed", "IPL001-fixed-1", 2)]
    bad, good, _ = examples
    assert bad.attrs == {"raises": "leaf Variable", "name": "first"}
    assert good.attrs == {"check": "w.is_leaf", "slow": True}
    assert bad.markers == [(1, "IPL001", "error"), (2, "IPL004", "warning"), (2, "IPL002", "warning")]
    assert bad.source == "w.add_(1)\ny = w.mul_(2)  # note\n"
    assert good.code == "with torch.no_grad():\n    w.add_(1)\n" and good.markers == []


def test_strip_markers_keeps_other_comments():
    code = "a = 1  # error: IPL001   \nb = 2  # keep me\r\nc = 3 # warning:IPL004\n"
    assert catalog.strip_markers(code) == "a = 1\nb = 2  # keep me\r\nc = 3\n"


def test_readme_rendering(fake_rules, tmp_path):
    table = catalog.rules_table_markdown()
    assert "| [IPL004](rules/IPL004-data-mutation.md) | `data-mutation` | warning | display-only |" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{catalog.README_START}\nold\n{catalog.README_END}\nend\n")
    assert catalog.main(["--check-readme", str(readme)]) == 1
    assert catalog.main(["--update-readme", str(readme)]) == 0
    assert readme.read_text() == f"# x\n{catalog.README_START}\n{table}{catalog.README_END}\nend\n"
    assert catalog.main(["--check-readme", str(readme)]) == 0


def test_real_catalog_is_valid_and_readme_up_to_date():
    """Every shipped rule doc parses; the README table matches them (when the README has the markers)."""
    for rule in catalog.all_rules().values():
        assert rule.code.startswith("IPL") and rule.summary
        for example in rule.examples():
            assert all(code in catalog.all_rules() for _, code, _ in example.markers), example.name
    readme = REPO / "README.md"
    if not readme.is_file() or catalog.README_START not in readme.read_text(encoding="utf-8"):
        pytest.skip("README.md has no rules table markers yet")
    proc = subprocess.run([sys.executable, "-m", "inplace_lint.catalog", "--check-readme", str(readme)],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
