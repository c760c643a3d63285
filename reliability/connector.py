"""Runs the real `source-fauna` command as the platform does, and keeps the state the platform would keep.

Each attempt gets config, catalog and state files and is read through a pipe, line by line, as the
platform's replication worker reads it. The campaign may SIGKILL an attempt right after its k-th STATE
message; the platform then resumes from the last STATE it received of each stream (`--state`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from integration_tests.numbered_files import NumberedFiles
from reliability.accounting import Destination, Version, count_secret

SOURCE_FAUNA = [sys.executable, "-m", "source_fauna.run"]


class PlatformState:
    """The last STATE message of each stream, as the platform stores it between attempts and syncs."""

    def __init__(self) -> None:
        self._latest: Dict[str, Dict[str, Any]] = {}

    def keep(self, state: Dict[str, Any]) -> str:
        """Stores one STATE message's `state`; returns its stream's name."""
        if state.get("type") != "STREAM":
            raise ValueError(f"the campaign expects per-stream STATE messages, got type {state.get('type')!r}")
        name = state["stream"]["stream_descriptor"]["name"]
        self._latest[name] = state
        return name

    def as_input(self) -> Optional[List[Dict[str, Any]]]:
        return list(self._latest.values()) or None


@dataclass
class Attempt:
    """What one run of `source-fauna read` did."""

    returncode: Optional[int] = None
    killed: bool = False  # SIGKILLed by the campaign right after its k-th STATE
    timed_out: bool = False
    states: int = 0
    records: int = 0
    versions: Set[Version] = field(default_factory=set)
    errors: List[Dict[str, Any]] = field(default_factory=list)  # TRACE ERROR messages' `error`
    secret_hits: int = 0
    last_log: str = ""  # what the connector said last, for an attempt that hung
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        return not self.killed and not self.timed_out and self.returncode == 0 and not self.errors


class SourceCommand:
    def __init__(self, workdir: Path, secret_forms: Tuple[str, ...]) -> None:
        self.workdir = workdir
        self.secret_forms = secret_forms
        self._files = NumberedFiles(workdir)

    def discover(self, config: Dict[str, Any]) -> Dict[str, Any]:
        result = subprocess.run(SOURCE_FAUNA + ["discover", "--config", self._files.write("config", config)], capture_output=True, text=True, timeout=300)
        for line in result.stdout.splitlines():
            if line.startswith('{"type":"CATALOG"'):
                return json.loads(line)["catalog"]
        raise RuntimeError(f"source-fauna discover printed no catalog (exit {result.returncode}): {result.stdout[-2000:]}{result.stderr[-2000:]}")

    def read(
        self,
        config: Dict[str, Any],
        catalog: Dict[str, Any],
        platform: PlatformState,
        destination: Destination,
        kill_after_state: Optional[int],
        timeout: float,
    ) -> Attempt:
        """One attempt: records go to `destination`, each STATE to `platform` (then commits its stream)."""
        args = SOURCE_FAUNA + ["read", "--config", self._files.write("config", config), "--catalog", self._files.write("catalog", catalog)]
        state = platform.as_input()
        if state is not None:
            args += ["--state", self._files.write("state", state)]
        stderr_path = self.workdir / f"{self._files.written:04d}-stderr.txt"
        attempt = Attempt()
        started = time.monotonic()
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
            timer = threading.Timer(timeout, lambda: _kill(process, attempt))
            timer.start()
            ended = False  # the connector closed its stdout: it is exiting on its own
            try:
                for line in process.stdout:
                    attempt.secret_hits += count_secret([line], self.secret_forms)
                    if not line.startswith("{"):
                        continue
                    self._handle(json.loads(line), attempt, platform, destination)
                    if kill_after_state is not None and attempt.states == kill_after_state:
                        process.send_signal(signal.SIGKILL)
                        attempt.killed = True
                        break
                else:
                    ended = True
            finally:
                timer.cancel()
                if not ended and process.poll() is None:  # killed, timed out, or the campaign itself stopped
                    process.kill()
                attempt.returncode = process.wait(timeout=60)
                process.stdout.close()
        attempt.secret_hits += count_secret([stderr_path.read_text()], self.secret_forms)
        attempt.seconds = time.monotonic() - started
        if attempt.succeeded:
            destination.commit_all()
        else:
            destination.discard_pending()
        return attempt

    @staticmethod
    def _handle(message: Dict[str, Any], attempt: Attempt, platform: PlatformState, destination: Destination) -> None:
        kind = message["type"]
        if kind == "RECORD":
            record = message["record"]
            destination.receive(record["stream"], record["data"])
            attempt.records += 1
            attempt.versions.add((record["stream"], str(record["data"]["ref"]), int(record["data"]["ts"])))
        elif kind == "STATE":
            destination.commit(platform.keep(message["state"]))
            attempt.states += 1
        elif kind == "TRACE" and message["trace"]["type"] == "ERROR":
            attempt.errors.append(message["trace"]["error"])
        elif kind == "LOG":
            attempt.last_log = message["log"]["message"]


def _kill(process: subprocess.Popen, attempt: Attempt) -> None:
    attempt.timed_out = True
    process.kill()
