"""What a benchmark run starts: the connector (this tree, a variant of it, or another commit's), the old connector,
the driver loop, and the config, catalog and state files they read."""

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import orjson

from integration_tests.numbered_files import NumberedFiles

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
OLD_VENV = ROOT / ".tmp" / "old-source-fauna-venv"


@dataclass(frozen=True)
class Command:
    argv: List[str]
    cwd: str = str(ROOT)


class Workdir(NumberedFiles):
    """A temporary directory for the run's config, catalog and state files, numbered in the order written."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="source-fauna-bench-")))
        self.path = self.directory  # the name the phases use

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def connector_config(server: Any, page_size: int = 1000, **extra: Any) -> Dict[str, Any]:
    config = {"domain": server.host, "port": server.port, "scheme": "http", "secret": server.secret, "collection": {"page_size": page_size}}
    config.update(extra)
    return config


def old_config(server: Any, page_size: int = 1000) -> Dict[str, Any]:
    return {
        "domain": server.host,
        "port": server.port,
        "scheme": "http",
        "secret": server.secret,
        "collection": {"page_size": page_size, "deletions": {"deletion_mode": "ignore"}},
    }


def _source_args(verb: str, config: str, catalog: Optional[str], state: Optional[str]) -> List[str]:
    args = [verb, "--config", config]
    if catalog:
        args += ["--catalog", catalog]
    if state:
        args += ["--state", state]
    return args


def connector_command(verb: str, config: str, catalog: Optional[str] = None, state: Optional[str] = None) -> Command:
    return Command([PYTHON, "-m", "source_fauna.run", *_source_args(verb, config, catalog, state)])


def variant_command(
    without: Sequence[str], verb: str, config: str, catalog: Optional[str] = None, static_slices: int = 0, readers: int = 0
) -> Command:
    """This tree's connector with some of its CDK internals switched off, snapshots cut in static slices, or its
    reader pool held at `readers` (bench/variant.py)."""
    flags = ["--without", ",".join(without)] if without else []
    if static_slices:
        flags += ["--static-slices", str(static_slices)]
    if readers:
        flags += ["--readers", str(readers)]
    return Command([PYTHON, str(HERE / "variant.py"), *flags, "--", *_source_args(verb, config, catalog, None)])


def baseline_command(tree: Path, verb: str, config: str, catalog: Optional[str] = None) -> Command:
    """The connector of another commit, exported to `tree`: `python -m` imports it from the working directory."""
    return Command([PYTHON, "-m", "source_fauna.run", *_source_args(verb, config, catalog, None)], cwd=str(tree))


def export_tree(commit: str, into: Path) -> Path:
    """`source_fauna/` as it was at `commit`, without touching the repository's work tree."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit, "source_fauna"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def old_command(verb: str, config: str, catalog: Optional[str] = None) -> Command:
    return Command([str(OLD_VENV / "bin" / "python"), str(HERE / "old_connector.py"), *_source_args(verb, config, catalog, None)])


def driver_command(endpoint: str, collection: str, page_size: int = 1000, convert: bool = False) -> Command:
    argv = [PYTHON, str(HERE / "driver_loop.py"), "--endpoint", endpoint, "--collection", collection, "--page-size", str(page_size)]
    return Command(argv + (["--convert"] if convert else []))


def messages_of(command: Command) -> List[Dict[str, Any]]:
    result = subprocess.run(command.argv, capture_output=True, cwd=command.cwd, timeout=600)
    return [orjson.loads(line) for line in result.stdout.splitlines() if line.startswith(b"{")]


def discover(work: Workdir, config: Dict[str, Any], old: bool = False) -> Dict[str, Dict[str, Any]]:
    path = work.write("discover-config", config)
    messages = messages_of(old_command("discover", path) if old else connector_command("discover", path))
    catalogs = [m["catalog"] for m in messages if m.get("type") == "CATALOG"]
    if not catalogs:
        raise RuntimeError(f"discover failed: {messages[-3:]}")
    return {stream["name"]: stream for stream in catalogs[0]["streams"]}


def spec_properties() -> Dict[str, Any]:
    for message in messages_of(Command([PYTHON, "-m", "source_fauna.run", "spec"])):
        if message.get("type") == "SPEC":
            return message["spec"]["connectionSpecification"].get("properties", {})
    return {}


def catalog_for(streams: Dict[str, Dict[str, Any]], names: List[str], mode: str = "incremental") -> Dict[str, Any]:
    configured = []
    for name in names:
        stream = streams[name]
        sync_mode = mode if mode in stream["supported_sync_modes"] else "full_refresh"
        configured.append(
            {
                "stream": stream,
                "sync_mode": sync_mode,
                "destination_sync_mode": "append",
                "cursor_field": ["ts"] if sync_mode == "incremental" else [],
            }
        )
    return {"streams": configured}
