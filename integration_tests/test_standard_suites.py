"""The CDK's standard tests pass against the local Fauna: through `airbyte-cdk connector test`, as
`airbyte-ci connectors test` runs them, and through this project's suite classes (standard_suites.py).

Both run in subprocesses, against a connector directory generated for the run (see
`standard_test_connector_dir`): its `secrets/config.json` points at a local Fauna started with the
`sample` seed. The Docker image tests are deselected with `-k "not docker"`: no Docker engine runs here.

The CDK parametrizes every scenario test with every config of acceptance-test-config.yml and skips
the commands a config is not listed for (`invalid_config` only runs `check`); those skips, and only
those, are expected.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from integration_tests.ecosystem import DEV_SETUP, ROOT, JUnitReport, require, standard_test_connector_dir, subprocess_env, venv_script

SUITE_TIMEOUT_SECONDS = 900
# The catalog checks the CDK only warns about for now fail here already.
CATALOG_WARNING = "airbyte_cdk.test.standard_tests.DiscoveredCatalogWarning"
EXPECTED_SKIP = re.compile(r"`\w+` does not run for scenario 'invalid_config'")
# One passing test per command the suites run, whatever else a CDK release adds.
REQUIRED_PASSES = {
    "test_spec",
    "test_check['config' Test Scenario]",
    "test_check['invalid_config' Test Scenario]",
    "test_config_matches_spec['config' Test Scenario]",
    "test_discover['config' Test Scenario]",
    "test_basic_read['config' Test Scenario]",
    "test_fail_read_with_bad_catalog['config' Test Scenario]",
    # schema mode `typed`: records are validated against the columns discover sampled
    "test_discover['config-typed' Test Scenario]",
    "test_basic_read['config-typed' Test Scenario]",
}


@pytest.fixture(scope="module")
def connector_dir(sample_fauna, tmp_path_factory) -> Path:
    return standard_test_connector_dir(tmp_path_factory.mktemp("standard-tests"), sample_fauna.config())


def check_report(junit: Path, output: str) -> JUnitReport:
    assert junit.exists(), output[-5000:]
    report = JUnitReport.read(junit)
    assert not report.failed, report.failures(junit)
    unexpected = {name: reason for name, reason in report.skipped.items() if not EXPECTED_SKIP.search(reason)}
    assert not unexpected, f"skips that the scenario matrix does not explain: {unexpected}"
    assert not any("docker" in name for name in report.passed + list(report.skipped)), "Docker tests were not deselected"
    deselected = re.search(r"(\d+) deselected", output)
    assert deselected and int(deselected.group(1)) > 0, "expected the Docker image tests to be deselected"
    return report


def test_airbyte_cdk_connector_test_passes_without_the_docker_tests(connector_dir):
    cli = venv_script("airbyte-cdk")
    require(cli is not None, "the airbyte-cdk command", DEV_SETUP)
    result = subprocess.run(
        [
            str(cli), "connector", "test", str(connector_dir),
            "--pytest-arg=-k", "--pytest-arg=not docker",
            "--pytest-arg=-p", "--pytest-arg=no:cacheprovider",
            "--pytest-arg=-W", f"--pytest-arg=error::{CATALOG_WARNING}",
        ],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        env=subprocess_env(),
        cwd=str(connector_dir),
    )
    output = result.stdout + result.stderr
    report = check_report(connector_dir / "build" / "test-results" / "standard-tests-junit.xml", output)
    assert result.returncode == 0, output[-5000:]
    passed = {name.split("::")[-1] for name in report.passed}
    assert REQUIRED_PASSES <= passed, f"missing: {REQUIRED_PASSES - passed}"


def test_standard_suites_pass_for_the_package_and_for_the_injected_manifest(connector_dir, tmp_path):
    junit = tmp_path / "junit.xml"
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(ROOT / "integration_tests" / "standard_suites.py"),
            "-p", "airbyte_cdk.test.standard_tests.pytest_hooks", "-p", "no:cacheprovider",
            "-k", "not docker", "-W", f"error::{CATALOG_WARNING}",
            "-q", "--junitxml", str(junit), "--rootdir", str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        env=subprocess_env(SOURCE_FAUNA_STANDARD_TESTS_ROOT=str(connector_dir)),
        cwd=str(ROOT),
    )
    output = result.stdout + result.stderr
    report = check_report(junit, output)
    assert result.returncode == 0, output[-5000:]
    for suite in ("TestSourceFaunaPackage", "TestSourceFaunaManifest"):
        passed = {name.split("::")[-1] for name in report.passed if name.startswith(suite + "::")}
        assert REQUIRED_PASSES <= passed, f"{suite} missing: {REQUIRED_PASSES - passed}"
