"""SortedKeys (set membership with history) and Document versions."""

from fauna_local.storage.documents import ADD, REMOVE, Document, SortedKeys, Version
from fauna_local.values import Ref, Time
from fauna_local.wire import codec


def test_given_adds_and_removes_when_reading_at_past_ts_then_membership_of_that_time():
    s = SortedKeys()
    s.add(10, 5)
    s.add(20, 1)
    s.remove(30, 5)
    assert s.keys == [1]
    assert s.keys_at(10) == [5]
    assert s.keys_at(25) == [1, 5]
    assert s.keys_at(30) == [1]
    assert [(ts, k, a) for ts, k, a in s.events_from(0)] == [(10, 5, ADD), (20, 1, ADD), (30, 5, REMOVE)]


def test_given_add_and_remove_in_one_transaction_when_listing_events_then_they_cancel():
    # Fauna compresses a document's set history to transitions (core SetSpec.scala normalizeEvents): a
    # transaction that adds and removes the same entry leaves no event.
    s = SortedKeys()
    s.add(10, 7)
    s.remove(10, 7)
    assert s.keys == []
    assert list(s.events_from(0)) == []


def test_given_undo_functions_when_applied_in_reverse_then_state_is_restored():
    s = SortedKeys()
    s.add(1, 3)
    undos = [s.add(2, 1), s.remove(2, 3), s.add(2, 3)]
    for undo in reversed(undos):
        undo()
    assert s.keys == [3]
    assert [(ts, k, a) for ts, k, a in s.events_from(0)] == [(1, 3, ADD)]


def test_given_adding_a_present_key_when_adding_then_no_event():
    s = SortedKeys()
    s.add(1, 3)
    assert s.add(2, 3) is None
    assert len(s.events) == 1


def test_given_versions_when_reading_at_times_then_latest_version_not_after_ts_and_none_when_deleted():
    Version.decode = staticmethod(codec.decode_document)  # what a Store installs
    ref = Ref("1", Ref("c", Ref("collections")))

    def version(ts, body):
        return Version(ts, body, codec.render_document(ref, ts, body) if body is not None else None)

    doc = Document(1)
    doc.versions += [version(10, {"data": {"n": 1}}), version(20, {"ttl": Time(5), "data": {"n": 2}}), version(30, None)]
    assert doc.at(9) is None
    assert doc.at(15).body == {"data": {"n": 1}}
    assert doc.at(25).ttl == Time(5) and doc.at(25).body["data"] == {"n": 2}
    assert doc.at(30) is None
    assert doc.current is None
