"""Versioned documents and the sets of documents (collections, and the native schema collections)."""

from __future__ import annotations

import bisect
from typing import Any, Dict, Iterator, List, Optional, Tuple

ADD, REMOVE = "add", "remove"


class Version:
    """One version of a document. `body` is None for a deletion; `raw` is its rendered wire JSON."""

    __slots__ = ("ts", "body", "raw")

    def __init__(self, ts: int, body: Optional[Dict[str, Any]], raw: Optional[str]):
        self.ts = ts
        self.body = body
        self.raw = raw


class Document:
    __slots__ = ("key", "versions")

    def __init__(self, key: int):
        self.key = key
        self.versions: List[Version] = []

    def at(self, ts: int) -> Optional[Version]:
        """The version visible at `ts` (None when absent or deleted then)."""
        versions = self.versions
        last = versions[-1]
        if last.ts <= ts:
            return last if last.body is not None else None
        for v in reversed(versions):
            if v.ts <= ts:
                return v if v.body is not None else None
        return None

    @property
    def current(self) -> Optional[Version]:
        last = self.versions[-1]
        return last if last.body is not None else None


class SortedKeys:
    """A sorted list of keys with add/remove history, readable at any past timestamp.

    `events` is append-only in ts order: (ts, key, action). Serves both `Documents(c)` (keys = document
    ids) and index partitions (keys = sort-key tuples).
    """

    __slots__ = ("keys", "events")

    def __init__(self) -> None:
        self.keys: List[Any] = []
        self.events: List[Tuple[int, Any, str]] = []

    def add(self, ts: int, key: Any) -> None:
        keys = self.keys
        if not keys or keys[-1] < key:
            keys.append(key)
        else:
            i = bisect.bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                return
            keys.insert(i, key)
        self.events.append((ts, key, ADD))

    def remove(self, ts: int, key: Any) -> None:
        keys = self.keys
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            del keys[i]
            self.events.append((ts, key, REMOVE))

    def undo_last(self) -> None:
        """Revert the most recent add/remove (transaction rollback)."""
        ts, key, action = self.events.pop()
        if action == ADD:
            del self.keys[bisect.bisect_left(self.keys, key)]
        else:
            bisect.insort(self.keys, key)

    def keys_at(self, ts: int) -> List[Any]:
        """Keys live at `ts`: the live list when nothing happened later, else rebuilt from history."""
        events = self.events
        if not events or events[-1][0] <= ts:
            return self.keys
        live: Dict[Any, bool] = {}
        for ets, key, action in events:
            if ets > ts:
                break
            if action == ADD:
                live[key] = True
            else:
                live.pop(key, None)
        return sorted(live)

    def events_from(self, min_ts: int) -> Iterator[Tuple[int, Any, str]]:
        i = bisect.bisect_left(self.events, min_ts, key=lambda e: e[0])
        return iter(self.events[i:])


class Space:
    """A collection of documents keyed by integer id: a user collection or a native schema collection.

    `meta` is the schema document body for user collections (history_days, ttl_days, ...); native
    schema spaces also map names to their sequential ids (creation order, reference note §5.2).
    """

    def __init__(self, name: str, meta: Optional[Dict[str, Any]] = None):
        self.name = name
        self.meta = meta or {}
        self.docs: Dict[int, Document] = {}
        self.set = SortedKeys()
        self.by_name: Dict[str, int] = {}
        self.names: Dict[int, str] = {}
        self.next_seq = 1
        self.indexes: List[Any] = []  # indexes whose source is this collection
        self.created_ts = 0

    def history_days(self) -> Optional[float]:
        """Retention; OSS default 0 (reference note §5.6, core `SchemaItem.scala`); None keeps forever."""
        return self.meta.get("history_days", 0)
