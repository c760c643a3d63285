"""Store: transactions (one ts, rollback), sets and indexes maintained on write, WAL replay, index builds."""

import json
import os
import time

from fauna_local.storage.clock import Clock
from fauna_local.storage.indexes import Index
from fauna_local.storage.store import BUILD_SYNC_SIZE, Store
from fauna_local.values import Ref
from fauna_local.wire import codec


def make_store(data_dir=None) -> Store:
    return Store(Clock(), codec.render_document, codec.decode_document, codec.decode_document_ref, data_dir)


def coll(store: Store, name: str = "c", **meta):
    txn = store.begin()
    store.define(txn, store.root, "collections", name, Ref(name, Ref("collections")), {"history_days": 0, "name": name, **meta})
    store.commit(txn)
    return store.root.collections[name]


def put(store: Store, space, key: int, data):
    txn = store.begin()
    ref = Ref(str(key), store.root.collection_ref(space.name))
    store.put(txn, store.root, space, key, ref, None if data is None else {"data": data})
    store.commit(txn)
    return txn.ts


def fill(store: Store, space, n: int) -> None:
    """n empty documents with ids 1..n, in one transaction."""
    txn = store.begin()
    for i in range(1, n + 1):
        store.put(txn, store.root, space, i, Ref(str(i), store.root.collection_ref(space.name)), {"data": {}})
    store.commit(txn)


def test_given_two_transactions_when_begun_then_timestamps_strictly_increase():
    store = make_store()
    assert store.begin().ts < store.begin().ts


def test_given_rolled_back_writes_when_reading_then_no_trace_in_docs_set_or_index():
    store = make_store()
    space = coll(store)
    txn = store.begin()
    store.define(txn, store.root, "indexes", "i", Ref("i", Ref("indexes")), {"active": True, "name": "i", "source": Ref("c", Ref("collections")), "values": [{"field": ["data", "x"]}]})
    store.commit(txn)
    put(store, space, 1, {"x": 1})
    txn = store.begin()
    store.put(txn, store.root, space, 2, Ref("2", store.root.collection_ref("c")), {"data": {"x": 2}})
    store.put(txn, store.root, space, 1, Ref("1", store.root.collection_ref("c")), None)
    store.rollback(txn)
    assert space.set.keys == [1] and 2 not in space.docs
    assert space.docs[1].current.body == {"data": {"x": 1}}
    assert list(store.root.indexes["i"].partition([]).keys) == [((0, 1), 1, "c")]


def test_given_update_when_indexed_by_ts_then_entry_moves_to_the_new_ts():
    # an update removes [oldTs, ref] and adds [newTs, ref] (core queries/IndexSpec.scala "multiple modifications to
    # single doc"); a delete removes the entry.
    store = make_store()
    space = coll(store)
    txn = store.begin()
    store.define(txn, store.root, "indexes", "ts", Ref("ts", Ref("indexes")), {"active": True, "name": "ts", "source": Ref("c", Ref("collections")), "values": [{"field": "ts"}, {"field": "ref"}]})
    store.commit(txn)
    t1 = put(store, space, 1, {"v": 1})
    t2 = put(store, space, 1, {"v": 2})
    index = store.root.indexes["ts"]
    assert [index.entries[k][0][0] for k in index.partition([]).keys] == [t2]
    put(store, space, 1, None)
    assert index.partition([]).keys == []
    assert [a for _, _, a in index.partition([]).events_from(0)] == ["add", "remove", "add", "remove"]
    assert t1 < t2


def test_given_a_data_dir_when_reopened_then_committed_writes_are_replayed(tmp_path):
    store = make_store(str(tmp_path))
    space = coll(store, history_days=None)
    put(store, space, 7, {"when": "now"})
    last_ts = store.clock.last_txn_ts
    store.wal.close()
    again = make_store(str(tmp_path))
    assert again.root.collections["c"].meta["history_days"] is None
    assert again.root.collections["c"].docs[7].current.body == {"data": {"when": "now"}}
    assert again.begin().ts > last_ts


def reopened_after_a_torn_write(tmp_path) -> Store:
    """A store with collection c, reopened after the process died while writing a later transaction."""
    store = make_store(str(tmp_path))
    coll(store)
    store.wal.close()
    with open(os.path.join(tmp_path, "wal.jsonl"), "ab") as f:
        f.write(b'[123,[["put"')  # a write that was never acknowledged
    return make_store(str(tmp_path))


def test_given_a_torn_last_wal_line_when_reopened_then_it_is_ignored(tmp_path):
    assert list(reopened_after_a_torn_write(tmp_path).root.collections) == ["c"]


def test_given_a_torn_last_wal_line_when_a_write_follows_then_both_survive_the_next_restart(tmp_path):
    # An acknowledged write must never be lost: appended onto the torn fragment, it would share its line.
    again = reopened_after_a_torn_write(tmp_path)
    coll(again, "d")
    again.wal.close()
    assert sorted(make_store(str(tmp_path)).root.collections) == ["c", "d"]


def test_given_more_than_128_events_when_creating_an_index_then_inactive_until_a_background_build():
    # core doc/Index.scala BuildSyncSize = 128: above it the index starts inactive.
    store = make_store()
    space = coll(store)
    fill(store, space, BUILD_SYNC_SIZE + 1)
    txn = store.begin()
    store.define(txn, store.root, "indexes", "big", Ref("big", Ref("indexes")), {"active": True, "name": "big", "source": Ref("c", Ref("collections"))})
    assert store.root.indexes["big"].active is False
    store.commit(txn)
    deadline = time.time() + 5
    while not store.root.indexes["big"].active and time.time() < deadline:
        time.sleep(0.01)
    assert store.root.indexes["big"].active is True
    assert store.root.natives["indexes"].docs[1].current.body["active"] is True


def test_given_min_valid_time_when_history_days_varies_then_now_minus_days_minus_15_minutes():
    # core Store.scala qSetHistory, doc/Collection.scala MVTOffset.
    store = make_store()
    now = 10**15
    day = 86_400_000_000
    assert store.min_valid_time(coll(store, "a", history_days=0), now) == now - 15 * 60 * 1_000_000
    assert store.min_valid_time(coll(store, "b", history_days=2), now) == now - 2 * day - 15 * 60 * 1_000_000
    assert store.min_valid_time(coll(store, "d", history_days=None), now) == 0


def test_index_from_body_reads_field_paths_and_reverse():
    index = Index.from_body("i", {"source": Ref("c", Ref("collections")), "terms": [{"field": ["data", "t"]}], "values": [{"field": "ts", "reverse": True}]})
    assert index.sources == ["c"]
    assert index.terms == [(("data", "t"), False)] and index.values == [(("ts",), True)]


def test_wal_lines_are_json_with_the_transaction_ts(tmp_path):
    store = make_store(str(tmp_path))
    coll(store)
    with open(os.path.join(tmp_path, "wal.jsonl"), "rb") as f:
        ts, records = json.loads(f.readline())
    assert ts == store.clock.last_txn_ts and records[0][0] == "schema"


def test_given_a_background_built_index_when_the_wal_is_replayed_then_it_is_built_and_active(tmp_path):
    store = make_store(str(tmp_path))
    space = coll(store)
    fill(store, space, BUILD_SYNC_SIZE + 1)
    txn = store.begin()
    store.define(txn, store.root, "indexes", "big", Ref("big", Ref("indexes")), {"active": True, "name": "big", "source": Ref("c", Ref("collections"))})
    store.commit(txn)
    deadline = time.time() + 5
    while not store.root.indexes["big"].active and time.time() < deadline:
        time.sleep(0.01)
    # The build marks the index active and commits it under the store lock, as every write does;
    # taking the lock waits for that commit to reach the log (reading `active` alone raced it).
    with store.lock:
        store.wal.close()
    again = make_store(str(tmp_path))
    index = again.root.indexes["big"]
    assert index.active and len(index.partition([]).keys) == BUILD_SYNC_SIZE + 1
