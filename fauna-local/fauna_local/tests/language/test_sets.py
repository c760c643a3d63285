"""Sets and Paginate through the engine: cursors, ranges, events, history."""

import pytest
from faunadb import query as q
from faunadb.objects import Ref

from fauna_local.engine import Engine
from fauna_local.tests.helpers import error, ok

C = "c"


def R(i):
    return Ref(str(i), Ref(C, Ref("collections")))


@pytest.fixture
def engine():
    e = Engine()
    ok(e, q.create_collection({"name": C, "history_days": 1}))
    ok(e, q.create_index({"name": "c_ts", "source": q.collection(C), "values": [{"field": "ts"}, {"field": "ref"}]}))
    return e


def create(engine, ids, data=None):
    return ok(engine, q.do(*[q.create(q.ref(q.collection(C), str(i)), {"data": data or {}}) for i in ids]))


def test_given_ids_10_9_100_when_paginating_documents_then_numeric_order(engine):
    # core DocID.scala: DocID compares as a 64-bit number.
    create(engine, [10, 9, 100])
    assert ok(engine, q.paginate(q.documents(q.collection(C))))["data"] == [R(9), R(10), R(100)]


def test_given_size_over_100000_when_paginating_then_silently_capped(engine):
    # core ReadAdaptor.MaxPageSize = 100_000, larger sizes capped without error.
    create(engine, [1])
    assert ok(engine, q.paginate(q.documents(q.collection(C)), size=10**9)) == {"data": [R(1)]}


def test_given_one_transaction_when_ranging_the_ts_index_then_shared_ts_and_cursor_ts_ref_ref(engine):
    # core Expression.scala fromIndexTerms, IndexTuple.scala: element [ts, ref]; cursor [ts, Ref, Ref]; same-ts ties
    # broken by ref.
    create(engine, [2, 1, 3])
    page = ok(engine, q.paginate(q.range(q.match(q.index("c_ts")), [], []), size=2))
    (t1, r1), (t2, r2) = page["data"]
    assert t1 == t2 and (r1, r2) == (R(1), R(2))
    assert page["after"] == [t1, R(3), R(3)]


def test_given_an_update_when_ranging_from_the_old_ts_then_the_entry_moved(engine):
    # an update moves the index entry to its new ts (core queries/IndexSpec.scala "multiple modifications to single
    # doc"); a delete removes it.
    t0 = create(engine, [1, 2])["ts"]
    t1 = ok(engine, q.update(R(1), {"data": {"x": 1}}))["ts"]
    ok(engine, q.delete(R(2)))
    assert ok(engine, q.paginate(q.range(q.match(q.index("c_ts")), [t0], [])))["data"] == [[t1, R(1)]]


def test_given_events_cursor_forms_when_paginating_then_inclusive_exclusive_and_inside(engine):
    # core Parser.scala CursorParser.parseEvent: integer -> inclusive of ts; {ts, action} ->
    # excludes ts; {ts, action, document} -> resumes inside ts.
    t = create(engine, [1, 2])["ts"]
    docs = q.documents(q.collection(C))
    assert len(ok(engine, q.paginate(docs, events=True, after=t))["data"]) == 2
    assert ok(engine, q.paginate(docs, events=True, after={"ts": t, "action": "add"}))["data"] == []
    inside = ok(engine, q.paginate(docs, events=True, after={"ts": t, "action": "add", "document": R(2)}))["data"]
    assert [e["document"] for e in inside] == [R(2)]
    status, code, _ = error(engine, q.paginate(docs, events=True, after={"ts": t, "nope": 1}))
    assert (status, code) == (400, "invalid argument")


def test_given_history_days_when_reading_at_a_ts_below_mvt_then_400(engine):
    # core ExceptionResponseHelpers.scala: ReadValidTimeBelowMVT -> 400 "Requested timestamp ... less
    # than minimum allowed timestamp ..."; MVT = now - history_days - 15 min (core Store.scala
    # qSetHistory).
    t = create(engine, [1])["ts"]
    engine.clock.advance(86_400 + 16 * 60)
    status, _, description = error(engine, q.at(t, q.paginate(q.documents(q.collection(C)))))
    assert status == 400 and description.startswith("Requested timestamp")
    status, _, _ = error(engine, q.get(R(1), ts=t))
    assert status == 400
    assert ok(engine, q.exists(R(1))) is True


def test_given_more_than_128_documents_when_creating_an_index_then_it_starts_inactive(engine):
    # core doc/Index.scala BuildSyncSize = 128.
    create(engine, range(1, 130))
    created = ok(engine, q.create_index({"name": "late", "source": q.collection(C)}))
    assert created["active"] is False
