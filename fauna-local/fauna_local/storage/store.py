"""The store: a tree of databases, each with collections, indexes, keys and child databases.

Every change happens inside a `Transaction` with one timestamp; a transaction keeps an undo log (so a
failed request leaves no trace) and a list of log records that `commit` hands to the write-ahead log.
Schema objects are versioned documents in native spaces ("collections", "indexes", "databases", "keys", "roles")
so that they page in creation order and can be read in the past like any document.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from fauna_local.storage.clock import Clock
from fauna_local.storage.documents import Document, Space, Version
from fauna_local.storage.indexes import Index
from fauna_local.storage.wal import WriteAheadLog
from fauna_local.values import Ref, schema_ref

NATIVE_SPACES = ("collections", "indexes", "databases", "keys", "roles")
BUILD_SYNC_SIZE = 128  # core doc/Index.scala BuildSyncSize
SNOWFLAKE_EPOCH_MS = 1_577_836_800_000  # 2020-01-01: ids of ~18 digits like Fauna's
MVT_OFFSET_MICROS = 15 * 60 * 1_000_000  # core doc/Collection.scala MVTOffset

# render(ref, ts, body) -> wire JSON of a document version; decode(raw) -> body. Injected by the engine,
# which knows the wire format; the store only keeps what it is given.
Renderer = Callable[[Ref, int, Dict[str, Any]], str]
Decoder = Callable[[str], Dict[str, Any]]
RefDecoder = Callable[[str], Ref]


class Database:
    def __init__(self, name: str, path: Tuple[str, ...], parent: Optional["Database"]):
        self.name = name
        self.path = path
        self.parent = parent
        self.natives: Dict[str, Space] = {kind: Space(kind) for kind in NATIVE_SPACES}
        self.collections: Dict[str, Space] = {}
        self.indexes: Dict[str, Index] = {}
        self.children: Dict[str, "Database"] = {}
        self.ref_cache: Dict[str, Ref] = {}

    def collection_ref(self, name: str) -> Ref:
        ref = self.ref_cache.get(name)
        if ref is None:
            ref = self.ref_cache[name] = schema_ref("collections", name)
        return ref


class Transaction:
    def __init__(self, ts: int):
        self.ts = ts
        self.undo: List[Callable[[], None]] = []
        self.records: List[Any] = []
        self.created_collections: set = set()  # (db path, name) created in this transaction
        self.created_indexes: set = set()
        self.after_commit: List[Callable[[], None]] = []


class Store:
    """All data. Callers hold `lock` for a whole request: snapshot reads and serializable writes."""

    def __init__(self, clock: Clock, render: Renderer, decode: Decoder, decode_ref: RefDecoder, data_dir: Optional[str] = None):
        self.clock = clock
        self.render = render
        self.decode = decode
        self.decode_ref = decode_ref
        Version.decode = staticmethod(decode)  # type: ignore[assignment]
        self.lock = threading.RLock()
        self.root = Database("", (), None)
        self._last_id = 0
        self.wal = WriteAheadLog(data_dir) if data_dir else None
        self.key_hashes: Dict[str, Tuple[Tuple[str, ...], Any, Any]] = {}
        self._replaying = False
        if self.wal is not None:
            self._replay()

    # -- transactions ---------------------------------------------------------------------------
    def begin(self) -> Transaction:
        return Transaction(self.clock.next_txn_ts())

    def rollback(self, txn: Transaction) -> None:
        for undo in reversed(txn.undo):
            undo()
        txn.undo.clear()
        txn.records.clear()

    def commit(self, txn: Transaction) -> None:
        """Make the transaction durable (WAL append + fsync) before the caller acknowledges it."""
        if txn.records and self.wal is not None:
            self.wal.append(txn.ts, txn.records)
        txn.undo.clear()
        for action in txn.after_commit:
            action()

    def reset(self) -> None:
        with self.lock:
            self.root = Database("", (), None)
            self.key_hashes.clear()
            if self.wal is not None:
                self.wal.truncate()

    # -- ids ------------------------------------------------------------------------------------
    def new_id(self) -> int:
        """Snowflake-like: milliseconds since 2020 in the high bits, a sequence in the low 20."""
        candidate = (self.clock.now_micros() // 1000 - SNOWFLAKE_EPOCH_MS) << 20
        self._last_id = max(self._last_id + 1, candidate)
        return self._last_id

    # -- databases ------------------------------------------------------------------------------
    def database(self, path: Tuple[str, ...]) -> Optional[Database]:
        db = self.root
        for name in path:
            db = db.children.get(name)
            if db is None:
                return None
        return db

    # -- documents ------------------------------------------------------------------------------
    def put(self, txn: Transaction, db: Database, space: Space, key: int, ref: Ref, body: Optional[Dict[str, Any]]) -> Version:
        """Write a version (None = delete) of user document `key` at the transaction's ts."""
        version = self._write(txn, space, key, ref, body)
        txn.records.append(["put", list(db.path), space.name, key, version.raw])
        return version

    def _write(self, txn: Transaction, space: Space, key: int, ref: Ref, body: Optional[Dict[str, Any]]) -> Version:
        """Append a version; maintain the set (add on creation, remove on delete) and the indexes."""
        ts = txn.ts
        doc = space.docs.get(key)
        created = doc is None
        if created:
            doc = space.docs[key] = Document(key)
        prev = doc.versions[-1] if doc.versions else None
        prev_live = prev if prev is not None and prev.raw is not None else None
        raw = self.render(ref, ts, body) if body is not None else None
        version = Version(ts, body, raw)
        replaced_same_ts = prev is not None and prev.ts == ts
        if replaced_same_ts:  # a second write to the same document in one transaction
            doc.versions[-1] = version
        else:
            doc.versions.append(version)

        def undo_version() -> None:
            if replaced_same_ts:
                doc.versions[-1] = prev
            else:
                doc.versions.pop()
                if not doc.versions:
                    del space.docs[key]

        txn.undo.append(undo_version)
        if body is not None and body.get("ttl") is not None:
            space.ttl_keys.add(key)  # never undone: a superset only costs a look at the document
        # Set membership: add on (re)creation, remove on delete; updates leave the set alone (core
        # helpers/SetSpec.scala normalizeEvents).
        was_live = prev_live is not None
        change = None
        if body is not None and not was_live:
            change = space.set.add(ts, key)
        elif body is None and was_live:
            change = space.set.remove(ts, key)
        if change is not None:
            txn.undo.append(change)
        old_body = prev_live.body if prev_live is not None and space.indexes else None
        for index in space.indexes:
            old = (old_body, prev_live.ts) if prev_live is not None else None
            new = (body, ts) if body is not None else None
            index.apply(ts, ref, key, old, new, txn.undo.append)
        return version

    # -- schema ---------------------------------------------------------------------------------
    def define(self, txn: Transaction, db: Database, kind: str, name: str, ref: Ref, body: Optional[Dict[str, Any]]) -> Version:
        """Create, update (body) or delete (None) a schema object: collection, index, database or key.

        The one entry point for schema changes, so the WAL record replays through the same code.
        """
        space = db.natives[kind]
        key = space.by_name.get(name)
        if key is None:
            key = space.by_name[name] = space.next_seq
            space.names[key] = name
            space.next_seq += 1

            def undo_name() -> None:
                space.by_name.pop(name, None)
                space.names.pop(key, None)
                space.next_seq -= 1

            txn.undo.append(undo_name)
        existed = space.docs.get(key) is not None and space.docs[key].current is not None
        if kind == "indexes" and body is not None and not existed and not self._replaying:
            body = dict(body)
            sources = body["source"] if isinstance(body["source"], list) else [body["source"]]
            events = sum(len(d.versions) for r in sources for d in db.collections[r.id].docs.values())
            body["active"] = events <= BUILD_SYNC_SIZE
        version = self._write(txn, space, key, ref, body)
        if kind == "collections":
            self._define_collection(txn, db, name, body, existed)
        elif kind == "indexes":
            self._define_index(txn, db, name, body, existed)
        elif kind == "databases":
            self._define_database(txn, db, name, body, existed)
        elif kind == "keys":
            self._define_key(txn, db, body, existed, key)
        txn.records.append(["schema", list(db.path), kind, name, version.raw])
        return version

    def rename_index(self, txn: Transaction, db: Database, old: str, new: str) -> None:
        """Give an index a new name; its schema document, entries and history move with it."""
        space = db.natives["indexes"]
        key = space.by_name.pop(old)
        space.by_name[new] = key
        space.names[key] = new
        index = db.indexes.pop(old)
        index.name = new
        db.indexes[new] = index

        def undo() -> None:
            space.by_name.pop(new, None)
            space.by_name[old] = key
            space.names[key] = old
            db.indexes.pop(new, None)
            index.name = old
            db.indexes[old] = index

        txn.undo.append(undo)
        txn.records.append(["rename", list(db.path), "indexes", old, new])

    def _define_collection(self, txn: Transaction, db: Database, name: str, body: Optional[Dict[str, Any]], existed: bool) -> None:
        if body is None:
            space = db.collections.pop(name)
            txn.undo.append(lambda: db.collections.__setitem__(name, space))
        elif existed:
            space = db.collections[name]
            old = space.meta
            space.meta = body
            txn.undo.append(lambda: setattr(space, "meta", old))
        else:
            space = Space(name, body)
            space.created_ts = txn.ts
            db.collections[name] = space
            txn.created_collections.add((db.path, name))
            txn.undo.append(lambda: db.collections.pop(name, None))

    def _define_index(self, txn: Transaction, db: Database, name: str, body: Optional[Dict[str, Any]], existed: bool) -> None:
        old = db.indexes.get(name) if existed or body is None else None
        if old is not None and body is not None and old.same_definition(Index.from_body(name, body)):
            # metadata only (data, active, a rename's new name): keep the built entries
            meta, active = old.meta, old.active
            old.meta, old.active = body, bool(body.get("active", True))
            txn.undo.append(lambda: (setattr(old, "meta", meta), setattr(old, "active", active)))
            return
        if old is not None:
            db.indexes.pop(name)
            old_sources = [db.collections[n] for n in old.sources if n in db.collections and old in db.collections[n].indexes]
            for space in old_sources:
                space.indexes.remove(old)

            def undo_drop() -> None:
                db.indexes[name] = old
                for space in old_sources:
                    space.indexes.append(old)

            txn.undo.append(undo_drop)
        if body is None:
            return
        index = Index.from_body(name, body)
        index.active = bool(body.get("active", True))
        db.indexes[name] = index
        txn.created_indexes.add((db.path, name))
        txn.undo.append(lambda: db.indexes.pop(name, None))
        if index.active or self._replaying:
            self._attach(txn, db, index)
        else:
            # Fauna builds large indexes in the background (active: false until done, core doc/Index.scala
            # BuildSyncSize): after
            # the commit a thread builds it under the store lock and marks it active in a later transaction.
            txn.after_commit.append(lambda: threading.Thread(target=self._build_in_background, args=(db, index), daemon=True).start())

    def _attach(self, txn: Optional[Transaction], db: Database, index: Index) -> None:
        """Build the index from its sources' history and keep it maintained by later writes."""
        sources = [db.collections[n] for n in index.sources]
        for space in sources:
            self._build(db, space, index)
            space.indexes.append(index)
        if txn is not None:
            txn.undo.append(lambda: [space.indexes.remove(index) for space in sources])

    def _build_in_background(self, db: Database, index: Index) -> None:
        with self.lock:
            if db.indexes.get(index.name) is not index or any(n not in db.collections for n in index.sources):
                return  # dropped (or its source) before the build started
            self._attach(None, db, index)
            txn = self.begin()
            ref = Ref(index.name, Ref("indexes"))
            self.define(txn, db, "indexes", index.name, ref, dict(index.meta, active=True))
            self.commit(txn)

    def _build(self, db: Database, source: Space, index: Index) -> None:
        coll_ref = db.collection_ref(source.name)
        for key, doc in source.docs.items():
            ref = Ref(str(key), coll_ref)
            prev = None
            for v in doc.versions:
                new = (v.body, v.ts) if v.raw is not None else None
                index.apply(v.ts, ref, key, prev, new)
                prev = new

    def _define_database(self, txn: Transaction, parent: Database, name: str, body: Optional[Dict[str, Any]], existed: bool) -> None:
        if body is None:
            child = parent.children.pop(name)
            txn.undo.append(lambda: parent.children.__setitem__(name, child))
        elif not existed:
            child = Database(name, parent.path + (name,), parent)
            parent.children[name] = child
            txn.undo.append(lambda: parent.children.pop(name, None))

    def _define_key(self, txn: Transaction, db: Database, body: Optional[Dict[str, Any]], existed: bool, key: int) -> None:
        """Keep hashed secret -> (database path, role) so authentication needs no scan."""
        for hashed, (_, _, k) in list(self.key_hashes.items()):
            if k == (db.path, key):
                entry = self.key_hashes.pop(hashed)
                txn.undo.append(lambda h=hashed, e=entry: self.key_hashes.__setitem__(h, e))
        if body is not None:
            target = db.path + ((body["database"].id,) if body.get("database") is not None else ())
            hashed = body["hashed_secret"]
            self.key_hashes[hashed] = (target, body.get("role"), (db.path, key))
            txn.undo.append(lambda: self.key_hashes.pop(hashed, None))

    # -- history --------------------------------------------------------------------------------
    def min_valid_time(self, space: Space, now: int) -> int:
        """MVT = now - history_days - 15 min; history_days None keeps everything (core `Store.scala` qSetHistory)."""
        days = space.history_days()
        if days is None:
            return 0
        return now - int(days * 86_400_000_000) - MVT_OFFSET_MICROS

    # -- durability -----------------------------------------------------------------------------
    def _replay(self) -> None:
        """Re-apply every committed transaction of the WAL, in order, through `put` and `define`."""
        assert self.wal is not None
        self._replaying = True
        try:
            for ts, records in self.wal.read():
                txn = Transaction(ts)
                for kind, path, where, key, raw in records:
                    db = self.database(tuple(path))
                    if kind == "rename":
                        self.rename_index(txn, db, key, raw)
                        continue
                    body = self.decode(raw) if raw is not None else None
                    if kind == "put":
                        space = db.collections[where]
                        self.put(txn, db, space, key, Ref(str(key), db.collection_ref(where)), body)
                    else:
                        ref = self.decode_ref(raw) if raw is not None else self._schema_ref(db, where, key)
                        self.define(txn, db, where, key, ref, body)
                self.clock.observe(ts)
                if txn.records:
                    self._last_id = max(self._last_id, *(r[3] for r in txn.records if r[0] == "put"), 0)
        finally:
            self._replaying = False

    def _schema_ref(self, db: Database, kind: str, name: str) -> Ref:
        space = db.natives[kind]
        doc = space.docs[space.by_name[name]]
        return self.decode_ref(doc.versions[-1].raw)
