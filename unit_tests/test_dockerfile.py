"""What can be checked of the Dockerfile without a Docker engine.

No Docker engine runs on the development and CI machines, so the image is never built here. These
tests check the parts of it that can go wrong without anyone noticing until a build: the base image
it starts from is the one metadata.yaml declares, every file it copies exists, the copied files
alone build the package, it leaves the local Fauna and the tests out, and the entry point it names
is the package's console script, which answers `spec` when installed.
"""

import json
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from integration_tests.ecosystem import ROOT, build_wheel, tomllib

SPEC_TIMEOUT_SECONDS = 120


def instructions() -> List[Tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments) pairs: comments dropped, continuations joined."""
    joined: List[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a line continuation"
    result = []
    for line in joined:
        keyword, _, arguments = line.partition(" ")
        result.append((keyword.upper(), arguments.strip()))
    return result


def only(keyword: str) -> str:
    found = [arguments for name, arguments in instructions() if name == keyword]
    assert len(found) == 1, f"expected one {keyword} in the Dockerfile, found {len(found)}"
    return found[0]


def metadata() -> Dict:
    return yaml.safe_load((ROOT / "metadata.yaml").read_text())["data"]


def poetry() -> Dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["poetry"]


def entrypoint() -> List[str]:
    value = json.loads(only("ENTRYPOINT"))  # exec form, as the platform expects
    assert isinstance(value, list) and value, "ENTRYPOINT must be a non-empty JSON array"
    return value


def test_base_image_is_the_one_metadata_declares():
    """`FROM ${BASE_IMAGE}`, defaulting to metadata.yaml's base image, which `airbyte-cdk image build` passes."""
    base_image = metadata()["connectorBuildOptions"]["baseImage"]
    assert only("FROM") == "${BASE_IMAGE}"
    assert only("ARG") == f"BASE_IMAGE={base_image}"
    assert re.fullmatch(r"docker\.io/airbyte/python-connector-base:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", base_image), (
        "the base image must be Airbyte's Python connector base image, pinned by digest"
    )


def test_labels_match_metadata():
    labels = dict(arguments.split("=", 1) for name, arguments in instructions() if name == "LABEL")
    assert labels == {
        "io.airbyte.version": metadata()["dockerImageTag"],
        "io.airbyte.name": metadata()["dockerRepository"],
    }


def test_every_copied_path_exists_and_nothing_else_is_copied():
    copies = [shlex.split(arguments) for name, arguments in instructions() if name in ("COPY", "ADD")]
    assert copies, "the Dockerfile copies nothing"
    sources = [source for parts in copies for source in parts[:-1] if not source.startswith("--")]
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
    assert "." not in sources, "copy the package explicitly: copying the whole tree would ship fauna_local and the tests"
    assert not any(source.split("/")[0] in ("fauna_local", "unit_tests", "integration_tests") for source in sources)
    assert "source_fauna" in sources and "pyproject.toml" in sources


def test_the_readme_the_package_build_needs_is_copied():
    # pyproject.toml names README.md as the package's readme: `pip install .` fails without it.
    copied = {source for name, arguments in instructions() if name == "COPY" for source in shlex.split(arguments)[:-1]}
    assert poetry()["readme"] in copied


def test_entrypoint_is_the_declared_console_script_and_airbyte_entrypoint_agrees():
    scripts = poetry()["scripts"]
    command = entrypoint()
    assert command == ["source-fauna"]
    assert scripts["source-fauna"] == "source_fauna.run:run"
    env = dict(arguments.split("=", 1) for name, arguments in instructions() if name == "ENV")
    assert shlex.split(env["AIRBYTE_ENTRYPOINT"]) == command


def test_runs_as_the_base_images_unprivileged_user():
    assert only("USER") == "airbyte"


def test_the_entrypoint_script_answers_spec():
    """The console script the image runs, as installed in this environment, prints a SPEC message."""
    script = Path(sys.executable).with_name(entrypoint()[0])
    if not script.exists():
        pytest.fail(f"{script} is not installed: run `pip install -e .` (the Makefile does) before the tests")
    result = subprocess.run(
        [str(script), "spec"], capture_output=True, text=True, timeout=SPEC_TIMEOUT_SECONDS, cwd="/"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    specs = [message["spec"] for message in messages if message["type"] == "SPEC"]
    assert len(specs) == 1
    properties = specs[0]["connectionSpecification"]["properties"]
    assert {"domain", "port", "scheme", "secret"} <= set(properties)
    assert specs[0]["documentationUrl"] == metadata()["documentationUrl"]


def test_the_copied_files_alone_build_the_package(tmp_path):
    """`pip install .` in the image sees only what the Dockerfile copies: that must be enough."""
    context = tmp_path / "integration_code"
    for parts in (shlex.split(arguments) for name, arguments in instructions() if name == "COPY"):
        *sources, destination = parts
        for source in sources:  # Docker's rules: a directory's contents go into the destination
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, context / destination, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
            else:
                into_directory = destination.endswith("/") or len(sources) > 1
                target = context / destination / Path(source).name if into_directory else context / destination
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(ROOT / source, target)
    wheel = build_wheel(context, tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "source_fauna/manifest.yaml" in names and "source_fauna/components.py" in names


def test_airbyte_cdk_image_build_passes_the_base_image_the_dockerfile_reads():
    """`airbyte-cdk image build --dockerfile Dockerfile` sets BASE_IMAGE from metadata.yaml (airbyte_cdk/utils/docker.py)."""
    import inspect

    from airbyte_cdk.utils import docker

    source = inspect.getsource(docker.build_connector_image)
    assert '"BASE_IMAGE": base_image' in source, "the CDK no longer passes BASE_IMAGE: update the Dockerfile's ARG"
    assert "dockerfile_override" in source
