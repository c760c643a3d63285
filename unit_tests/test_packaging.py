"""The connector's wheel: what a `pip install`, the Docker image and PyAirbyte get.

The wheel is built from this checkout with the project's own build backend (`pip wheel . --no-deps`)
and must hold the connector and its manifest, and nothing of the local Fauna or the tests.
"""

import zipfile

import pytest

from integration_tests.ecosystem import ROOT, build_wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_wheel(ROOT, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def wheel_names(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_wheel_has_no_local_fauna_and_no_tests(wheel_names):
    top_levels = {name.split("/")[0] for name in wheel_names}
    assert not any(level.startswith("fauna_local") for level in top_levels), sorted(top_levels)
    assert not top_levels & {"unit_tests", "integration_tests", "examples", "bench", "scripts"}
    package_dirs = {level for level in top_levels if not level.endswith(".dist-info")}
    assert package_dirs == {"source_fauna"}


def test_wheel_has_the_manifest_and_components(wheel_names):
    assert "source_fauna/manifest.yaml" in wheel_names
    assert "source_fauna/components.py" in wheel_names
    assert "source_fauna/run.py" in wheel_names


def test_wheel_declares_the_console_script(wheel, wheel_names):
    entry_points = [name for name in wheel_names if name.endswith(".dist-info/entry_points.txt")]
    assert len(entry_points) == 1
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(entry_points[0]).decode()
    assert "[console_scripts]" in text
    assert "source-fauna=source_fauna.run:run" in text.replace(" ", "")


def test_wheel_metadata_is_the_published_package(wheel, wheel_names):
    """PyPI and PyAirbyte see the name, version and license that metadata.yaml declares."""
    import yaml

    declared = yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]
    (metadata_file,) = [name for name in wheel_names if name.endswith(".dist-info/METADATA")]
    with zipfile.ZipFile(wheel) as archive:
        headers = archive.read(metadata_file).decode().split("\n\n", 1)[0].splitlines()
    fields = {}
    for line in headers:
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    assert fields["Name"] == [declared["remoteRegistries"]["pypi"]["packageName"]]
    assert fields["Version"] == [declared["dockerImageTag"]]
    assert fields["License"] == [declared["license"]]
    assert any(requirement.startswith("airbyte-cdk") for requirement in fields["Requires-Dist"])
    assert fields["Provides-Extra"] == ["pyairbyte"]
