"""The server clock: wall time plus a controllable offset, and the monotonic transaction timestamp."""

from __future__ import annotations

import threading
import time


class Clock:
    """Microsecond clock. `advance`/`set` move it for tests (history retention in seconds, not minutes)."""

    def __init__(self, offset_seconds: float = 0.0):
        self._offset_us = int(offset_seconds * 1_000_000)
        self._last_txn = 0
        self._lock = threading.Lock()

    def now_micros(self) -> int:
        return time.time_ns() // 1000 + self._offset_us

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset_us += int(seconds * 1_000_000)

    def set_micros(self, micros: int) -> None:
        """Make `now_micros()` return about `micros` from now on (never moves txn times backwards)."""
        with self._lock:
            self._offset_us = micros - time.time_ns() // 1000

    def observe(self, txn_ts: int) -> None:
        """Remember a timestamp already used (WAL replay) so later ones are larger."""
        with self._lock:
            self._last_txn = max(self._last_txn, txn_ts)

    def next_txn_ts(self) -> int:
        """A strictly increasing µs timestamp: one per transaction, shared by all its writes (core
        queries/WriteFunctionsSpec.scala "threads through transaction time")."""
        with self._lock:
            ts = max(self.now_micros(), self._last_txn + 1)
            self._last_txn = ts
            return ts

    @property
    def last_txn_ts(self) -> int:
        return self._last_txn
