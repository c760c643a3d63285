"""The local Fauna the campaign syncs from, and the faults it injects.

The node keeps its data in a directory, so its write-ahead log survives a SIGKILL; a restart replays
it. Its clock runs behind the wall clock (the connector's windows end at the wall clock) and only moves
forward: a restart keeps every advance made so far.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

from fauna_local.testing import LocalFauna
from fauna_local.wire.faults import ACTIONS


class NodeDidNotRestart(RuntimeError):
    pass


class Node:
    def __init__(self, data_dir: Path, secret: str, clock_offset_seconds: float) -> None:
        self.data_dir = data_dir
        self.secret = secret
        self.clock_offset_seconds = clock_offset_seconds
        self.kills = 0
        self.fauna: Optional[LocalFauna] = self._start()

    @property
    def stderr_path(self) -> Path:
        return self.data_dir.parent / "node-stderr.txt"

    def _start(self) -> LocalFauna:
        with _stderr_appended_to(self.stderr_path):
            return LocalFauna.start(secret=self.secret, data_dir=str(self.data_dir), extra_args=("--clock-offset-seconds", str(self.clock_offset_seconds)))

    def kill(self) -> None:
        """SIGKILL: only what the node acknowledged (fsynced to its log) may survive."""
        self.fauna.kill()
        self.fauna = None
        self.kills += 1

    def restart(self) -> None:
        """Starts the node again on the same data directory; a node that cannot replay its log is a finding."""
        try:
            self.fauna = self._start()
        except RuntimeError as error:
            last_lines = self.stderr_path.read_text(errors="replace").strip().splitlines()[-3:]
            raise NodeDidNotRestart(f"the node did not restart from its data directory after kill {self.kills}: {error}; its stderr ended with: {' | '.join(last_lines)}") from error

    def advance_clock(self, seconds: float) -> None:
        self.fauna.advance_clock(seconds)
        self.clock_offset_seconds += seconds

    def client(self) -> Any:
        return self.fauna.client(timeout=60)

    def config(self, **settings: Any) -> Dict[str, Any]:
        return self.fauna.config(**settings)

    def stop(self) -> None:
        if self.fauna is not None:
            self.fauna.stop()


@contextmanager
def _stderr_appended_to(path: Path) -> Iterator[None]:
    """The node process inherits this process's stderr (`LocalFauna.start`); while it starts, that is a
    file, so the tracebacks its server prints for connections cut by faults and kills stay out of the report."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("a") as file:
        os.dup2(file.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class FaultInjector:
    """One fault kind at a time, at the campaign's rate; each arming takes the next kind, so every kind
    is injected. The counts are the node's own (`/_local/faults` reports how many it fired)."""

    KINDS = ACTIONS

    def __init__(self, rate: float, seed: int, stall_seconds: float) -> None:
        self.rate = rate
        self.seed = seed
        self.stall_seconds = stall_seconds
        self.fired: Dict[str, int] = {kind: 0 for kind in self.KINDS}
        self.requests = 0  # query requests the node saw while armed
        self._armed = 0
        self._kind = None

    def arm(self, node: Node) -> str:
        self._kind = self.KINDS[self._armed % len(self.KINDS)]
        node.fauna.set_faults(rate=self.rate, seed=self.seed + self._armed, action=self._kind, stall_seconds=self.stall_seconds)
        self._armed += 1
        return self._kind

    def disarm(self, node: Node) -> None:
        if self._kind is None:
            return
        counters = node.fauna.stats()["faults"]
        self.fired[self._kind] += int(counters["fired"])
        self.requests += int(counters["seen"])
        node.fauna.clear_faults()
        self._kind = None
