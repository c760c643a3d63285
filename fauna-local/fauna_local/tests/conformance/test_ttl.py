"""A document whose `ttl` has passed is gone from every read: Get, Exists, Documents() and index sets.

Sources (open-sourced core, github.com/fauna/faunadb):
- ext/api/src/test/scala/queries/IndexSpec.scala, "ttl on read": once the ttl passed, the document's entries
  leave `Paginate(Match(index))` and its ref leaves `Paginate(Documents(collection))`.
- ext/repo/src/main/scala/Store.scala `checkTTL` and ext/storage-api/src/main/scala/set/SetSnapshot.scala
  reject a version or an index tuple whose ttl is at or before the transaction's *snapshot* time.
- ext/repo/src/test/scala/StoreSpec.scala, "ttl on read": a document created at 10 with ttl 15 is not
  found at valid times 1, 10, 15 or 20 once the snapshot is past 15, so a read `At` a time before the
  expiry does not see it either.
The history is not rewritten: no remove event is written when a ttl passes.
"""

from faunadb import query as q

from .conftest import doc_ref

C = "expiring"


def _setup(fauna):
    fauna.collection(C, history_days=30)
    fauna.index("expiring_by_ts", C, values=[{"field": ["ts"]}, {"field": ["ref"]}])
    fauna.create_many(C, ["1", "2", "3"])
    fauna.q(q.update(q.ref(q.collection(C), "2"), {"ttl": q.time_add(q.now(), 60, "seconds")}))
    return fauna.server.now_micros()


def test_given_a_ttl_in_the_future_when_read_then_the_document_is_everywhere(fauna):
    _setup(fauna)
    assert fauna.all_of(q.documents(q.collection(C))) == [doc_ref(C, i) for i in "123"]
    assert fauna.q(q.exists(q.ref(q.collection(C), "2"))) is True


def test_given_a_passed_ttl_when_paginating_documents_then_the_document_is_gone(fauna):
    # IndexSpec "ttl on read": the builtin documents index drops docs(5) once its ttl passed.
    _setup(fauna)
    fauna.server.advance_clock(120)
    assert fauna.all_of(q.documents(q.collection(C))) == [doc_ref(C, "1"), doc_ref(C, "3")]


def test_given_a_passed_ttl_when_paginating_an_index_then_its_entries_are_gone(fauna):
    # IndexSpec "ttl on read": the custom index drops docs(5)'s entry too.
    _setup(fauna)
    fauna.server.advance_clock(120)
    refs = [entry[1] for entry in fauna.all_of(q.match(q.index("expiring_by_ts")))]
    assert refs == [doc_ref(C, "1"), doc_ref(C, "3")]


def test_given_a_passed_ttl_when_getting_or_checking_then_not_found_and_false(fauna):
    # Store.checkTTL: the version is rejected, so Get is "instance not found" and Exists false.
    _setup(fauna)
    fauna.server.advance_clock(120)
    assert fauna.q(q.exists(q.ref(q.collection(C), "2"))) is False
    err = fauna.raises(q.get(q.ref(q.collection(C), "2")))
    assert err.errors[0].code == "instance not found"


def test_given_a_passed_ttl_when_the_snapshot_query_maps_get_over_documents_then_the_page_reads(fauna):
    # What a sync sends: At(ts, Map(Paginate(Documents(c)), Get)). Before, the ref stayed in Documents()
    # while Get answered 404, so the whole page failed.
    _setup(fauna)
    fauna.server.advance_clock(120)
    page = fauna.q(q.map_(q.lambda_("r", q.get(q.var("r"))), q.paginate(q.documents(q.collection(C)))))
    assert [doc["ref"] for doc in page["data"]] == [doc_ref(C, "1"), doc_ref(C, "3")]


def test_given_a_passed_ttl_when_reading_at_a_time_before_it_then_still_gone(fauna):
    # StoreSpec "ttl on read" and SetSnapshot: the ttl is compared with the snapshot time, not the valid
    # time, so At(before the expiry) does not bring the document back.
    before_expiry = _setup(fauna)
    fauna.server.advance_clock(120)
    at = q.at(before_expiry, q.paginate(q.documents(q.collection(C))))
    assert fauna.q(at)["data"] == [doc_ref(C, "1"), doc_ref(C, "3")]
    assert fauna.q(q.at(before_expiry, q.exists(q.ref(q.collection(C), "2")))) is False


def test_given_a_passed_ttl_when_reading_events_then_no_remove_event_was_written(fauna):
    # The ttl removes the document on read only: the history holds no remove event for it.
    _setup(fauna)
    fauna.server.advance_clock(120)
    history = fauna.q(q.paginate(q.documents(q.collection(C)), events=True))["data"]
    assert [(e["action"], e["document"].id()) for e in history] == [("add", "1"), ("add", "2"), ("add", "3")]
