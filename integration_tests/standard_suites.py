"""The CDK's standard test suites for this connector, in the two shapes Airbyte runs a manifest.

Not collected by the project's pytest run (the file name does not start with `test_`):
integration_tests/test_standard_suites.py runs it in a subprocess, against a connector directory it
generates, with the Docker image tests deselected (`-k "not docker"`; no Docker engine here). To run
it by hand against a config of your own, see "Develop, test, release" in README.md.

- `TestSourceFaunaPackage`: the packaged source (`SourceFauna`), as in the Docker image and PyAirbyte.
  It is the suite `airbyte-cdk connector test` picks for a `language:python` source.
- `TestSourceFaunaManifest`: the manifest with components.py injected, as the Connector Builder and
  the declarative-manifest image load it (this needs `AIRBYTE_ENABLE_UNSAFE_CODE`, which the suite sets).
"""

import os
from pathlib import Path

from airbyte_cdk.test.standard_tests import DeclarativeSourceTestSuite, SourceTestSuiteBase

from source_fauna.source import SourceFauna

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

PACKAGE = Path(__file__).resolve().parents[1] / "source_fauna"


def _connector_root() -> Path:
    # A directory holding metadata.yaml, acceptance-test-config.yml and the files it names.
    return Path(os.environ.get("SOURCE_FAUNA_STANDARD_TESTS_ROOT", Path(__file__).resolve().parents[1]))


class TestSourceFaunaPackage(SourceTestSuiteBase):
    connector = SourceFauna

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return _connector_root()


class TestSourceFaunaManifest(DeclarativeSourceTestSuite):
    manifest_yaml_path = PACKAGE / "manifest.yaml"
    components_py_path = PACKAGE / "components.py"

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return _connector_root()
