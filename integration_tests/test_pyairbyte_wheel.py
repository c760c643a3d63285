"""PyAirbyte installs the connector's wheel (`get_source(..., pip_url=<wheel>)`) and reads the local Fauna.

This is how PyAirbyte installs the published package, `airbyte-source-fauna` from PyPI, with the wheel
built from this checkout in its place: a virtual environment of its own under `install_root`, the
wheel and its dependencies installed there by uv from the package index, then that environment's
`source-fauna` run for check, discover and read. PyAirbyte and the connector it starts run with
sockets limited to loopback (the `pyairbyte_offline` fixture), so only the install, which uv does
outside Python, reaches the package index.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from integration_tests.ecosystem import ROOT, build_wheel, sample_counts

INSTALL_AND_READ_TIMEOUT_SECONDS = 900

READ_WITH_PYAIRBYTE = """
import json, sys
from pathlib import Path

import airbyte as ab

config, wheel, install_root = json.loads(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
source = ab.get_source("source-fauna", config=config, pip_url=wheel, install_root=install_root)
source.check()
source.select_all_streams()
result = source.read(cache=ab.get_default_cache())
print(json.dumps({name: len(dataset.to_pandas()) for name, dataset in result.streams.items()}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))


def test_pyairbyte_installs_the_wheel_in_its_own_environment_and_reads_the_sample(sample_fauna, pyairbyte_offline, wheel, tmp_path):
    env = dict(pyairbyte_offline.env)
    env["AIRBYTE_OFFLINE_MODE"] = "true"  # no registry lookup (pip_url is given) and no telemetry
    env["DO_NOT_TRACK"] = "1"
    env["AIRBYTE_CACHE_ROOT"] = str(tmp_path / "cache")
    # Only the sitecustomize: the connector must come from the wheel, not from this checkout.
    env["PYTHONPATH"] = str(pyairbyte_offline.sitecustomize_dir)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # PyAirbyte runs `uv`
    install_root = tmp_path / "connectors"

    result = subprocess.run(
        [sys.executable, "-c", READ_WITH_PYAIRBYTE, json.dumps(sample_fauna.config()), str(wheel), str(install_root)],
        capture_output=True,
        text=True,
        timeout=INSTALL_AND_READ_TIMEOUT_SECONDS,
        env=env,
        cwd=str(tmp_path),
    )

    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    pyairbyte_offline.assert_stayed()
    assert json.loads(result.stdout.strip().splitlines()[-1]) == sample_counts(sample_fauna)
    venv = install_root / ".venv-source-fauna"
    assert (venv / "bin" / "source-fauna").is_file()
    installed = list(venv.glob("lib/python*/site-packages/airbyte_source_fauna-*.dist-info"))
    assert [path.name for path in installed] == [wheel.name.split("-py")[0] + ".dist-info"]
    assert not list(venv.glob("lib/python*/site-packages/*source_fauna*.pth")), "installed editable, not from the wheel"
