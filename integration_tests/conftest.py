"""Integration tests run the real `source-fauna` command against the local Fauna.

One local Fauna (a subprocess on a free port) serves the whole session; each test starts from an
empty database (`reset`) and seeds what it needs through the unmodified faunadb driver.
"""

import importlib.util
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from fauna_local.testing import LocalFauna
from integration_tests.ecosystem import LoopbackOnly, require
from integration_tests.numbered_files import NumberedFiles

SOURCE_FAUNA = [sys.executable, "-m", "source_fauna.run"]
COMMAND_TIMEOUT = 300
# The node's clock starts a week behind the worker's, so tests can move it forward without
# writing documents "in the future" of the connector's cursor windows.
CLOCK_OFFSET_SECONDS = -7 * 86400


@pytest.fixture(scope="session")
def fauna_server():
    server = LocalFauna.start(extra_args=("--clock-offset-seconds", str(CLOCK_OFFSET_SECONDS)))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sample_fauna():
    """A local Fauna of its own, with the `sample` seed, for the tests of one module that only read it."""
    with LocalFauna.start(seed="sample") as fauna:
        yield fauna


@pytest.fixture
def pyairbyte_offline(tmp_path) -> LoopbackOnly:
    """The environment of a PyAirbyte subprocess whose sockets may reach only loopback (see ecosystem.LoopbackOnly)."""
    require(importlib.util.find_spec("airbyte") is not None, "PyAirbyte (the `airbyte` package)", "pip install -e '.[pyairbyte]'")
    return LoopbackOnly.under(tmp_path)


@pytest.fixture
def fauna(fauna_server):
    fauna_server.reset()
    fauna_server.clear_faults()
    yield fauna_server
    fauna_server.clear_faults()


@dataclass
class Output:
    """What one `source-fauna` run printed, split by message type."""

    messages: List[Dict[str, Any]]
    returncode: int
    stderr: str = ""

    def of_type(self, kind: str) -> List[Dict[str, Any]]:
        return [message for message in self.messages if message["type"] == kind]

    @property
    def records(self) -> List[Dict[str, Any]]:
        return [message["record"]["data"] | {"_stream": message["record"]["stream"]} for message in self.of_type("RECORD")]

    def records_of(self, stream: str) -> List[Dict[str, Any]]:
        return [message["record"]["data"] for message in self.of_type("RECORD") if message["record"]["stream"] == stream]

    @property
    def states(self) -> List[Dict[str, Any]]:
        return [message["state"] for message in self.of_type("STATE")]

    def last_state(self) -> List[Dict[str, Any]]:
        """The state to resume from: the last state message of each stream, as the platform keeps it."""
        latest: Dict[str, Dict[str, Any]] = {}
        for state in self.states:
            latest[state["stream"]["stream_descriptor"]["name"]] = state
        return list(latest.values())

    @property
    def errors(self) -> List[Dict[str, Any]]:
        return [message["trace"]["error"] for message in self.of_type("TRACE") if message["trace"]["type"] == "ERROR"]

    @property
    def logs(self) -> List[str]:
        return [message["log"]["message"] for message in self.of_type("LOG")]

    @property
    def status(self) -> Dict[str, Any]:
        return self.of_type("CONNECTION_STATUS")[0]["connectionStatus"]

    @property
    def catalog(self) -> Dict[str, Any]:
        return self.of_type("CATALOG")[0]["catalog"]


class SourceRunner:
    """Runs `source-fauna` as the platform does: files for config, catalog and state, stdout piped."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._files = NumberedFiles(workdir)

    def command(self, verb: str, config: Dict[str, Any], catalog: Optional[Dict[str, Any]] = None, state: Any = None) -> List[str]:
        args = SOURCE_FAUNA + [verb]
        if verb != "spec":
            args += ["--config", self._files.write("config", config)]
        if catalog is not None:
            args += ["--catalog", self._files.write("catalog", catalog)]
        if state is not None:
            args += ["--state", self._files.write("state", state)]
        return args

    def run(self, verb: str, config: Dict[str, Any], catalog: Optional[Dict[str, Any]] = None, state: Any = None, env: Optional[Dict[str, str]] = None) -> Output:
        result = subprocess.run(
            self.command(verb, config, catalog, state),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env={**os.environ, **(env or {})},
        )
        return Output(_parse(result.stdout.splitlines()), result.returncode, result.stderr)

    def read_until_states(self, config: Dict[str, Any], catalog: Dict[str, Any], state: Any, states: int) -> Output:
        """Runs a read and kills it (SIGKILL) right after its `states`-th STATE message."""
        counted = itertools.count(1)
        return self.read_until(config, catalog, state, lambda message: message["type"] == "STATE" and next(counted) == states)

    def read_until(self, config: Dict[str, Any], catalog: Dict[str, Any], state: Any, stop: Callable[[Dict[str, Any]], bool]) -> Output:
        """Runs a read and kills it (SIGKILL) right after the first message for which `stop` is true."""
        process = subprocess.Popen(self.command("read", config, catalog, state), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                if line.startswith("{") and stop(json.loads(line)):
                    process.send_signal(signal.SIGKILL)
                    break
        finally:
            process.kill()
            process.wait(timeout=30)
        return Output(_parse(lines), process.returncode)

    def read_watching(self, config: Dict[str, Any], catalog: Dict[str, Any], watch: Callable[[str], None]) -> Output:
        """Runs a read to its end, handing each line it prints to `watch` as it comes (e.g. to inject a fault mid-read)."""
        process = subprocess.Popen(self.command("read", config, catalog), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                watch(line)
            process.wait(timeout=COMMAND_TIMEOUT)
        finally:
            process.kill()
        return Output(_parse(lines), process.returncode)

    def discover_catalog(self, config: Dict[str, Any], sync_mode: str = "incremental", streams: Optional[Iterable[str]] = None) -> Dict[str, Any]:
        """A configured catalog of every discovered stream (or those named), in `sync_mode` where offered."""
        discovered = self.run("discover", config)
        assert discovered.returncode == 0, discovered.errors or discovered.stderr
        configured = []
        for stream in discovered.catalog["streams"]:
            if streams is not None and stream["name"] not in streams:
                continue
            mode = sync_mode if sync_mode in stream["supported_sync_modes"] else "full_refresh"
            configured.append(
                {
                    "stream": stream,
                    "sync_mode": mode,
                    "destination_sync_mode": "append_dedup" if mode == "incremental" else "overwrite",
                    "cursor_field": ["ts"] if mode == "incremental" else [],
                    "primary_key": [["ref"]],
                }
            )
        return {"streams": configured}


def _parse(lines: Iterable[str]) -> List[Dict[str, Any]]:
    messages = []
    for line in lines:
        line = line.strip()
        if line.startswith("{"):
            messages.append(json.loads(line))
    return messages


@pytest.fixture
def source(tmp_path) -> SourceRunner:
    return SourceRunner(tmp_path)


# ---- something between the connector and the node --------------------------------------------


@dataclass
class Forwarder:
    port: int
    connections: int = 0


@contextmanager
def loopback_forwarder(target_host: str, target_port: int, wrap: Optional[Callable[[socket.socket], socket.socket]] = None) -> Iterator[Forwarder]:
    """A listener on loopback that copies bytes both ways between each client and the target, as a
    TLS terminator (`wrap` wraps the accepted socket) or an HTTP proxy in front of the node would."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    forwarder = Forwarder(listener.getsockname()[1])
    stop = threading.Event()

    def pump(source_socket: socket.socket, target_socket: socket.socket) -> None:
        try:
            while data := source_socket.recv(65536):
                target_socket.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source_socket, target_socket):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            try:
                client = wrap(client) if wrap else client
            except OSError:  # e.g. a client that does not trust the certificate hangs up
                client.close()
                continue
            forwarder.connections += 1
            upstream = socket.create_connection((target_host, target_port))
            threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield forwarder
    finally:
        stop.set()
        thread.join(5)
        listener.close()


# ---- seeding through the driver --------------------------------------------------------------


def create_collection(client, name: str, history_days: Optional[int] = 30, index: Optional[str] = "default") -> None:
    """A collection and (by default) its `<name>_ts` index with values [ts, ref], in two transactions
    (Fauna forbids an index in the transaction that creates its source)."""
    client.query(q.create_collection({"name": name, "history_days": history_days}))
    if index is not None:
        client.query(
            q.create_index(
                {"name": f"{name}_ts" if index == "default" else index, "source": q.collection(name), "values": [{"field": ["ts"]}, {"field": ["ref"]}]}
            )
        )


def create_documents(client, collection: str, datas: List[Dict[str, Any]], ids: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    """Creates the documents in ONE transaction: they share one `ts`."""
    if ids is None:
        expressions = [q.create(q.collection(collection), {"data": data}) for data in datas]
    else:
        expressions = [q.create(q.ref(q.collection(collection), i), {"data": data}) for i, data in zip(ids, datas)]
    return client.query(expressions)
