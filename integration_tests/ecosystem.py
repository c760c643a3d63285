"""Helpers for the tests that run the connector through Airbyte's own tools.

Those tools (the CDK's standard tests and `airbyte-cdk connector test`, the Connector Builder's
handler, PyAirbyte) run here in subprocesses, against a local Fauna started with the `sample` seed,
so that they see the connector as they would in production and cannot disturb the other tests.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import pytest
import yaml

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from fauna_local.testing import LocalFauna

# Reads pyproject.toml for the tests; tomllib is Python 3.11+, and on 3.10 the Makefile installs tomli.
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # noqa: F401 (the tests import it from here)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "source_fauna"
TMP = ROOT / ".tmp"  # gitignored

# What a subprocess prepends to its program to look like an environment without some packages,
# e.g. the Connector Builder's, which has the CDK and neither faunadb nor this connector.
BLOCK_IMPORTS_PRELUDE = """
import sys

class _Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _Absent())
"""


# A `sitecustomize` that lets the sockets of a subprocess reach only loopback: it refuses other hosts
# and logs every attempt to $LOOPBACK_ONLY_LOG, so a registry lookup or telemetry call is seen.
LOOPBACK_ONLY_SITECUSTOMIZE = '''
import os, socket

_LOG = os.environ["LOOPBACK_ONLY_LOG"]
_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def _loopback(host):
    return str(host) in ("localhost", "::1") or str(host).startswith("127.")


def _refuse(what):
    with open(_LOG, "a") as log:
        log.write(what + "\\n")
    raise OSError(f"network access outside loopback is blocked in this test: {what}")


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _loopback(host):
        _refuse(f"lookup {host}")
    return _getaddrinfo(host, *args, **kwargs)


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse(f"connect {address}")
    return _connect(self, address)


socket.getaddrinfo, socket.socket.connect = getaddrinfo, connect
'''


@dataclass
class LoopbackOnly:
    """The environment of a subprocess whose sockets may reach only loopback, and the log of its attempts to leave."""

    env: Dict[str, str]
    sitecustomize_dir: Path
    log: Path

    @classmethod
    def under(cls, directory: Path) -> "LoopbackOnly":
        """This checkout on PYTHONPATH after the sitecustomize; logs under `directory` (AIRBYTE_LOGGING_ROOT too)."""
        blocker = directory / "blocker"
        blocker.mkdir()
        (blocker / "sitecustomize.py").write_text(LOOPBACK_ONLY_SITECUSTOMIZE)
        log = directory / "network.log"
        env = subprocess_env(LOOPBACK_ONLY_LOG=str(log), AIRBYTE_LOGGING_ROOT=str(directory / "logs"))
        env["PYTHONPATH"] = os.pathsep.join([str(blocker), env["PYTHONPATH"]])
        return cls(env, blocker, log)

    def assert_stayed(self) -> None:
        assert not self.log.exists(), f"the subprocess tried to leave loopback: {self.log.read_text()}"


def sample_counts(fauna: LocalFauna) -> Dict[str, int]:
    """The number of documents of each collection of the local Fauna."""
    client = fauna.client()
    names = [ref.id() for ref in client.query(q.paginate(q.collections()))["data"]]
    return {name: len(client.query(q.paginate(q.documents(q.collection(name)), size=100000))["data"]) for name in names}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


# How a development environment gets every tool these tests run: the connector with its `pyairbyte` extra and
# pyproject.toml's `dev` group (which pip cannot read: scripts/dev_requirements.py lists it for pip).
DEV_SETUP = "run `make test`, which sets up .venv with the connector and its development tools, or `poetry install --all-extras`"


def require(available: bool, what: str, install: str) -> None:
    """A tool these tests need is missing: fail under CI (where it must be installed), else skip."""
    if available:
        return
    message = f"{what} is not installed ({install})"
    if in_ci():
        pytest.fail(message + ": CI must install it", pytrace=False)
    pytest.skip(message)


def venv_script(name: str) -> Optional[Path]:
    """A console script of this environment (beside its Python), or None."""
    path = Path(sys.executable).with_name(name)
    return path if path.exists() else None


def build_wheel(source: Path, out: Path, timeout: float = 300) -> Path:
    """The connector's wheel, built from `source` by its own build backend (`pip wheel --no-deps`)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--quiet", "--wheel-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    wheels = list(out.glob("airbyte_source_fauna-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    return wheels[0]


def subprocess_env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("AIRBYTE_ENABLE_UNSAFE_CODE", None)  # each test says whether it trusts injected code
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def manifest() -> Dict[str, Any]:
    return yaml.safe_load((PACKAGE / "manifest.yaml").read_text())


def components_source() -> str:
    return (PACKAGE / "components.py").read_text()


def builder_config(user_config: Mapping[str, Any], command: str, **test_read: int) -> Dict[str, Any]:
    """The config the Connector Builder sends: the user's, plus the manifest and components.py injected."""
    components = components_source()
    config = dict(user_config)
    config.update(
        {
            "__injected_declarative_manifest": manifest(),
            "__injected_components_py": components,
            "__injected_components_py_checksums": {"md5": hashlib.md5(components.encode()).hexdigest()},
            "__command": command,
        }
    )
    if test_read:
        config["__test_read_config"] = dict(test_read)
    return config


def configured_catalog(*streams: str, sync_mode: str = "full_refresh") -> Dict[str, Any]:
    return {
        "streams": [
            {
                "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                "sync_mode": sync_mode,
                "destination_sync_mode": "append",
            }
            for name in streams
        ]
    }


def messages(stdout: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


# Files of the connector directory that the standard tests read, besides the generated config.
STANDARD_TEST_FILES = (
    "metadata.yaml",
    "acceptance-test-config.yml",
    "integration_tests/configured_catalog.json",
    "integration_tests/configured_catalog_incremental.json",
    "integration_tests/invalid_config.json",
    "integration_tests/abnormal_state.json",
    "integration_tests/sample_state.json",
)


# What acceptance-test-config.yml's `secrets/config-deletions.json` adds to `secrets/config.json`.
DELETIONS_CONFIG: Dict[str, Any] = {"collection": {"deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}}}
# And what `secrets/config-typed.json` adds.
TYPED_CONFIG: Dict[str, Any] = {"schema_mode": "typed"}


def standard_test_connector_dir(parent: Path, config: Mapping[str, Any]) -> Path:
    """A connector directory for `airbyte-cdk connector test`, named `source-fauna` as the tool requires.

    The tool picks its test suite by the directory's name and metadata.yaml's language tag, so it
    cannot run from a checkout named otherwise; this copies what it reads and writes
    `secrets/config.json`, `secrets/config-deletions.json` and `secrets/config-typed.json` pointing at
    the local Fauna (its port changes every run).
    """
    directory = parent / "source-fauna"
    if directory.exists():
        shutil.rmtree(directory)
    for name in STANDARD_TEST_FILES:
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, directory / name)
    (directory / "secrets").mkdir()
    (directory / "secrets" / "config.json").write_text(json.dumps(dict(config), indent=2))
    (directory / "secrets" / "config-deletions.json").write_text(json.dumps({**config, **DELETIONS_CONFIG}, indent=2))
    (directory / "secrets" / "config-typed.json").write_text(json.dumps({**config, **TYPED_CONFIG}, indent=2))
    return directory


@dataclass
class JUnitReport:
    passed: List[str] = field(default_factory=list)
    failed: List[str] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> "JUnitReport":
        report = cls()
        for case in ElementTree.parse(path).getroot().iter("testcase"):
            name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
            if case.find("failure") is not None or case.find("error") is not None:
                report.failed.append(name)
            elif (skip := case.find("skipped")) is not None:
                report.skipped[name] = skip.get("message", "")
            else:
                report.passed.append(name)
        return report

    def failures(self, path: Path) -> str:
        details = []
        for case in ElementTree.parse(path).getroot().iter("testcase"):
            for problem in list(case.findall("failure")) + list(case.findall("error")):
                details.append(f"{case.get('name')}: {(problem.get('message') or '')[:500]}\n{(problem.text or '')[-1500:]}")
        return "\n\n".join(details)
