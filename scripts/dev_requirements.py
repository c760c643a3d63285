"""Print the `dev` dependency group of pyproject.toml as pip requirements, one a line.

Poetry groups are invisible to pip, and `make test` installs with pip: this keeps the group the one
list of development tools. Only the two forms the group uses are accepted, a PEP 440 constraint
string and a local path (`{ path = ..., develop = true, extras = [...] }`); anything else stops
with the entry to fix, instead of being installed differently from what Poetry would install.
"""

import sys
from pathlib import Path
from typing import Any, Iterator, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the Makefile installs tomli first
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def requirement(name: str, spec: Any) -> str:
    """One pip requirement line for a Poetry dependency entry."""
    if isinstance(spec, str):
        if spec.startswith(("^", "~")) and not spec.startswith("~="):
            raise ValueError(f"{name} = {spec!r}: write the constraint in PEP 440 form (e.g. '>=8,<9') so pip reads it too")
        return name if spec == "*" else f"{name}{spec}"
    if isinstance(spec, Mapping) and set(spec) <= {"path", "develop", "extras"} and "path" in spec:
        extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
        editable = "-e " if spec.get("develop") else ""
        return f"{editable}./{spec['path']}{extras}"
    raise ValueError(f"{name} = {spec!r}: only PEP 440 strings and local paths are supported by {Path(__file__).name}")


def group_requirements(pyproject: Path, group: str = "dev") -> Iterator[str]:
    poetry = tomllib.loads(pyproject.read_text())["tool"]["poetry"]
    for name, spec in poetry["group"][group]["dependencies"].items():
        yield requirement(name, spec)


if __name__ == "__main__":
    print("\n".join(group_requirements(ROOT / "pyproject.toml")))
