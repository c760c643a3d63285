"""What the components share within one process: the parsed config, the gateways, the catalog.

The CDK builds components separately (a lister per stream template, a retriever and a schema
loader per stream) but hands them all the same config object; keying the runtime on it lets them
share one connection pool and read the collection list once per command instead of once per
component. Readers are kept by stream name; each reads through the gateway of its stream's
database (one per database secret, all over the one pool).
"""

import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from source_fauna.catalog import CollectionInfo, load_catalog
from source_fauna.databases import synced_databases
from source_fauna.config import CollectionSettings, FaunaConfig, parse_config
from source_fauna.errors import config_error
from source_fauna.fauna_gateway import FaunaGateway
from source_fauna.reader import CollectionReader
from source_fauna.sampling import sample_columns
from source_fauna.schema import configured_columns_schema
from source_fauna.stream_names import DatabasePath, split_stream_name
from source_fauna.typed_columns import columns_from_schema

# Child databases are listed with this role (only admin may list databases) and read with the other, which never writes.
LISTING_ROLE = "admin"
READING_ROLE = "server-readonly"

# Where `SourceFauna` puts, for a read in schema mode `typed`, the JSON schema of each configured
# stream: its typed columns are those the destination was set up with, not a fresh sample's.
CONFIGURED_SCHEMAS_KEY = "__fauna_configured_schemas"

if TYPE_CHECKING:
    from source_fauna.components import FaunaPaginator

_runtimes: Dict[int, Tuple[Mapping[str, Any], "FaunaRuntime"]] = {}
_runtimes_lock = threading.Lock()
_MAX_RUNTIMES = 8  # a long-lived process (the Builder's server) sees many configs; keep the latest


class FaunaRuntime:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config: FaunaConfig = parse_config(config)
        self._configured_schemas: Mapping[str, Any] = config.get(CONFIGURED_SCHEMAS_KEY) or {}
        self._settings: Dict[str, CollectionSettings] = {}
        self._lock = threading.Lock()
        self._gateway: Any = None
        self._scoped: Dict[Tuple[DatabasePath, str], FaunaGateway] = {}
        self._gateways_lock = threading.Lock()  # not self._lock: the catalog is loaded, with queries, under that one
        self._catalog: Any = None
        self.databases: List[DatabasePath] = []  # those whose collections are synced, once the catalog is loaded
        self._readers: Dict[str, CollectionReader] = {}
        self._saved_snapshots: Dict[str, Mapping[str, Any]] = {}

    def resume_snapshots(self, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Keeps the states of snapshots in progress, by stream, for the retrievers that read those streams.

        The CDK must not see them (see source.py): any state would route the stream to its incremental reads.
        """
        self._saved_snapshots.update(states)

    def saved_snapshot(self, stream: str) -> Optional[Mapping[str, Any]]:
        """The state of the snapshot in progress that a previous attempt saved for `stream`, if any."""
        return self._saved_snapshots.get(stream)

    @property
    def gateway(self) -> FaunaGateway:
        with self._gateways_lock:
            if self._gateway is None:
                # A connection per query that may be in flight: a smaller pool would open, use and
                # drop a connection (a TLS handshake each) for every query beyond it, with a warning.
                self._gateway = FaunaGateway(self.config.connection, pool_size=self.config.concurrent_queries)
            return self._gateway

    def gateway_for(self, database: DatabasePath, role: str = READING_ROLE) -> FaunaGateway:
        """The gateway of the key's database `()`, or of a child database with `role` (a scoped secret)."""
        gateway = self.gateway
        if not database:
            return gateway
        with self._gateways_lock:
            if (database, role) not in self._scoped:
                self._scoped[database, role] = gateway.scoped(database, role)
            return self._scoped[database, role]

    def catalog(self, paginator: "FaunaPaginator") -> List[CollectionInfo]:
        with self._lock:
            if self._catalog is None:
                databases: List[DatabasePath] = [()]
                if self.config.child_databases.mode != "none":
                    databases = synced_databases(lambda database: self.gateway_for(database, LISTING_ROLE), self.config.child_databases, paginator)
                self._catalog = load_catalog(self.gateway_for, self.config, paginator, databases)
                self.databases = databases
            return self._catalog

    def reader(self, stream: str, paginator: "FaunaPaginator") -> CollectionReader:
        """The reader of `stream`, one of this runtime's catalog: every stream is made from the catalog's
        listing (dynamic_streams), and a configured stream the source no longer offers is never read (read_outcome)."""
        info = {info.name: info for info in self.catalog(paginator)}[stream]
        gateway = self.gateway_for(info.database)
        # Outside the lock: it may sample (queries). Records name the collection as its database does (a ref's `collection`).
        settings = replace(self.collection_settings(stream, paginator), name=info.collection)
        with self._lock:
            if stream not in self._readers:
                self._readers[stream] = CollectionReader(gateway, info, settings, self.config.readers_per_collection)
            return self._readers[stream]

    def collection_settings(self, collection: str, paginator: Optional["FaunaPaginator"]) -> CollectionSettings:
        """The collection's settings; in schema mode `typed` with its typed columns: those of the configured
        catalog when a read has one, else from a sample of the collection's documents (read once)."""
        settings = self.config.for_collection(collection)
        if not self.config.typed:
            return settings
        if collection in self._settings:
            return self._settings[collection]
        configured = self._configured_schemas.get(collection)
        if configured is not None:
            columns = columns_from_schema(configured.get("properties") or {}, catch_all=not settings.data_column)
        elif paginator is None:
            raise config_error(f"The columns of collection '{collection}' cannot be sampled here: schema mode `typed` needs a connection.")
        else:
            database, name = split_stream_name(collection)
            ts_index = next((info.ts_index for info in self.catalog(paginator) if info.name == collection), None)
            columns = sample_columns(self.gateway_for(database), replace(settings, name=name), self.config.sample_size, paginator, ts_index)
        typed = replace(settings, typed_columns=columns)
        with self._lock:
            return self._settings.setdefault(collection, typed)


def runtime_for(config: Mapping[str, Any]) -> FaunaRuntime:
    """The runtime of this config object (one per source instance)."""
    with _runtimes_lock:
        entry = _runtimes.get(id(config))
        if entry is None or entry[0] is not config:
            entry = (config, FaunaRuntime(config))
            _runtimes[id(config)] = entry
            while len(_runtimes) > _MAX_RUNTIMES:
                del _runtimes[next(iter(_runtimes))]
        return entry[1]


def configured_columns_schema_for(config: Mapping[str, Any], collection: str, paginator: Optional["FaunaPaginator"] = None) -> Mapping[str, Any]:
    """In schema mode `schemaless` these columns follow from the config alone: no connection is made."""
    parsed = parse_config(config)
    if not parsed.typed:
        return configured_columns_schema(parsed.for_collection(collection))
    return configured_columns_schema(runtime_for(config).collection_settings(collection, paginator))
