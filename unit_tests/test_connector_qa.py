"""The rules of Airbyte's connector QA that read this repository's files, checked on those files.

Each test states the rule as airbytehq/airbyte's `airbyte-ci/connectors/connectors_qa` applies it
(`checks/packaging.py`, `checks/metadata.py`, `checks/documentation/documentation.py`), so that a
release that would fail the QA fails here first.
"""

import datetime
import re
import tomllib
from pathlib import Path
from typing import Any, Dict

import yaml

from source_fauna.components import MISSING_PACKAGE_MESSAGE

ROOT = Path(__file__).resolve().parents[1]
PYPI_PACKAGE = "airbyte-source-fauna"
VALID_LICENSES = {"MIT", "ELV2"}  # connectors_qa consts.VALID_LICENSES
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


def metadata() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]


def poetry() -> Dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["poetry"]


def lock() -> Dict[str, Any]:
    return tomllib.loads((ROOT / "poetry.lock").read_text())


# packaging.py: CheckConnectorUsesPoetry


def test_poetry_lock_is_present_and_there_is_no_setup_py():
    assert (ROOT / "pyproject.toml").is_file()
    assert (ROOT / "poetry.lock").is_file(), "poetry.lock is missing: run `poetry lock`"
    assert not (ROOT / "setup.py").exists()


def test_the_lock_pins_every_declared_dependency():
    """A dependency added to pyproject.toml without `poetry lock` is missing from the lock."""
    locked = {package["name"].lower().replace("_", "-") for package in lock()["package"]}
    declared = {name for name in poetry()["dependencies"] if name != "python"}
    for group in poetry()["group"].values():
        declared |= set(group["dependencies"])
    missing = {name for name in declared if name.lower().replace("_", "-") not in locked}
    assert not missing, f"not in poetry.lock: {sorted(missing)}; run `poetry lock`"
    assert lock()["metadata"]["python-versions"] == poetry()["dependencies"]["python"]


# packaging.py: CheckConnectorLicense, CheckConnectorLicenseMatchInPyproject


def test_license_is_allowed_and_the_same_in_metadata_and_pyproject():
    assert metadata()["license"].upper() in VALID_LICENSES
    assert poetry()["license"].lower() == metadata()["license"].lower()


# packaging.py: CheckVersionFollowsSemver, CheckConnectorVersionMatchInPyproject


def test_version_follows_semver_and_is_the_same_in_metadata_and_pyproject():
    assert SEMVER.fullmatch(str(metadata()["dockerImageTag"]))
    assert poetry()["version"] == metadata()["dockerImageTag"]


# packaging.py: CheckPublishToPyPiIsDeclared


def test_pypi_publishing_is_declared_under_the_package_name():
    pypi = metadata()["remoteRegistries"]["pypi"]
    assert pypi["enabled"] is True
    assert pypi["packageName"] == PYPI_PACKAGE == poetry()["name"]


def test_install_messages_name_the_published_package():
    """`pip install source-fauna` installs an unrelated project from PyPI."""
    assert f"pip install {PYPI_PACKAGE}`" in MISSING_PACKAGE_MESSAGE
    for path in ("README.md", "docs/fauna.md", "docs/fauna-migrations.md", "source_fauna/components.py"):
        text = (ROOT / path).read_text()
        assert not re.search(r"pip install (-e )?['\"]?source-fauna\b", text), f"{path} tells users to install source-fauna"


# metadata.py: ValidateBreakingChangesDeadlines


def test_the_current_versions_breaking_change_has_a_deadline_at_least_a_week_ahead():
    """Fails, as the QA would, if the version is still one with a breaking change a week before its deadline."""
    breaking = metadata()["releases"]["breakingChanges"].get(metadata()["dockerImageTag"])
    if breaking is None:
        return  # the QA passes a release without a breaking change
    deadline = datetime.datetime.strptime(breaking["upgradeDeadline"], "%Y-%m-%d")
    week_ahead = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(weeks=1)
    assert deadline >= week_ahead, f"upgradeDeadline {breaking['upgradeDeadline']} is less than 7 days from today"


def test_the_breaking_change_message_says_cloud_availability_ends():
    message = metadata()["releases"]["breakingChanges"]["1.0.0"]["message"]
    assert metadata()["registryOverrides"]["cloud"]["enabled"] is False
    assert "Airbyte Cloud" in message and "upgrade deadline" in message


# documentation.py: CheckMigrationGuide


def test_migration_guide_has_the_title_and_one_heading_per_breaking_change_newest_first():
    guide = (ROOT / "docs" / "fauna-migrations.md").read_text()
    assert guide.splitlines()[0] == f"# {metadata()['name']} Migration Guide"
    headings = [line.strip().removeprefix("## Upgrading to ") for line in guide.splitlines() if line.strip().startswith("## Upgrading to ")]
    assert headings == sorted(metadata()["releases"]["breakingChanges"], reverse=True)


def test_docs_page_exists_and_links_the_migration_guide():
    page = (ROOT / "docs" / "fauna.md").read_text()
    assert "(fauna-migrations.md)" in page


# metadata conventions: allowedHosts, tags, test suites


def test_allowed_hosts_is_the_configured_domain():
    spec = yaml.safe_load((ROOT / "source_fauna" / "manifest.yaml").read_text())["spec"]["connection_specification"]
    assert metadata()["allowedHosts"]["hosts"] == ["${domain}"]
    assert "domain" in spec["required"]


def test_tags_name_python_and_the_low_code_cdk():
    tags = metadata()["tags"]
    assert [tag for tag in tags if tag.startswith("language:")] == ["language:python"]
    assert (ROOT / "source_fauna" / "manifest.yaml").is_file() and "cdk:low-code" in tags


def test_declared_test_suites_are_ones_that_need_no_secrets_and_have_tests():
    suites = {option["suite"]: option for option in metadata()["connectorTestSuitesOptions"]}
    directories = {"unitTests": "unit_tests", "integrationTests": "integration_tests"}
    assert set(suites) <= set(directories), "acceptanceTests cannot reach a Fauna node in Airbyte's CI"
    for suite, option in suites.items():
        assert "testSecrets" not in option
        assert list((ROOT / directories[suite]).glob("test_*.py")), f"{suite}: no tests in {directories[suite]}/"
