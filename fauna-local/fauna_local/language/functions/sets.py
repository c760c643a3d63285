"""Sets and Paginate: documents, match, range, events, the native schema sets, paginate.

A set is a sorted sequence of keys at the snapshot time; each kind says how a key becomes an element and a
cursor, and how a cursor sent back becomes a key (core `PaginateFunction.scala`, `IndexTuple.scala`,
`RangeSet.scala`, `Event.scala`, `ast/Parser.scala`).
"""

from __future__ import annotations

import bisect
from functools import partial
from typing import Any, Dict, List, Optional, Tuple

from fauna_local.language import args, errors
from fauna_local.language.compiler import FUNCTIONS, Context, compile_expr, describe, function
from fauna_local.language.permissions import allowed, readable, require, unconditional
from fauna_local.language.resolve import check_mvt, collection, database_of, document, index, undefined
from fauna_local.storage.ordering import HIGHEST, Reversed, sort_key
from fauna_local.storage.store import NATIVE_SPACES
from fauna_local.values import Date, Ref, SetRef, Time

DEFAULT_PAGE_SIZE = 64  # fauna.repo.DefaultPageSize (core ext/repo/src/main/scala/package.scala)
MAX_PAGE_SIZE = 100_000  # core ReadAdaptor.MaxPageSize; larger sizes are silently capped
# Same ts and document: remove before add (core IndexSpec "multiple modifications": add v1, remove v1, add v2).
ACTION_ORDER = {"remove": 0, "add": 1, "create": 0, "update": 1, "delete": 2}


class IndexedSet:
    """Base: subclasses provide keys(ctx), element(key), cursor(key), cursor_key(ctx, values, pos, high)."""

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        raise NotImplementedError

    has_history = False  # whether `events` is served: Documents, Match, a document, Singleton

    def events(self, ctx: Context, pos: List[Any]) -> List[Tuple[Tuple[Any, ...], Dict[str, Any]]]:
        raise NotImplementedError

    def event_ref_key(self, ref: Ref) -> Any:
        """Where an event cursor's document sits among events of one ts: by document id as a number."""
        return int(ref.id) if ref.id.isdigit() else -1


class DocumentsSet(IndexedSet):
    """`Documents(Collection(c))`: refs ordered by numeric id; cursor `[Ref]` (core DocID.scala, IndexTuple.scala)."""

    has_history = True

    def __init__(self, coll_ref: Ref):
        self.coll_ref = coll_ref

    def _space(self, ctx: Context, pos: List[Any]):
        return collection(ctx, self.coll_ref, pos + ["documents"])[1]

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        """Live documents at ctx.ts, without those expired by ttl and those the key may not read."""
        space = self._space(ctx, pos)
        check_mvt(ctx, space)
        keys = space.set.keys_at(ctx.ts)
        if space.ttl_keys:
            expired = space.expired_at(ctx.ts, ctx.now)
            if expired:
                keys = [k for k in keys if k not in expired]
        return self._readable(ctx, space, keys)

    def _readable(self, ctx: Context, space: Any, keys: List[Any], key_of=lambda k: k) -> List[Any]:
        """A key that may not read the collection sees an empty set, not an error (core
        set/DocumentsSet.scala filteredForRead keeps the set; ReadAdaptor filters each document)."""
        everyone = unconditional(ctx, ("collection", space.name), "read")
        if everyone is not None:
            return keys if everyone else []
        return readable(ctx, space.name, [(k, Ref(str(key_of(k)), self.coll_ref)) for k in keys])

    def element(self, key: int) -> Ref:
        return Ref(str(key), self.coll_ref)

    def cursor(self, key: int) -> List[Any]:
        return [Ref(str(key), self.coll_ref)]

    def cursor_key(self, ctx: Context, values: List[Any], pos: List[Any], high: bool) -> Any:
        if not values:
            return 2**64 if high else -1
        first = values[0]
        if isinstance(first, Ref) and first.collection is not None:
            if first.collection.kind == "collections":
                collection(ctx, first.collection, pos)
            if first.id.isdigit():
                return int(first.id)
        return 2**64 if high else -1

    def events(self, ctx: Context, pos: List[Any]):
        space = self._space(ctx, pos)
        mvt = ctx.store.min_valid_time(space, ctx.now)
        out = []
        coll = self.coll_ref
        for ts, key, action in space.set.events_from(mvt):
            if ts > ctx.ts:
                break
            out.append(((ts, key, ACTION_ORDER[action]), {"ts": ts, "action": action, "document": Ref(str(key), coll)}))
        out.sort(key=lambda e: e[0])
        return self._readable(ctx, space, out, key_of=lambda e: e[0][1])


class SchemaSet(IndexedSet):
    """`Collections()`, `Indexes()`, `Databases()`, `Keys()`: creation order (core WriteAdaptor.scala
    nextSequentialID)."""

    def __init__(self, kind: str, scope: Optional[Ref]):
        self.kind = kind
        self.scope = scope
        self.names: Dict[int, str] = {}

    def _space(self, ctx: Context, pos: List[Any]):
        # a schema set the key may not read is refused as a whole (core set/IndexSet.scala SchemaSet
        # filteredForRead); built-in server keys never read keys, databases or roles (see permissions)
        require(ctx, ("native", self.kind), "read", pos, lambda: Ref(self.kind))
        db = database_of(ctx, self.scope, pos)
        if db is None:
            raise undefined(self.scope, pos)
        space = db.natives[self.kind]
        self.names = space.names
        return space

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        keys = self._space(ctx, pos).set.keys_at(ctx.ts)
        resource = ("native", self.kind)
        if unconditional(ctx, resource, "read") is None:  # a read predicate: each element is checked too
            keys = [k for k in keys if allowed(ctx, resource, "read", partial(self.element, k))]
        return keys

    def element(self, key: int) -> Ref:
        if self.kind == "keys":
            # keys render their database on the collection ref (faunadb-python v4 tests/test_query.py
            # test_nested_keys: Ref(id, cls=Ref("keys", db=Ref("db-for-keys", cls=Native.DATABASES))))
            return Ref(self.names[key], Ref("keys", None, self.scope))
        return Ref(self.names[key], Ref(self.kind), self.scope)

    def cursor(self, key: int) -> List[Any]:
        return [self.element(key)]

    def cursor_key(self, ctx: Context, values: List[Any], pos: List[Any], high: bool) -> Any:
        space = self._space(ctx, pos)
        first = values[0] if values else None
        if isinstance(first, Ref) and first.kind == self.kind:
            if first.id not in space.by_name:
                raise undefined(first, pos)
            return space.by_name[first.id]
        return 2**64 if high else -1


class MatchSet(IndexedSet):
    """`Match(Index(i), terms)`: entries ordered by values then doc id; element = the values (scalar when
    one, array when several, the ref when none); cursor = values + [ref] (core `ast/Expression.scala`
    fromIndexTerms, IndexTuple.scala)."""

    has_history = True

    def __init__(self, index_ref: Ref, terms: List[Any]):
        self.index_ref = index_ref
        self.terms = terms
        self.idx: Any = None

    def _index(self, ctx: Context, pos: List[Any]):
        db, idx = index(ctx, self.index_ref, pos)
        # An index the key may not read is refused as a whole (core set/IndexSet.scala filteredForRead ->
        # None -> ReadAdaptor.setForRead PermissionDenied at the set's position).
        require(ctx, ("index", idx.name), "read", pos, lambda: list(self.terms))
        if (db.path, idx.name) in ctx.txn.created_indexes:
            raise errors.same_txn_index(pos)
        if not idx.active:
            raise errors.index_inactive(idx.name, pos)
        self.idx = idx
        return idx

    def _partition(self, ctx: Context, pos: List[Any]):
        return self._index(ctx, pos).partition(self.terms)

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        part = self._partition(ctx, pos)
        spaces = [collection(ctx, Ref(name, Ref("collections"), self.index_ref.database), pos)[1] for name in self.idx.sources]
        if ctx.ts < ctx.now:
            for space in spaces:
                check_mvt(ctx, space)
        keys = part.keys_at(ctx.ts) if part is not None else []
        # Entries of documents expired by ttl are dropped on read (core IndexSpec "ttl on read"); entries
        # of documents the key may not read are filtered out (ReadAdaptor paginate, `isFiltered`).
        for space in spaces:
            expired = space.expired_at(ctx.ts, ctx.now) if space.ttl_keys else ()
            if expired:
                keys = [k for k in keys if k[-1] != space.name or k[-2] not in expired]
            everyone = unconditional(ctx, ("collection", space.name), "read")
            if everyone is False:
                keys = [k for k in keys if k[-1] != space.name]
            elif everyone is None:
                mine = [(k, self.idx.entries[k][1]) for k in keys if k[-1] == space.name]
                allowed_keys = set(readable(ctx, space.name, mine))
                keys = [k for k in keys if k[-1] != space.name or k in allowed_keys]
        return keys

    def element(self, key: Tuple[Any, ...]) -> Any:
        values, ref = self.idx.entries[key]
        if not values:
            return ref
        if len(values) == 1:
            return values[0]
        return list(values)

    def cursor(self, key: Tuple[Any, ...]) -> List[Any]:
        values, ref = self.idx.entries[key]
        return list(values) + [ref]

    def cursor_key(self, ctx: Context, values: List[Any], pos: List[Any], high: bool) -> Any:
        idx = self._index(ctx, pos)
        out: List[Any] = []
        for i, v in enumerate(values):
            if i < len(idx.values):
                k = sort_key(v)
                out.append(Reversed(k) if idx.values[i][1] else k)
            elif isinstance(v, Ref):
                if v.collection is not None and v.collection.kind == "collections":
                    collection(ctx, v.collection, pos)
                out.append(int(v.id) if v.id.isdigit() else -1)
                out.append(v.collection.id if v.collection is not None else "")
                break
        if high:
            out.append(HIGHEST)
        return tuple(out)

    def events(self, ctx: Context, pos: List[Any]):
        idx = self._index(ctx, pos)
        part = idx.partition(self.terms)
        if part is None:
            return []
        # retention of the source collection(s): the most generous one bounds the events served
        mvt = min(
            ctx.store.min_valid_time(collection(ctx, Ref(name, Ref("collections"), self.index_ref.database), pos)[1], ctx.now)
            for name in idx.sources
        )
        out = []
        for ts, skey, action in part.events_from(mvt):
            if ts > ctx.ts:
                break
            values, ref = idx.entries[skey]
            event = {"ts": ts, "action": action, "document": ref}
            if values:
                event["data"] = list(values)
            out.append(((ts, skey[-2], ACTION_ORDER[action], skey), event))
        out.sort(key=lambda e: e[0][:3])
        return out


class RangeSet(IndexedSet):
    """`Range(set, from, to)`: both bounds inclusive, prefix matching, `[]` unbounded (core RangeSet.scala
    compareCursors)."""

    def __init__(self, inner: IndexedSet, lo: List[Any], hi: List[Any]):
        self.inner = inner
        self.lo = lo
        self.hi = hi

    def _bounds(self, ctx: Context, keys: List[Any], pos: List[Any]) -> Tuple[int, int]:
        lo = bisect.bisect_left(keys, self.inner.cursor_key(ctx, self.lo, pos, False)) if self.lo else 0
        hi = bisect.bisect_right(keys, self.inner.cursor_key(ctx, self.hi, pos, True)) if self.hi else len(keys)
        return lo, max(lo, hi)

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        keys = self.inner.keys(ctx, pos)
        lo, hi = self._bounds(ctx, keys, pos)
        return keys[lo:hi] if (lo, hi) != (0, len(keys)) else keys

    def element(self, key: Any) -> Any:
        return self.inner.element(key)

    def cursor(self, key: Any) -> List[Any]:
        return self.inner.cursor(key)

    def cursor_key(self, ctx: Context, values: List[Any], pos: List[Any], high: bool) -> Any:
        return self.inner.cursor_key(ctx, values, pos, high)

    def event_ref_key(self, ref: Ref) -> Any:
        return self.inner.event_ref_key(ref)


class ReverseSet(IndexedSet):
    """`Reverse(set)`: the set's elements and cursors in descending order (core set/ReverseSet.scala).

    A key is the inner key wrapped in `Reversed`, so the keys stay ascending for bisection. A cursor
    sent back is taken at its high end: `after: c` starts at c itself and walks down (core
    queries/ReverseFunctionSpec.scala "range": after(15) over 10..20 reads 15 down to 10). Events are
    refused, of a reversed set and reversed: the shape stays historical and ReverseSet.history throws
    InvalidHistoricalSetException.
    """

    def __init__(self, inner: IndexedSet):
        self.inner = inner

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        if isinstance(self.inner, EventsSet):
            raise errors.invalid_argument("Set does not support events history.", pos[:-1])
        return [Reversed(key) for key in reversed(self.inner.keys(ctx, pos))]

    def element(self, key: Reversed) -> Any:
        return self.inner.element(key.key)

    def cursor(self, key: Reversed) -> Any:
        return self.inner.cursor(key.key)

    def cursor_key(self, ctx: Context, values: List[Any], pos: List[Any], high: bool) -> Any:
        return Reversed(self.inner.cursor_key(ctx, values, pos, not high))


class EventsSet(IndexedSet):
    """`Events(set)` / `Paginate(set, events: true)`: add/remove events ordered by (ts, doc id, action);
    cursors in the forms of core `Parser.scala` CursorParser.parseEvent."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.by_key: Dict[Any, Dict[str, Any]] = {}

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        if not self.inner.has_history:
            # Events of a derived set such as Range: 400 at the Paginate call (core Renderable.scala
            # InvalidHistoricalSet; RangeFunctionSpec "does not support historical events reads")
            raise errors.invalid_argument("Set does not support events history.", pos[:-1])
        events = self.inner.events(ctx, pos)
        self.by_key = {k: e for k, e in events}
        return [k for k, _ in events]

    def element(self, key: Any) -> Dict[str, Any]:
        return self.by_key[key]

    def cursor(self, key: Any) -> Dict[str, Any]:
        event = self.by_key[key]
        cursor = {"ts": event["ts"], "action": event["action"], "document": event["document"]}
        if "data" in event and not isinstance(self.inner, DocEventsSet):
            cursor["data"] = event["data"]  # index with values: {ts, action, document, data} (Renderable.scala)
        return cursor

    def cursor_of_sent(self, sent: Any, pos: List[Any]) -> Dict[str, Any]:
        """A timestamp cursor sent back is echoed as an event cursor without a ref (core EventSpec "do not
        render the root ref"): {"ts": T, "action": "add"}."""
        ts = sent.micros if isinstance(sent, Time) else sent[0] if isinstance(sent, list) and sent else sent
        return {"ts": ts, "action": "add"}

    def event_cursor_key(self, ctx: Context, cursor: Any, pos: List[Any]) -> Any:
        if cursor is None:
            return (HIGHEST,)
        if isinstance(cursor, Time):
            return (cursor.micros,)
        if isinstance(cursor, Date):
            return ((cursor.toordinal() - Date(1970, 1, 1).toordinal()) * 86_400_000_000,)
        if isinstance(cursor, int) and not isinstance(cursor, bool):
            return (cursor,)
        if isinstance(cursor, list) and len(cursor) == 1:
            return self.event_cursor_key(ctx, cursor[0], pos)
        if isinstance(cursor, dict):
            keys = set(cursor)
            if keys in ({"ts"}, {"ts", "action"}):
                # missing ref = DocID.MaxValue: excludes every event at exactly ts
                return (args.timestamp_micros(cursor["ts"], pos), HIGHEST)
            for ref_key_name in ("document", "resource", "instance"):
                extra = {"values", "data"}
                if "ts" in keys and "action" in keys and ref_key_name in keys and keys - {"ts", "action", ref_key_name} <= extra:
                    ts = args.timestamp_micros(cursor["ts"], pos)
                    ref = args.ref(cursor[ref_key_name], pos)
                    return (ts, self.inner.event_ref_key(ref), ACTION_ORDER.get(cursor["action"], 0))
            raise errors.bad_event_cursor(sorted(keys), pos)
        raise errors.wrong_type("Integer, Time or Object", describe(cursor), pos)


class DocEventsSet(IndexedSet):
    """`Events(ref)`: create/update/delete with data (full / changed fields / null) (core
    Renderable.scala DocEventL, queries/EventSpec.scala)."""

    has_history = True

    def __init__(self, ref: Ref):
        self.ref = ref

    def events(self, ctx: Context, pos: List[Any]):
        _, space, key = document(ctx, self.ref, pos)
        # a document's own history needs history_read (core set/DocSet.scala filteredForRead)
        require(ctx, ("collection", space.name), "history_read", pos, lambda: self.ref)
        doc = space.docs.get(key)
        if doc is None:
            return []
        mvt = ctx.store.min_valid_time(space, ctx.now)
        out, prev = [], None
        for v in doc.versions:
            if v.ts > ctx.ts:
                break
            body = v.body
            data = body.get("data") if body is not None else None
            if body is None:
                action, shown = "delete", None
            elif prev is None:  # first version, or re-created after a delete
                action, shown = "create", data
            else:
                action = "update"
                old = prev or {}
                new = data or {}
                shown = {k: val for k, val in new.items() if old.get(k, object()) != val}
                shown.update({k: None for k in old if k not in new})
            if v.ts >= mvt:
                out.append(((v.ts, key, ACTION_ORDER[action]), {"ts": v.ts, "action": action, "document": self.ref, "data": shown}))
            prev = data if body is not None else None
        return out


# -- constructors ---------------------------------------------------------------------------------
@function("documents")
def _documents(ctx: Context, pos: List[Any], coll: Any) -> SetRef:
    ref = args.ref(coll, pos + ["documents"])
    return SetRef({"documents": ref}, DocumentsSet(ref))


@function("match", optional=("terms",))
def _match(ctx: Context, pos: List[Any], idx: Any, terms: Any = None) -> SetRef:
    ref = args.ref(idx, pos + ["match"])
    if terms is None:
        term_list: List[Any] = []
        wire: Dict[str, Any] = {"match": ref}
    else:
        term_list = terms if isinstance(terms, list) else [terms]
        wire = {"match": ref, "terms": terms}
    return SetRef(wire, MatchSet(ref, term_list))


@function("range", "from", "to")
def _range(ctx: Context, pos: List[Any], source: Any, lo: Any, hi: Any) -> SetRef:
    s = args.set_ref(source, pos + ["range"])
    bound = lambda b: b if isinstance(b, list) else [b]  # noqa: E731 - scalar bounds (driver test_query.py::test_range)
    return SetRef({"range": s, "from": lo, "to": hi}, RangeSet(s.spec, bound(lo), bound(hi)))


@function("events")
def _events(ctx: Context, pos: List[Any], source: Any) -> SetRef:
    if isinstance(source, Ref) and source.kind is None and source.collection is not None:
        return SetRef({"events": source}, EventsSet(DocEventsSet(source)))
    s = args.set_ref(source, pos + ["events"])
    return SetRef({"events": s}, EventsSet(s.spec))


@function("singleton")
def _singleton(ctx: Context, pos: List[Any], ref: Any) -> SetRef:
    r = args.ref(ref, pos + ["singleton"])
    return SetRef({"singleton": r}, _SingletonSet(r))


class _SingletonSet(IndexedSet):
    has_history = True

    def __init__(self, ref: Ref):
        self.ref = ref

    def keys(self, ctx: Context, pos: List[Any]) -> List[Any]:
        from fauna_local.language.functions.read import read_version

        return [0] if read_version(ctx, self.ref, pos, missing_ok=True) is not None else []

    def element(self, key: Any) -> Ref:
        return self.ref

    def cursor(self, key: Any) -> List[Any]:
        return [self.ref]

    def cursor_key(self, ctx: Context, values: List[Any], pos: List[Any], high: bool) -> Any:
        return 1 if high else 0

    def events(self, ctx: Context, pos: List[Any]):
        """add when the document comes to exist, remove when it is deleted (driver test_singleton_events)."""
        out = []
        for key, event in DocEventsSet(self.ref).events(ctx, pos):
            if event["action"] != "update":
                action = "add" if event["action"] == "create" else "remove"
                out.append(((key[0], key[1], ACTION_ORDER[action]), {"ts": event["ts"], "action": action, "document": self.ref}))
        return out


def as_set(value: Any, pos: List[Any]) -> IndexedSet:
    """A set value, or a native ref (`Ref("collections")`) which pages like `Collections()`."""
    if isinstance(value, SetRef):
        return value.spec
    if isinstance(value, Ref) and value.collection is None and value.id in NATIVE_SPACES:
        return SchemaSet(value.id, value.database)
    if isinstance(value, Ref) and value.collection is not None:
        return _SingletonSet(value)
    raise errors.wrong_type("Set", describe(value), pos)


# -- paginate ---------------------------------------------------------------------------------------
def compile_cursor(expr: Any, pos: Tuple[Any, ...], depth: int):
    """`cursor: {"after": c}` / `{"before": c}` is cursor syntax, not an object expression (core Parser.scala)."""
    if isinstance(expr, dict) and len(expr) == 1 and next(iter(expr)) in ("after", "before"):
        side, inner = next(iter(expr.items()))
        node = compile_expr(inner, pos + (side,), depth + 1)
        return lambda ctx: {side: node(ctx)}
    if isinstance(expr, dict) and not any(k in FUNCTIONS or k.startswith("@") for k in expr):
        return lambda ctx: {}  # neither a cursor nor an expression: rejected as an invalid cursor object
    return compile_expr(expr, pos, depth)


@function("paginate", optional=("after", "before", "cursor", "ts", "size", "events", "sources"), lazy=True, arg_compilers={"cursor": compile_cursor})
def _paginate(ctx: Context, pos: List[Any], source, after=None, before=None, cursor=None, ts=None, size=None, events=None, sources=None) -> Dict[str, Any]:
    if sum(x is not None for x in (after, before, cursor)) > 1:
        raise errors.invalid_expression("Only one of after, before or cursor may be given.", pos)
    if ts is not None:
        at = args.timestamp_micros(ts(ctx), pos + ["ts"])
        ctx = ctx.derive(ts=min(at, ctx.ts))
    n = DEFAULT_PAGE_SIZE
    if size is not None:
        n = args.integer(size(ctx), pos + ["size"])
        if n < 0:
            raise errors.invalid_argument("Page size must be non-negative.", pos + ["size"])
        n = min(n, MAX_PAGE_SIZE)
    target = source(ctx)
    want_events = events is not None and args.boolean(events(ctx), pos + ["events"])
    if want_events and isinstance(target, Ref) and target.kind is None and target.collection is not None:
        spec: IndexedSet = EventsSet(DocEventsSet(target))  # Paginate(ref, events) = the document's history
    else:
        spec = as_set(target, pos + ["paginate"])
        if want_events and not isinstance(spec, EventsSet):
            spec = EventsSet(spec)
    direction, sent = "after", None
    if after is not None:
        sent = after(ctx)
    elif before is not None:
        direction, sent = "before", before(ctx)
    elif cursor is not None:
        c = args.plain(cursor(ctx))
        if not isinstance(c, dict) or len(c) != 1 or not ({"after", "before"} & set(c)):
            raise errors.invalid_argument("Invalid cursor object. Expected an object with either 'before' or 'after' key in it.", pos + ["cursor"])
        direction, sent = next(iter(c.items()))
    if sent is not None and not isinstance(sent, list) and not isinstance(spec, EventsSet):
        sent = [sent]  # a bare value acts as a one-element cursor and is echoed as one
    has_cursor = after is not None or before is not None or cursor is not None
    p = pos + ["paginate"]
    keys = spec.keys(ctx, p)
    key = _cursor_key(ctx, spec, sent, direction, pos + [direction if cursor is None else "cursor"]) if has_cursor else None
    # The cursor that was sent comes back on the side it was sent from (core PaginateFunction.scala: on ascending
    # pages the returned `before` is the `after` sent, and vice versa); the other side is the next key, if any.
    page: Dict[str, Any] = {}
    if direction == "after":
        start = bisect.bisect_left(keys, key) if key is not None else 0
        end = start + n
        chosen = keys[start:end]
        if sent is not None:
            page["before"] = sent
        if n == 0:
            if sent is not None:
                page["after"] = sent
            # core model/src/test/scala/set/BasicSetSpec.scala "can get page of size 0": without a cursor
            # neither side is given; After(x) or Before(x) comes back as both
        elif end < len(keys):
            page["after"] = spec.cursor(keys[end])
    else:
        stop = bisect.bisect_left(keys, key) if key is not None else len(keys)
        begin = max(0, stop - n)
        chosen = keys[begin:stop]
        if n == 0:
            if sent is not None:
                page["before"] = sent
        elif begin > 0:
            page["before"] = spec.cursor(keys[begin])
        if sent is not None:
            page["after"] = sent
    element = spec.element
    if sources is not None and args.boolean(sources(ctx), pos + ["sources"]):
        # {"sources": [SetRef], "value": element} (driver tests/test_query.py::test_paginate sources=True)
        origin = [source(ctx)]
        page["data"] = [{"sources": origin, "value": element(k)} for k in chosen]
    else:
        page["data"] = [element(k) for k in chosen]
    if isinstance(spec, EventsSet):
        for side in ("before", "after"):
            if side in page and not isinstance(page[side], dict) and page[side] is not None:
                page[side] = spec.cursor_of_sent(args.plain(page[side]), pos)
    return page


def _cursor_key(ctx: Context, spec: IndexedSet, sent: Any, direction: str, pos: List[Any]) -> Any:
    if isinstance(spec, EventsSet):
        return spec.event_cursor_key(ctx, args.plain(sent), pos)
    if sent is None:
        if isinstance(spec, ReverseSet):
            return HIGHEST
        return (HIGHEST,) if not isinstance(spec, (DocumentsSet, SchemaSet)) else 2**64
    values = sent if isinstance(sent, list) else [sent]
    for v in values:
        if isinstance(v, Ref) and v.kind is not None and v.kind != getattr(spec, "kind", None):
            from fauna_local.language.functions.read import read_version

            if read_version(ctx, v, pos, missing_ok=True, as_reader=False) is None:
                raise undefined(v, pos)
    return spec.cursor_key(ctx, values, pos, False)
