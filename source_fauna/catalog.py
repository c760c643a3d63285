"""What the key can see: the collections to sync and, for each, the index incremental reads use.

One routine (`load_catalog`) serves check, discover, read and the Connector Builder, so each
reports the same problem with the same message. It validates every user choice against the
database: unknown collections, a named index that does not fit, collections whose history is too
short to keep removals between syncs.

An index fits incremental reads when it is active, its source is the collection alone, it has
no terms, and its values begin with `ts` then `ref` (neither reversed). Fauna echoes field
specs exactly as they were written (`"ts"` or `["ts"]`), so both spellings are accepted.
"""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from source_fauna import queries
from source_fauna.config import FaunaConfig
from source_fauna.errors import AccessDenied, DocumentNotFound, Unauthorized, config_error
from source_fauna.fauna_gateway import FaunaGateway
from source_fauna.stream_names import SEPARATOR, DatabasePath, split_stream_name, stream_name, table_name

if TYPE_CHECKING:
    from source_fauna.components import FaunaPaginator

logger = logging.getLogger("airbyte")

MICROS_PER_DAY = 86_400_000_000
# Fauna keeps history for history_days plus this offset before it may drop it (core: Collection.MVTOffset).
HISTORY_OFFSET_MICROS = 15 * 60 * 1_000_000
SHORT_HISTORY_DAYS = 2


@dataclass(frozen=True)
class CollectionInfo:
    name: str  # the stream's name: the collection's, after its database path in a child database (stream_names.py)
    history_days: Optional[int]  # None: history is kept forever
    ts_index: Optional[str] = None
    index_notes: Tuple[str, ...] = ()  # why the collection's indexes were not chosen

    @property
    def database(self) -> DatabasePath:
        return split_stream_name(self.name)[0]

    @property
    def collection(self) -> str:
        """The collection's name in its database."""
        return split_stream_name(self.name)[1]

    def incremental_advice(self) -> str:
        """What to do so that the collection can be read incrementally."""
        return " ".join(self.index_notes + (index_to_create(self.collection),))

    def history_micros(self) -> Optional[int]:
        if self.history_days is None:
            return None
        return self.history_days * MICROS_PER_DAY + HISTORY_OFFSET_MICROS


def load_catalog(
    gateway_for: Callable[[DatabasePath], FaunaGateway], config: FaunaConfig, paginator: "FaunaPaginator", databases: Sequence[DatabasePath] = ((),)
) -> List[CollectionInfo]:
    """The collections of `databases` to sync, database by database in the database's order, validated against the config.

    Two queries per database (its collections, then its indexes when some of them are synced). A child database
    whose collections cannot be listed (deleted since it was listed, or refused) is left out with an error naming it.
    """
    listed = []
    for database in databases:
        try:
            listed += [(database, document) for document in items(gateway_for(database), paginator, queries.collections_page, _in(database, "list the collections"))]
        except (AccessDenied, Unauthorized) as error:
            if not database:
                raise
            logger.error(f"Leaving child database '{SEPARATOR.join(database)}' out of this sync: {error.message}")
    if not listed:
        raise config_error("The key sees no collections in its database: check that `secret` belongs to the database to sync.")
    by_name = {stream_name(database, document["name"]): (database, document) for database, document in listed}
    unknown = [name for name in list(config.collections) + list(config.settings) if name not in by_name]
    if unknown:
        raise config_error(
            f"Collection(s) {', '.join(repr(name) for name in unknown)} named in `collections` or "
            f"`collection_settings` do not exist in this database (found: {', '.join(sorted(by_name)) or 'none'})."
        )
    wanted = [name for name in by_name if config.wants(name)]
    _refuse_table_clashes(wanted)
    indexes: Dict[DatabasePath, List[Mapping[str, Any]]] = {}
    catalog = []
    for name in wanted:
        database, document = by_name[name]
        if database not in indexes:
            indexes[database] = _readable_indexes(gateway_for(database), paginator, database)
        chosen, notes = choose_index(document["name"], indexes[database], config.for_collection(name).index)
        for note in notes:
            logger.info(note if not database else f"In child database '{SEPARATOR.join(database)}': {note}")
        if config.for_collection(name).deleted_at_column:
            _warn_short_history(name, document["name"], document.get("history_days"))
        catalog.append(CollectionInfo(name=name, history_days=document.get("history_days"), ts_index=chosen, index_notes=tuple(notes)))
    return catalog


def _refuse_table_clashes(streams: List[str]) -> None:
    """A child database's stream may not share its destination table with another stream (see stream_names.table_name)."""
    tables: Dict[str, str] = {}
    for name in streams:
        other = tables.setdefault(table_name(name), name)
        if other != name and SEPARATOR in other + name:
            raise config_error(
                f"Streams '{other}' and '{name}' would land in the same table ('{table_name(name)}') in destinations that "
                "replace `/` with `_`. Leave one of them out with `collections` (or rename the collection or database)."
            )


def _in(database: DatabasePath, purpose: str) -> str:
    return f"{purpose} of child database '{SEPARATOR.join(database)}'" if database else purpose


def verify_access(gateway: FaunaGateway, info: CollectionInfo) -> None:
    """Reads apart what a reader's first query reads together (queries.opening): the collection's documents, then
    its incremental index, so that a refusal names what the key's role may not read.
    """
    verify_documents_readable(gateway, info.collection, info.name)
    if info.ts_index:
        gateway.query(
            queries.first_index_entry(info.ts_index),
            f"read index '{info.ts_index}' of collection '{info.name}' (its role needs `read` on Index(\"{info.ts_index}\"))",
        )


def verify_documents_readable(gateway: FaunaGateway, collection: str, name: Optional[str] = None, first_page: Optional[Mapping[str, Any]] = None) -> None:
    """Fails when the key may not read the documents of `collection` (`name`: its stream name, for messages;
    `first_page`: the collection's first page of one document, when already read).

    Fauna does not refuse `Documents()` to a key whose role may not read the documents: it leaves each
    of them out, so the set reads as empty (core model/set/DocumentsSet.scala `filteredForRead` and
    ast/functions/ReadAdaptor.scala). An empty first page is therefore told apart from an unreadable
    collection by reading one document id, which Fauna refuses with 403 whether or not it exists.
    """
    name = name or collection
    page = first_page if first_page is not None else gateway.query(queries.first_document(collection), f"read the documents of collection '{name}'")
    if page["data"]:
        return
    try:
        gateway.query(queries.document_probe(collection), f"read a document of collection '{name}'")
    except AccessDenied:
        raise config_error(
            f"The key may not read the documents of collection '{name}': Fauna shows it as empty, so a sync would "
            f"silently read nothing. Give the key's role `read` on Collection(\"{name}\") (a read predicate "
            f"must accept the documents), or leave '{name}' out of `collections`."
        ) from None
    except DocumentNotFound:
        pass  # readable, and empty


def _warn_short_history(stream: str, collection: str, history_days: Optional[int]) -> None:
    # Fauna forgets remove events older than history_days (+15 min); a sync that comes later
    # than that cannot know what was deleted and fails asking for a refresh of the stream.
    if history_days is not None and history_days < SHORT_HISTORY_DAYS:
        logger.warning(
            f"Collection '{stream}' keeps its history for only {history_days} day(s) plus 15 minutes "
            "(on a self-hosted node the default is 0): deletions are only seen by syncs that run at least that often. "
            f"Raise it above the time between two syncs, e.g. `Update(Collection(\"{collection}\"), {{history_days: 7}})`."
        )


def choose_index(collection: str, indexes: List[Mapping[str, Any]], named: Optional[str]) -> Tuple[Optional[str], List[str]]:
    """The index to read `collection` incrementally with, and why others were not chosen."""
    notes: List[str] = []
    fitting: List[Tuple[int, str]] = []
    for index in indexes:
        if not _is_on(index, collection):
            continue
        reason = unfit_reason(index)
        if reason:
            notes.append(f"Index '{index['name']}' on collection '{collection}' is not used for incremental reads: {reason}.")
        else:
            fitting.append((len(index["values"]), index["name"]))
    if named:
        if named in {name for _, name in fitting}:
            return named, notes
        problem = next((note for note in notes if f"'{named}'" in note), f"no index named '{named}' reads collection '{collection}'")
        raise config_error(
            f"`collection_settings` names index '{named}' for collection '{collection}', but it cannot be used: {problem} "
            + index_to_create(collection)
        )
    if not fitting:
        notes.append(f"Collection '{collection}' has no index with values [ts, ref] and no terms: it is offered in full refresh only.")
        return None, notes
    return min(fitting)[1], notes


def index_to_create(collection: str) -> str:
    """The index incremental reads need on `collection`, as an instruction."""
    return (
        f"Create an index with `source: Collection(\"{collection}\")`, no terms and "
        '`values: [{field: ["ts"]}, {field: ["ref"]}]`, wait until it is active, then refresh the source schema in Airbyte.'
    )


def unfit_reason(index: Mapping[str, Any]) -> Optional[str]:
    """Why an index on the collection cannot serve incremental reads, or None when it can."""
    if index.get("active") is not True:
        return "it is not active yet (Fauna is still building it)"
    if index.get("terms"):
        return "it has terms"
    values = index.get("values") or []
    if len(values) < 2:
        return "its values do not begin with ts then ref"
    for value, expected in zip(values[:2], ("ts", "ref")):
        if not isinstance(value, dict) or _field_path(value.get("field")) != [expected]:
            return "its values do not begin with ts then ref"
        if value.get("reverse"):
            return f"its {expected} value is reversed"
    return None


def _field_path(spec: Any) -> Optional[List[str]]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list) and all(isinstance(part, str) for part in spec):
        return spec
    return None


def _is_on(index: Mapping[str, Any], collection: str) -> bool:
    source = index.get("source")
    if isinstance(source, list):  # a source may be a list of sources; only a single one fits
        if len(source) != 1:
            return False
        source = source[0]
    if isinstance(source, dict) and "collection" in source and "@ref" not in source:
        source = source["collection"]  # {collection: ref, fields: …} form
    ref = source.get("@ref") if isinstance(source, dict) else None
    return bool(ref) and ref.get("id") == collection and "collections" == (ref.get("collection") or {}).get("@ref", {}).get("id")


def _readable_indexes(gateway: FaunaGateway, paginator: "FaunaPaginator", database: DatabasePath = ()) -> List[Mapping[str, Any]]:
    """Index documents the key may read; an index it may not read is skipped with a warning."""
    try:
        return list(items(gateway, paginator, queries.indexes_page, _in(database, "read the indexes")))
    except AccessDenied:  # one unreadable index fails the whole Map(Get) page: read them one by one
        pass
    readable = []
    for ref in items(gateway, paginator, queries.index_refs_page, _in(database, "list the indexes")):
        name = ref["@ref"]["id"]
        try:
            readable.append(gateway.query(queries.get(queries.wire_literal(ref)), f"read index '{name}'"))
        except AccessDenied:
            logger.warning(f"Skipping index '{name}': the key may not read it, so it cannot serve incremental reads.")
    return readable


def items(gateway: FaunaGateway, paginator: "FaunaPaginator", page_query: Callable[[int, Any], Any], purpose: str) -> Iterator[Any]:
    """Every item of a listing, page after page."""
    pages = paginator.pages(
        lambda size, after: page_query(size, queries.cursor_expression(after)), lambda query: gateway.query(query, purpose), purpose
    )
    for _, page in pages:
        yield from page["data"]
