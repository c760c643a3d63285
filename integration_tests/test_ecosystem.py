"""The helpers of the ecosystem tests: a missing tool fails under CI and is skipped elsewhere."""

import re

import pytest

from integration_tests.ecosystem import BLOCK_IMPORTS_PRELUDE, ROOT, require, tomllib


@pytest.mark.parametrize("ci", ["true", "1"], ids=["CI=true", "CI=1"])
def test_a_missing_tool_fails_under_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        require(False, "PyAirbyte", "pip install -e '.[pyairbyte]'")


def test_a_missing_tool_is_skipped_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"pip install -e '.\[pyairbyte\]'"):
        require(False, "PyAirbyte", "pip install -e '.[pyairbyte]'")


def test_an_available_tool_passes(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require(True, "PyAirbyte", "pip install -e '.[pyairbyte]'")


def test_the_import_blocker_makes_the_named_packages_unimportable():
    namespace: dict = {}
    import sys

    before = list(sys.meta_path)
    try:
        exec(BLOCK_IMPORTS_PRELUDE.format(blocked=("faunadb_not_here",)), namespace)
        with pytest.raises(ModuleNotFoundError, match="faunadb_not_here"):
            __import__("faunadb_not_here.query")
        import json  # other imports still work

        assert json.dumps({}) == "{}"
    finally:
        sys.meta_path[:] = before


def test_install_hints_name_extras_and_targets_that_exist():
    """An install hint that names an extra pyproject.toml does not declare, or a missing make target, installs nothing."""
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["poetry"]["extras"])
    makefile = (ROOT / "Makefile").read_text()
    for path in sorted((ROOT / "integration_tests").glob("*.py")):
        text = path.read_text()
        for extra in re.findall(r"pip install -e '\.\[(\w+)\]'", text):
            assert extra in extras, f"{path.name} names the extra `{extra}`, which pyproject.toml does not declare"
        for target in re.findall(r"`make (\w+)`", text):
            assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"{path.name} names `make {target}`, which the Makefile lacks"
