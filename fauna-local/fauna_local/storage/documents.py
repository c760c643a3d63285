"""Versioned documents and the sets of documents (collections, and the native schema collections)."""

from __future__ import annotations

import bisect
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

ADD, REMOVE = "add", "remove"


class Version:
    """One version of a document: its rendered wire JSON (`raw`, None for a deletion) and its ttl.

    Only the rendered text is kept; `body` decodes it on demand (updates, Select, index maintenance), which
    keeps a stored document at roughly its wire size instead of a tree of Python objects.
    """

    __slots__ = ("ts", "raw", "ttl")
    decode: Callable[[str], Dict[str, Any]]  # the wire decoder, installed by the Store (storage knows no wire format)

    def __init__(self, ts: int, body: Optional[Dict[str, Any]], raw: Optional[str]):
        self.ts = ts
        self.raw = raw
        self.ttl = body.get("ttl") if body is not None else None

    @property
    def body(self) -> Optional[Dict[str, Any]]:
        return Version.decode(self.raw) if self.raw is not None else None

    @property
    def deleted(self) -> bool:
        return self.raw is None


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
            return last if last.raw is not None else None
        for v in reversed(versions):
            if v.ts <= ts:
                return v if v.raw is not None else None
        return None

    @property
    def current(self) -> Optional[Version]:
        last = self.versions[-1]
        return last if last.raw is not None else None


class SortedKeys:
    """A sorted list of keys with add/remove history, readable at any past timestamp.

    `events` is append-only in ts order: (ts, key, action). Serves both `Documents(c)` (keys = document
    ids) and index partitions (keys = sort-key tuples). Within one transaction an add and a remove of the
    same key cancel out (action becomes None), so a transaction that ends where it started leaves no event
    (core `SetSpec.scala` normalizeEvents: history is compressed to transitions).
    """

    __slots__ = ("keys", "events", "_pending_ts", "_pending")

    def __init__(self) -> None:
        self.keys: List[Any] = []
        self.events: List[Tuple[int, Any, Optional[str]]] = []
        self._pending_ts = -1
        self._pending: Dict[Any, int] = {}

    def add(self, ts: int, key: Any) -> Optional[Callable[[], None]]:
        """Add `key` at `ts`; returns an undo function, or None when it was already present."""
        keys = self.keys
        if not keys or keys[-1] < key:
            keys.append(key)
        else:
            i = bisect.bisect_left(keys, key)
            if i < len(keys) and keys[i] == key:
                return None
            keys.insert(i, key)
        return self._event(ts, key, ADD)

    def remove(self, ts: int, key: Any) -> Optional[Callable[[], None]]:
        keys = self.keys
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            del keys[i]
            return self._event(ts, key, REMOVE)
        return None

    def _unmember(self, key: Any, action: str) -> None:
        """Reverse the membership change of `action` on `key` (for undo)."""
        if action == ADD:
            del self.keys[bisect.bisect_left(self.keys, key)]
        else:
            bisect.insort(self.keys, key)

    def _event(self, ts: int, key: Any, action: str) -> Callable[[], None]:
        if self._pending_ts != ts:
            self._pending_ts, self._pending = ts, {}
        events, pending = self.events, self._pending
        j = pending.get(key)
        if j is not None and events[j][2] is not None and events[j][2] != action:
            old = events[j]
            events[j] = (ts, key, None)
            del pending[key]

            def undo_cancel() -> None:
                self._unmember(key, action)
                events[j] = old
                pending[key] = j

            return undo_cancel
        events.append((ts, key, action))
        pending[key] = len(events) - 1

        def undo_event() -> None:
            self._unmember(key, action)
            events.pop()
            pending.pop(key, None)

        return undo_event

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
            elif action == REMOVE:
                live.pop(key, None)
        return sorted(live)

    def events_from(self, min_ts: int) -> Iterator[Tuple[int, Any, str]]:
        """Events with ts >= min_ts, in order, without cancelled ones."""
        i = bisect.bisect_left(self.events, min_ts, key=lambda e: e[0])
        return (e for e in self.events[i:] if e[2] is not None)


class Space:
    """A collection of documents keyed by integer id: a user collection or a native schema collection.

    `meta` is the schema document body for user collections (history_days, ttl_days, ...); native
    schema spaces also map names to their sequential ids (creation order, core `WriteAdaptor.scala`
    nextSequentialID).
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
        self.ttl_keys: Set[int] = set()  # documents that ever had a ttl: the only ones that can expire

    def expired_at(self, ts: int, snapshot: int) -> Set[int]:
        """Documents whose version visible at valid time `ts` has a ttl at or before the transaction's
        `snapshot`: every read drops them, whatever valid time it reads at (core repo/Store.scala
        `checkTTL` and storage-api set/SetSnapshot.scala compare the ttl with the snapshot time)."""
        out = set()
        for key in self.ttl_keys:
            doc = self.docs.get(key)
            version = doc.at(ts) if doc is not None else None
            if version is not None and version.ttl is not None and version.ttl.micros <= snapshot:
                out.add(key)
        return out

    def history_days(self) -> Optional[float]:
        """Retention in days; None (no `history_days` field) keeps history forever (core doc/Collection.scala)."""
        return self.meta.get("history_days")
