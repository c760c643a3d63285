"""FQL v4 expressions the connector sends, built as pure functions (no I/O).

Every read of documents runs `At(snapshot, …)`, so that all pages of one stream in one sync see
one consistent state of the database, whatever is written while the sync runs.
"""

import warnings
from typing import Any, Optional

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # faunadb's FQL v4 notice; see fauna_gateway
    from faunadb import query as q


class FqlLiteral:
    """An expression given as the JSON to send, e.g. a page cursor Fauna sent.

    `to_fauna_json` is the method the driver's query builder leaves alone (it passes through any
    value that is not a dict, list or function) and that `fauna_gateway.encode` calls.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def to_fauna_json(self) -> Any:
        return self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FqlLiteral) and self.value == other.value

    def __repr__(self) -> str:
        return f"FqlLiteral({self.value!r})"


# `before: null` starts a backwards walk at the end of a set (core: SetSpec.collDescending); the
# driver drops arguments that are None, so the null is passed as an explicit expression.
_END_OF_SET = FqlLiteral(None)


def _page_options(size: int, after: Any) -> dict:
    return {"size": size, "after": after} if after is not None else {"size": size}


def server_time() -> Any:
    """The node's current time in µs: the snapshot a sync reads at."""
    return q.to_micros(q.now())


def collections_page(size: int, after: Any = None) -> Any:
    """Collection documents (name, history_days, …) of the key's database, in creation order."""
    return q.map_(q.lambda_("c", q.get(q.var("c"))), q.paginate(q.collections(), **_page_options(size, after)))


def databases_page(size: int, after: Any = None) -> Any:
    """Refs of the databases directly inside the key's database (listing them needs an admin key)."""
    return q.paginate(q.databases(), **_page_options(size, after))


def index_refs_page(size: int, after: Any = None) -> Any:
    return q.paginate(q.indexes(), **_page_options(size, after))


def indexes_page(size: int, after: Any = None) -> Any:
    """Index documents (source, terms, values, active) of the key's database."""
    return q.map_(q.lambda_("i", q.get(q.var("i"))), index_refs_page(size, after))


def get(ref: Any) -> Any:
    return q.get(ref)


def first_document(collection_name: str) -> Any:
    return q.map_(q.lambda_("ref", q.get(q.var("ref"))), q.paginate(q.documents(q.collection(collection_name)), size=1))


def document_probe(collection_name: str) -> Any:
    """Get of one document id: 403 when the key may not read the collection's documents, else 404 or
    the document (core ReadAdaptor `get` checks the read privilege whether the document exists or not)."""
    return q.get(q.ref(q.collection(collection_name), "1"))


def sample_page(collection_name: str, size: int, after: Any = None) -> Any:
    """The `data` of one page of the collection's documents, in document-id order (`{}` for a document without data)."""
    documents = q.paginate(q.documents(q.collection(collection_name)), **_page_options(size, after))
    return q.map_(q.lambda_("ref", q.select(["data"], q.get(q.var("ref")), {})), documents)


def newest_sample_page(index: str, size: int, after: Any = None) -> Any:
    """The `data` of one page of the documents of a `[ts, ref]` index, most recently modified first.

    `Reverse` reads the index from its end and pages on with `after` cursors (core set/ReverseSet.scala).
    """
    entries = q.paginate(q.reverse(q.match(q.index(index))), **_page_options(size, after))
    return q.map_(q.lambda_("entry", q.select(["data"], q.get(q.select(1, q.var("entry"))), {})), entries)


def first_index_entry(index: str) -> Any:
    return q.paginate(q.match(q.index(index)), size=1)


def edge_refs(collection_name: str, snapshot: int) -> Any:
    """The first and the last document ref of the collection as of `snapshot`, in one round trip."""
    documents = q.documents(q.collection(collection_name))
    return q.at(snapshot, [q.paginate(documents, size=1), q.paginate(documents, size=1, before=_END_OF_SET)])


def snapshot_page(collection_name: str, snapshot: int, size: int, after: Any = None) -> Any:
    """One page of every document of the collection, as of `snapshot`, in document-id order."""
    documents = q.paginate(q.documents(q.collection(collection_name)), **_page_options(size, after))
    return q.at(snapshot, q.map_(q.lambda_("ref", q.get(q.var("ref"))), documents))


def range_page(index: str, lower: int, upper: Optional[int], snapshot: int, size: int, after: Any = None) -> Any:
    """One page of the documents whose `ts` lies in [lower, upper] (both inclusive), as of `snapshot`.

    The index's values begin with `ts` then `ref`, so an entry is `[ts, ref, …]` and the page
    cursor is `[ts, ref, ref]`; documents written in one transaction share a `ts` and come in ref order.
    """
    entries = q.paginate(
        q.range(q.match(q.index(index)), [lower], [upper] if upper is not None else []),
        **_page_options(size, after),
    )
    return q.at(snapshot, q.map_(q.lambda_("entry", q.get(q.select(1, q.var("entry")))), entries))


def next_change(index: str, collection_name: str, lower: int, snapshot: int, events: bool) -> Any:
    """The first index entry (and, with `events`, the first event) at or after `lower`, as of `snapshot`."""
    return q.at(snapshot, _change_probes(index, collection_name, lower, events))


def opening(collection_name: str, index: Optional[str], changes_from: Optional[int], events: bool) -> Any:
    """The first query of a collection's read, in one round trip: the node's time in µs (the snapshot S), the
    collection's first document, and the first entry of its `[ts, ref]` index, from `changes_from` when given
    (with, if `events`, the first event from it). Read without `At`, so as of S itself.
    """
    if index is None:
        return [server_time(), first_document(collection_name)]
    probes = [first_index_entry(index)] if changes_from is None else _change_probes(index, collection_name, changes_from, events)
    return [server_time(), first_document(collection_name), *probes]


def _change_probes(index: str, collection_name: str, lower: int, events: bool) -> list:
    probes = [q.paginate(q.range(q.match(q.index(index)), [lower], []), size=1)]
    if events:
        probes.append(q.paginate(q.documents(q.collection(collection_name)), events=True, after=lower, size=1))
    return probes


def removals_page(collection_name: str, after: Any, snapshot: int, size: int) -> Any:
    """One page of the collection's `remove` events from `after` on, as of `snapshot`.

    Filtering runs after pagination, so a page may hold no removal yet still carry an `after`
    cursor: the reader follows the cursor, not the data, and so never re-reads or skips an event.
    """
    events = q.paginate(q.documents(q.collection(collection_name)), events=True, size=size, after=after)
    removals = q.filter_(q.lambda_("event", q.equals(q.select("action", q.var("event")), "remove")), events)
    return q.at(snapshot, removals)


def wire_literal(value: Any) -> Any:
    """An expression that evaluates to a wire value Fauna sent, e.g. a page's `after` cursor.

    Arrays and tagged values (`@ref`, `@ts`, …) are valid expressions as they are; plain objects
    must be wrapped in `{"object": …}`, as the driver does for dicts.
    """
    return FqlLiteral(_as_expression(value))


def _as_expression(value: Any) -> Any:
    if isinstance(value, list):
        return [_as_expression(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (key,) = value
            if key == "@obj":
                return {"object": {k: _as_expression(v) for k, v in value[key].items()}}
            if key.startswith("@"):
                return value
        return {"object": {k: _as_expression(v) for k, v in value.items()}}
    return value


def cursor_expression(after: Any) -> Any:
    """The expression of a page's `after` cursor as Fauna sent it; None (the first page) stays None."""
    return wire_literal(after) if after is not None else None
