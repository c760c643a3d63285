"""The servers a benchmark run talks to: the local Fauna (started as the tests start it) and the replay proxy."""

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Union

from fauna_local.testing import LocalFauna

import measure

HERE = Path(__file__).resolve().parent
SECRET = "secret"


def start_local_fauna() -> LocalFauna:
    """The local Fauna in its own process, so that its CPU is measured apart from the clients'."""
    return LocalFauna.start(secret=SECRET)


class ReplayProxy:
    """bench/replay.py in a child process, in front of `upstream`; prints `replay listening on URL` when ready."""

    def __init__(self, upstream: str) -> None:
        command = [sys.executable, str(HERE / "replay.py"), "--upstream", upstream]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"replay proxy did not start: {line!r} {self.process.stderr.read()[-2000:]}")
        self.endpoint = match.group(1)
        self.host, port = self.endpoint.rsplit("//", 1)[1].rsplit(":", 1)
        self.port = int(port)
        self.secret = SECRET
        # Keep draining its output so a chatty proxy never blocks on a full pipe.
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=lambda s=stream: [None for _ in s], daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def control(self, action: str, **params: Any) -> Dict[str, Any]:
        query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
        with urllib.request.urlopen(f"{self.endpoint}/__replay/{action}?{query}", timeout=30) as response:
            return json.loads(response.read())

    def record(self, new_floor: bool = False) -> None:
        """Record mode. A new clock floor starts a phase; the recordings of one phase share it (see replay.py)."""
        floor = self.control("stats")["clock_floor"]
        if new_floor or floor is None:
            floor = int(time.time() * 1_000_000)
        self.control("mode", mode="record", clock_floor=floor)

    def replay(self, latency_ms: int = 0) -> None:
        self.control("mode", mode="replay", clock_floor=self.control("stats")["clock_floor"], latency_ms=latency_ms)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


Server = Union[LocalFauna, ReplayProxy]


def server_cpu(server: Server) -> float:
    """CPU seconds the server's process (and its children) used so far."""
    return measure.process_tree_cpu(server.pid)
