"""The rules of Airbyte's connector QA that read this repository's files, checked on those files.

Each test states the rule as airbytehq/airbyte's `airbyte-ci/connectors/connectors_qa` applies it
(`checks/packaging.py`, `checks/metadata.py`, `checks/documentation/documentation.py`), so that a
release that would fail the QA fails here first.
"""

import datetime
import re
from pathlib import Path
from typing import Any, Dict, Tuple

import yaml

from integration_tests.ecosystem import tomllib
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


# metadata.py: ValidateBreakingChangesDeadlines; metadata_service's ConnectorBreakingChanges schema and
# validate_major_version_bump_has_breaking_change_entry


def breaking_changes() -> Dict[str, Dict[str, Any]]:
    return {str(version): entry for version, entry in metadata()["releases"]["breakingChanges"].items()}


def release(version: str) -> Tuple[int, int, int]:
    match = SEMVER.fullmatch(version)
    assert match, f"{version} is not a semantic version"
    return int(match[1]), int(match[2]), int(match[3])


def latest_breaking_change() -> str:
    return max(breaking_changes(), key=release)


def changelog_dates() -> Dict[str, datetime.date]:
    """Version → release date, from the changelog table of docs/fauna.md (`| 1.0.0 | 2026-11-25 | … |`)."""
    rows = re.findall(r"^\| (\d+\.\d+\.\d+) \| (\d{4}-\d{2}-\d{2}) \|", (ROOT / "docs" / "fauna.md").read_text(), re.MULTILINE)
    return {version: datetime.date.fromisoformat(day) for version, day in rows}


def deadline_of(version: str) -> datetime.date:
    return datetime.date.fromisoformat(str(breaking_changes()[version]["upgradeDeadline"]))


def test_every_breaking_changes_deadline_was_more_than_a_week_after_its_release():
    """The QA fails a release whose breaking change's deadline is not after the release day + 7 days. Checked against
    the changelog's release day, a rule that stays true once released (a check against today would fail by itself
    a week before the deadline, with nothing changed)."""
    released = changelog_dates()
    for version in breaking_changes():
        assert version in released, f"breaking change {version} has no changelog row in docs/fauna.md"
        assert deadline_of(version) > released[version] + datetime.timedelta(days=7), f"upgradeDeadline of {version} is not more than 7 days after its release"


def test_a_breaking_release_in_progress_has_its_deadline_more_than_a_week_ahead():
    """ValidateBreakingChangesDeadlines as the QA runs it on a release: for the version being released, if it breaks."""
    version = str(metadata()["dockerImageTag"])
    if version in breaking_changes():
        assert deadline_of(version) > datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=7), f"move the upgradeDeadline of {version}"
    else:
        assert release(version) > release(latest_breaking_change()), f"{version} is neither a breaking change nor after the latest one"


def test_each_breaking_change_entry_has_only_the_fields_of_the_schema():
    """ConnectorBreakingChanges.yaml: keys N.N.N; `upgradeDeadline` (a date, quoted so YAML keeps it a string) and
    `message` required; no other field than `migrationDocumentationUrl` and `scopedImpact`."""
    for version, entry in breaking_changes().items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
        assert {"upgradeDeadline", "message"} <= set(entry) <= {"upgradeDeadline", "message", "migrationDocumentationUrl", "scopedImpact"}
        assert isinstance(entry["upgradeDeadline"], str) and datetime.date.fromisoformat(entry["upgradeDeadline"])
        assert isinstance(entry["message"], str) and entry["message"].strip()


def test_a_major_version_has_a_breaking_change_entry_and_none_is_ahead_of_the_version():
    """The validator also checks that each breaking change's image is published, which one ahead of dockerImageTag is not."""
    version = release(metadata()["dockerImageTag"])
    if version[1:] == (0, 0):
        assert metadata()["dockerImageTag"] in breaking_changes()
    assert all(release(entry) <= version for entry in breaking_changes())


def test_the_migration_guide_names_each_upgrade_deadline_of_metadata():
    """Each `## Upgrading to X` section names X's upgradeDeadline, and no other date."""
    sections = re.split(r"^## Upgrading to ", (ROOT / "docs" / "fauna-migrations.md").read_text(), flags=re.MULTILINE)[1:]
    dates = {section.split("\n", 1)[0].strip(): set(re.findall(r"\b\d{4}-\d{2}-\d{2}\b", section)) for section in sections}
    assert dates == {version: {entry["upgradeDeadline"]} for version, entry in breaking_changes().items()}


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


# acceptance-test-config.yml: read by the CDK's standard tests (airbyte_cdk/test/models/scenario.py) and
# by the Connector Acceptance Tests (connector_acceptance_test/tests/test_core.py, conftest.py)


def acceptance_config() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "acceptance-test-config.yml").read_text())


def test_acceptance_config_is_one_both_the_standard_tests_and_cat_accept():
    """CAT at `high` fails a basic_read entry without `expect_records`; the standard tests reject the key."""
    config = acceptance_config()
    entries = [entry for section in config["acceptance_tests"].values() for entry in section["tests"]]
    assert not [entry for entry in entries if "expect_records" in entry], "the standard tests reject `expect_records`"
    assert config["test_strictness_level"] in ("low", "high")
    basic_read = config["acceptance_tests"]["basic_read"]["tests"]
    if config["test_strictness_level"] == "high":
        assert all("expect_records" in entry for entry in basic_read), "CAT at `high` needs `expect_records` on every basic_read entry"
    assert all(entry.get("validate_schema", True) for entry in basic_read), "records are validated against their schemas"


def test_acceptance_config_keeps_the_deletions_scenario_and_the_records_are_compared_elsewhere():
    sections = acceptance_config()["acceptance_tests"]
    for section in ("basic_read", "incremental"):
        assert "secrets/config-deletions.json" in [entry["config_path"] for entry in sections[section]["tests"]], section
    for name in ("expected_records.jsonl", "expected_records_deletions.jsonl"):
        assert (ROOT / "integration_tests" / name).is_file()
        assert name in (ROOT / "integration_tests" / "test_expected_records.py").read_text()
