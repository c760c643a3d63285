"""scripts/dev_requirements.py: the `dev` group of pyproject.toml as pip installs it."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("dev_requirements", ROOT / "scripts" / "dev_requirements.py")
dev_requirements = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dev_requirements)


def test_the_group_becomes_pip_requirements():
    lines = list(dev_requirements.group_requirements(ROOT / "pyproject.toml"))
    assert "-e ./fauna-local[test]" in lines
    assert {"ruff", "mypy", "pylint", "pytest"} <= {line.split(">")[0].split("=")[0] for line in lines}


@pytest.mark.parametrize(
    "name, spec, expected",
    [
        ("pytest", ">=8", "pytest>=8"),
        ("anything", "*", "anything"),
        ("local", {"path": "local", "develop": True, "extras": ["a", "b"]}, "-e ./local[a,b]"),
        ("local", {"path": "local"}, "./local"),
    ],
)
def test_requirement(name, spec, expected):
    assert dev_requirements.requirement(name, spec) == expected


@pytest.mark.parametrize("spec", ["^8.0", "~8.1", {"git": "https://example.com/x.git"}, {"version": ">=1", "python": "<3.11"}])
def test_forms_pip_would_read_differently_are_refused(spec):
    with pytest.raises(ValueError, match="pytest"):
        dev_requirements.requirement("pytest", spec)


def test_every_tool_of_the_group_is_installed():
    """`make test` installs the group: each entry is importable metadata of this environment."""
    from importlib.metadata import PackageNotFoundError, distribution

    missing = []
    for line in dev_requirements.group_requirements(ROOT / "pyproject.toml"):
        name = line.removeprefix("-e ./").split("[")[0].split(">")[0].split("=")[0].split("<")[0]
        try:
            distribution(name)
        except PackageNotFoundError:
            missing.append(name)
    assert not missing, f"not installed: {missing}; run `make test` (it installs the dev group)"
