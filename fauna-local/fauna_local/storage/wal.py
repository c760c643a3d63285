"""Write-ahead log: one JSON line per committed transaction, flushed and fsynced before acknowledgement.

A torn last line (the process died mid-write, so the write was never acknowledged) is ignored on replay.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterator, List, Tuple

WAL_NAME = "wal.jsonl"


class WriteAheadLog:
    def __init__(self, data_dir: str):
        os.makedirs(data_dir, exist_ok=True)
        self.path = os.path.join(data_dir, WAL_NAME)
        self._file = open(self.path, "ab")

    def append(self, ts: int, records: List[Any]) -> None:
        line = json.dumps([ts, records], separators=(",", ":")).encode("utf-8") + b"\n"
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())

    def read(self) -> Iterator[Tuple[int, List[Any]]]:
        with open(self.path, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break
                ts, records = json.loads(line)
                yield ts, records

    def truncate(self) -> None:
        self._file.close()
        self._file = open(self.path, "wb")
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = open(self.path, "ab")

    def close(self) -> None:
        self._file.close()
