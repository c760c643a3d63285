"""The helpers of the ecosystem tests: a missing tool fails under CI and is skipped elsewhere."""

import pytest

from integration_tests.ecosystem import BLOCK_IMPORTS_PRELUDE, require


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
