"""Write-ahead log: one JSON line per committed transaction, flushed and fsynced before acknowledgement.

A torn last line (the process died mid-write, so the write was never acknowledged) is ignored on replay
and cut off when the log is opened, so the next acknowledged write starts on a line of its own.
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
        _cut_torn_tail(self.path)
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



def _cut_torn_tail(path: str) -> None:
    """Truncates the file after its last line break: what follows it was never acknowledged."""
    if not os.path.exists(path):
        return
    with open(path, "r+b") as f:
        size = f.seek(0, os.SEEK_END)
        end = size
        while end > 0:
            start = max(0, end - 65536)
            f.seek(start)
            newline = f.read(end - start).rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            end = start
        if end < size:
            f.truncate(end)
            f.flush()
            os.fsync(f.fileno())
