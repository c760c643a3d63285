"""What a destination would hold after the campaign's syncs, what resumed attempts read again, and
where the secret leaked. Pure bookkeeping: no process, no network.

The destination is an append-dedup one, as the platform drives it: per stream and `ref` it keeps the
record with the greatest `ts` (on a tie the later record wins), and a record whose deleted-at column is
set removes the row. A record is delivered only once a later STATE of its stream commits it, or its
attempt succeeds; a killed or failed attempt's records after its stream's last STATE are dropped, so a
resume that relied on them shows up as lost data.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Set, Tuple

Key = Tuple[str, str]  # (stream, ref)
Version = Tuple[str, str, int]  # (stream, ref, ts)


@dataclass(frozen=True)
class Row:
    """One document version, as the destination holds it or as the database has it."""

    ts: int
    data: Any
    deleted: bool = False


class Destination:
    def __init__(self, deleted_column: str) -> None:
        self.deleted_column = deleted_column
        self.rows: Dict[Key, Row] = {}
        self._pending: Dict[str, List[Mapping[str, Any]]] = defaultdict(list)

    def receive(self, stream: str, record: Mapping[str, Any]) -> None:
        self._pending[stream].append(record)

    def commit(self, stream: str) -> None:
        """A STATE of `stream` arrived: its records before it are delivered."""
        for record in self._pending.pop(stream, []):
            self._apply(stream, record)

    def commit_all(self) -> None:
        """The attempt succeeded: everything it emitted is delivered."""
        for stream in list(self._pending):
            self.commit(stream)

    def discard_pending(self) -> int:
        """The attempt was killed or failed: records after their stream's last STATE are not delivered."""
        dropped = sum(len(records) for records in self._pending.values())
        self._pending.clear()
        return dropped

    def _apply(self, stream: str, record: Mapping[str, Any]) -> None:
        key = (stream, str(record["ref"]))
        ts = int(record["ts"])
        current = self.rows.get(key)
        if current is None or ts >= current.ts:
            self.rows[key] = Row(ts, record.get("data"), record.get(self.deleted_column) is not None)

    def live_rows(self) -> Dict[Key, Row]:
        return {key: row for key, row in self.rows.items() if not row.deleted}


@dataclass
class Comparison:
    """The destination against the database's truth."""

    missing: List[Key] = field(default_factory=list)  # in the database, never delivered
    stale: List[Key] = field(default_factory=list)  # delivered, but not the database's current version
    phantom: List[Key] = field(default_factory=list)  # delivered, but deleted from the database

    @property
    def lost(self) -> int:
        """Documents whose current version the destination does not hold."""
        return len(self.missing) + len(self.stale)


def compare(destination: Mapping[Key, Row], truth: Mapping[Key, Row]) -> Comparison:
    result = Comparison()
    for key, row in truth.items():
        held = destination.get(key)
        if held is None:
            result.missing.append(key)
        elif held.ts != row.ts or held.data != row.data:
            result.stale.append(key)
    result.phantom = [key for key in destination if key not in truth]
    return result


class SyncReads:
    """The record versions one sync's attempts read, to count what each resumed attempt reads again."""

    def __init__(self) -> None:
        self._earlier: Set[Version] = set()
        self._attempts = 0
        self.repeated_per_resume: List[int] = []

    def add_attempt(self, versions: Set[Version]) -> None:
        if self._attempts:  # every attempt after the sync's first resumes from the platform's state
            self.repeated_per_resume.append(len(versions & self._earlier))
        self._attempts += 1
        self._earlier |= versions


def secret_forms(secret: str) -> Tuple[str, ...]:
    """The secret as it could leak: itself, and the HTTP Basic credentials the driver builds from it."""
    basic = base64.b64encode(f"{secret}:".encode()).decode()
    return (secret, basic.rstrip("="))


def count_secret(texts: Iterable[str], forms: Tuple[str, ...]) -> int:
    """Occurrences of any form of the secret in `texts`."""
    return sum(text.count(form) for text in texts for form in forms)
