"""History retention and reading the past: history_days, At, Get(ref, ts), Now().

Sources: core `ext/repo/src/main/scala/Store.scala` qSetHistory (set history is read above
MVT = now - history_days - 15 min) and `doc/Collection.scala` MVTOffset; core
`ext/fql/shared/src/main/scala/ast/SchemaItem.scala` (OSS default history_days = 0; `null` = keep forever); core
`TimeFunctions.scala` (Now() is the snapshot time); core `ast/EvalContext.scala` (At(future) is not an error);
driver `tests/test_query.py::test_at`, `test_insert` (Get at an earlier ts sees the earlier version).
The clock is moved with the local server's `advance_clock` instead of waiting.
"""

import pytest
from faunadb import query as q
from faunadb.errors import NotFound

from .conftest import doc_ref

C = "hist"
MIN = 60
DAY = 24 * 60 * MIN


def ref(i):
    return q.ref(q.collection(C), str(i))


def remove_events(fauna):
    evs = fauna.q(q.paginate(q.documents(q.collection(C)), events=True, size=1000))["data"]
    return [e for e in evs if e["action"] == "remove"]


ABSENT = object()


@pytest.mark.parametrize(
    "history_days, advance, visible",
    [
        (ABSENT, 14 * MIN, True),
        (ABSENT, 16 * MIN, False),
        (0, 16 * MIN, False),
        (30, 29 * DAY + 16 * MIN, True),
        (30, 30 * DAY + 16 * MIN, False),
        (None, 400 * DAY, True),
    ],
    ids=["default-14min", "default-16min", "zero-16min", "30d-29d", "30d-30d16min", "null-400d"],
)
def test_given_collection_history_days_when_clock_advances_then_remove_events_vanish_after_retention(
    fauna, history_days, advance, visible
):
    # core Store.scala qSetHistory, doc/Collection.scala MVTOffset, ast/SchemaItem.scala: MVT = now - history_days -
    # 15 min; OSS default history_days = 0; null keeps history forever.
    params = {} if history_days is ABSENT else {"history_days": history_days}
    fauna.collection(C, **params)
    fauna.create(C, {}, doc_id="1")
    fauna.create(C, {}, doc_id="2")
    fauna.q(q.delete(ref(1)))
    assert [e["document"] for e in remove_events(fauna)] == [doc_ref(C, 1)]
    fauna.server.advance_clock(advance)
    assert bool(remove_events(fauna)) is visible
    # The live document stays readable whatever the retention.
    assert fauna.q(q.exists(ref(2))) is True


def test_given_history_days_when_creating_collection_then_it_is_echoed(fauna):
    # Fauna v4 docs createcollection: collection = {ref, ts, history_days, name, ...}.
    created = fauna.collection(C, history_days=30)
    assert created["name"] == C
    assert created["history_days"] == 30
    assert fauna.q(q.select("history_days", q.get(q.collection(C)))) == 30


def test_given_no_history_days_when_creating_collection_then_default_is_zero(fauna):
    # core api/CollectionSpec.scala "classes get the default retention policy if not specified":
    # history_days == 0; Fauna v4 docs functions/createcollection: "The default value is zero days".
    assert fauna.collection(C)["history_days"] == 0


def test_given_updated_doc_when_reading_at_an_earlier_ts_then_the_old_version_is_seen(fauna):
    # driver test_query.py::test_at / test_insert: At(prev_ts, Get(ref)) and Get(ref, ts=prev_ts) return the
    # earlier version.
    fauna.collection(C, history_days=30)
    created = fauna.create(C, {"n": 0}, doc_id="1")
    fauna.q(q.update(ref(1), {"data": {"n": 1}}))
    assert fauna.q(q.at(created["ts"], q.get(ref(1))))["data"] == {"n": 0}
    assert fauna.q(q.get(ref(1), ts=created["ts"]))["data"] == {"n": 0}
    assert fauna.q(q.get(ref(1)))["data"] == {"n": 1}


def test_given_deleted_doc_when_reading_before_the_delete_then_it_is_still_there(fauna):
    # driver test_query.py::test_insert, test_delete: Get(ref, ts=before) / At(before, ...) still see a deleted doc
    # within history; Get now -> 404, Exists -> false.
    fauna.collection(C, history_days=30)
    created = fauna.create(C, {"n": 7}, doc_id="1")
    fauna.q(q.delete(ref(1)))
    assert fauna.q(q.get(ref(1), ts=created["ts"]))["data"] == {"n": 7}
    assert fauna.q(q.at(created["ts"], q.exists(ref(1)))) is True
    assert fauna.q(q.exists(ref(1))) is False
    with pytest.raises(NotFound):
        fauna.q(q.get(ref(1)))


def test_given_at_a_past_ts_when_paginating_documents_then_later_docs_are_not_seen(fauna):
    # Fauna v4 docs functions/at: expressions inside At see the database as of that timestamp.
    fauna.collection(C)
    first = fauna.create(C, {}, doc_id="1")
    fauna.create(C, {}, doc_id="2")
    page = fauna.q(q.at(first["ts"], q.paginate(q.documents(q.collection(C)))))
    assert page == {"data": [doc_ref(C, 1)]}


def test_given_a_ts_before_creation_when_getting_the_doc_then_404_instance_not_found(fauna):
    # core BasicFunctionsSpec: Get of a ref with no live version -> "instance not found".
    fauna.collection(C)
    created = fauna.create(C, {}, doc_id="1")
    err = fauna.raises(q.get(ref(1), ts=created["ts"] - 1), NotFound)
    assert err.errors[0].code == "instance not found"


def test_given_at_a_future_ts_when_reading_then_no_error_and_current_state(fauna):
    # core ast/EvalContext.scala: At(future) is not an error; it evaluates at the snapshot.
    fauna.collection(C)
    fauna.create(C, {"n": 1}, doc_id="1")
    future = fauna.q(q.to_micros(q.now())) + 365 * DAY * 1_000_000
    assert fauna.q(q.at(future, q.select(["data", "n"], q.get(ref(1))))) == 1


def test_given_one_query_when_calling_now_twice_then_same_snapshot_time(fauna):
    # core TimeFunctions.scala: Now() is the transaction's snapshot time, fixed per query.
    a, b = fauna.q([q.to_micros(q.now()), q.to_micros(q.now())])
    assert a == b


def test_given_a_write_when_reading_now_in_the_same_query_then_now_is_not_after_the_commit_ts(fauna):
    # core TimeFunctions.scala: Now() is the snapshot time, <= the commit ts in a write transaction; document ts is the
    # commit ts.
    fauna.collection(C)
    now, ts = fauna.q(
        q.let({"doc": q.create(q.ref(q.collection(C), "1"), {"data": {}})}, [q.to_micros(q.now()), q.select("ts", q.var("doc"))])
    )
    assert now <= ts


def test_given_clock_advanced_when_calling_now_then_it_moved_by_at_least_that_much(fauna):
    # core TimeFunctions.scala: Now() is the snapshot time (which follows the server clock).
    before = fauna.q(q.to_micros(q.now()))
    fauna.server.advance_clock(3600)
    after = fauna.q(q.to_micros(q.now()))
    assert after - before >= 3600 * 1_000_000


def test_given_time_values_instead_of_micros_when_reading_the_past_then_same_versions(fauna):
    # core ast/EvalContext.scala AtE: Casts.TransactionTimestamp accepts a Time as well as an integer;
    # driver query.py get(ref, ts) / exists(ref, ts) pass `ts` through; Fauna v4 docs functions/exists (ts).
    from faunadb.objects import FaunaTime

    fauna.collection(C, history_days=30)
    created = fauna.create(C, {"n": 0}, doc_id="1")
    fauna.q(q.update(ref(1), {"data": {"n": 1}}))
    as_time = q.epoch(created["ts"], "microsecond")
    assert fauna.q(q.at(as_time, q.select(["data", "n"], q.get(ref(1))))) == 0
    assert fauna.q(q.select(["data", "n"], q.get(ref(1), ts=as_time))) == 0
    assert fauna.q(q.exists(ref(1), ts=created["ts"] - 1)) is False
    assert fauna.q(q.exists(ref(1), ts=created["ts"])) is True
    assert isinstance(fauna.q(as_time), FaunaTime)
