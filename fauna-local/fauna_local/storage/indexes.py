"""Indexes: entries (values..., doc id) per terms partition, sorted, with add/remove history.

An index is defined by field paths (lists of keys) into the document body, plus two pseudo-fields `ts` and
`ref` (core `ext/storage/src/main/scala/index/IndexTuple.scala`). An array at a path yields one entry per element.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from fauna_local.storage.documents import SortedKeys
from fauna_local.storage.ordering import Reversed, sort_key

Field = Tuple[Tuple[Any, ...], bool]  # (path, reverse)


def extract(path: Sequence[Any], body: Dict[str, Any], ts: int, ref: Any) -> List[Any]:
    """Values at `path` in a document (a list: arrays fan out; missing = [None])."""
    if len(path) == 1 and path[0] == "ts":
        return [ts]
    if len(path) == 1 and path[0] == "ref":
        return [ref]
    cur: Any = body
    for step in path:
        if isinstance(cur, dict) and isinstance(step, str) and step in cur:
            cur = cur[step]
        elif isinstance(cur, list) and isinstance(step, int) and 0 <= step < len(cur):
            cur = cur[step]
        else:
            return [None]
    if isinstance(cur, list):
        return [None if isinstance(v, dict) else v for v in cur] if cur else [None]
    if isinstance(cur, dict):
        return [None]  # objects are not indexable values (core IndexSpec "multi-term indexes include null")
    return [cur]


class Index:
    def __init__(self, name: str, sources: List[str], terms: List[Field], values: List[Field], unique: bool, meta: Dict[str, Any]):
        self.name = name
        self.sources = sources
        self.terms = terms
        self.values = values
        self.unique = unique
        self.meta = meta
        self.active = True
        self.partitions: Dict[Tuple[Any, ...], SortedKeys] = {}
        # sort key -> (values tuple or None for "no values", doc ref)
        self.entries: Dict[Tuple[Any, ...], Tuple[Any, Any]] = {}

    def _entries_for(self, body: Dict[str, Any], ts: int, ref: Any, doc_key: int) -> List[Tuple[Tuple[Any, ...], Tuple[Any, ...], Any]]:
        """(terms key, sort key, values) for every entry a document version contributes.

        The sort key ends with (doc id, collection name): entries order by values, then document id as a
        number (core DocID.compare), and documents of two source collections never collide."""
        coll = ref.collection.id
        term_lists = [extract(p, body, ts, ref) for p, _ in self.terms]
        value_lists = [extract(p, body, ts, ref) for p, _ in self.values]
        out = []
        for terms in itertools.product(*term_lists):
            if terms and all(t is None for t in terms):
                continue  # entirely null terms are elided (core IndexSpec "elide entirely null values")
            tkey = tuple(sort_key(t) for t in terms)
            for values in itertools.product(*value_lists):
                skey = tuple(
                    Reversed(sort_key(v)) if rev else sort_key(v) for v, (_, rev) in zip(values, self.values)
                ) + (doc_key, coll)
                out.append((tkey, skey, values))
        return out

    def apply(
        self,
        ts: int,
        ref: Any,
        doc_key: int,
        old: Optional[Tuple[Dict[str, Any], int]],
        new: Optional[Tuple[Dict[str, Any], int]],
        undo: Optional[Callable[[Callable[[], None]], None]] = None,
    ) -> None:
        """Move a document's entries from its old version (body, ts) to its new one at `ts`."""
        before = self._entries_for(old[0], old[1], ref, doc_key) if old else []
        after = self._entries_for(new[0], new[1], ref, doc_key) if new else []
        after_keys = {(t, s) for t, s, _ in after}
        before_keys = {(t, s) for t, s, _ in before}
        for tkey, skey, _ in before:
            if (tkey, skey) not in after_keys:
                change = self.partitions[tkey].remove(ts, skey)
                if undo is not None and change is not None:
                    undo(change)
        for tkey, skey, values in after:
            if (tkey, skey) in before_keys:
                continue
            part = self.partitions.get(tkey)
            if part is None:
                part = self.partitions[tkey] = SortedKeys()
            self.entries[skey] = (values, ref)
            change = part.add(ts, skey)
            if undo is not None and change is not None:
                undo(change)

    @classmethod
    def from_body(cls, name: str, body: Dict[str, Any]) -> "Index":
        """Build from the index's schema document body (source is a collection Ref)."""

        def fields(specs: Any) -> List[Field]:
            return [(field_path(s), bool(s.get("reverse", False))) for s in (specs or [])]

        source = body["source"]
        names = [r.id for r in source] if isinstance(source, list) else [source.id]
        return cls(name, names, fields(body.get("terms")), fields(body.get("values")), bool(body.get("unique", False)), body)

    def same_definition(self, other: "Index") -> bool:
        """Same entries would result (sources, terms, values, uniqueness)."""
        return (self.sources, self.terms, self.values, self.unique) == (other.sources, other.terms, other.values, other.unique)

    def partition(self, terms: Sequence[Any]) -> Optional[SortedKeys]:
        return self.partitions.get(tuple(sort_key(t) for t in terms))

    def conflicts(self, body: Dict[str, Any], ts: int, ref: Any, doc_key: int) -> bool:
        """Unique indexes: would this version add an entry whose (terms, values) another live doc has?"""
        for tkey, skey, _ in self._entries_for(body, ts, ref, doc_key):
            part = self.partitions.get(tkey)
            if part is None:
                continue
            prefix = skey[:-2]
            for other in part.keys:
                if other[:-2] == prefix and other[-2:] != skey[-2:]:
                    return True
        return False


def field_path(spec: Any) -> Tuple[Any, ...]:
    """`{"field": "ts"}` or `{"field": ["data", "x"]}` -> ("ts",) / ("data", "x")."""
    field = spec.get("field") if isinstance(spec, dict) else None
    if isinstance(field, list):
        return tuple(field)
    return (field,)
