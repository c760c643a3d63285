"""Fauna never stores a null: Create, Update and Replace drop nulls at every depth, in objects and arrays.

Sources (open-sourced core, github.com/fauna/faunadb):
- ext/repo/src/test/scala/DataSpec.scala, "null semantics": patching {foo: [bar, baz]} with {foo: [null]}
  gives {foo: []}, with {foo: [null, null]} gives {foo: []}, with {foo: {bar: null}} gives {foo: {}}, and
  {foo: null} removes foo (ext/storage/src/main/scala/doc/Data.scala `patch`).
- ext/model/src/main/scala/doc/Collection.scala, the MVT floor: a collection without `history_days` keeps
  its history forever; `history_days: null` is a null like any other, so the field is not stored.
"""

import pytest
from faunadb import query as q

C = "nullable"


def ref(doc_id):
    return q.ref(q.collection(C), doc_id)


@pytest.fixture
def nullable(fauna):
    fauna.collection(C)
    return fauna


@pytest.mark.parametrize(
    "data, stored",
    [
        ({"foo": [None]}, {"foo": []}),
        ({"foo": [None, None]}, {"foo": []}),
        ({"foo": {"bar": None}}, {"foo": {}}),
        ({"foo": None, "keep": 1}, {"keep": 1}),
        ({"a": [1, None, {"b": None, "c": [None, 2]}]}, {"a": [1, {"c": [2]}]}),
    ],
    ids=["array-of-null", "array-of-nulls", "object-with-null", "top-level-null", "nested"],
)
def test_given_nulls_when_creating_then_none_is_stored(nullable, data, stored):
    # DataSpec "null semantics" (a create patches the empty document).
    created = nullable.q(q.create(ref("1"), {"data": data}))
    assert created["data"] == stored
    assert nullable.q(q.get(ref("1")))["data"] == stored


def test_given_nulls_in_an_update_then_arrays_lose_them_and_objects_lose_the_keys(nullable):
    # DataSpec "null semantics": {foo: [null]} patches an array to []; {foo: {bar: null}} removes bar.
    nullable.q(q.create(ref("1"), {"data": {"foo": ["bar", "baz"], "obj": {"bar": 1, "keep": 2}}}))
    updated = nullable.q(q.update(ref("1"), {"data": {"foo": [None, "x", None], "obj": {"bar": None}, "new": {"n": None}}}))
    assert updated["data"] == {"foo": ["x"], "obj": {"keep": 2}, "new": {}}


def test_given_nulls_in_a_replace_then_none_is_stored(nullable):
    nullable.q(q.create(ref("1"), {"data": {"old": 1}}))
    replaced = nullable.q(q.replace(ref("1"), {"data": {"a": None, "b": [None, {"c": None}]}}))
    assert replaced["data"] == {"b": [{}]}


def test_given_history_days_null_when_creating_a_collection_then_the_field_is_absent(fauna):
    # Collection.scala: no history_days = history kept forever; a null is never stored.
    created = fauna.collection("forever", history_days=None)
    assert "history_days" not in created
    assert "history_days" not in fauna.q(q.get(q.collection("forever")))


def test_given_history_days_removed_with_null_then_history_is_kept_forever(fauna):
    # Without history_days the collection's remove events are never dropped (Collection.scala MVT floor).
    fauna.collection("kept", history_days=0)
    fauna.q(q.create(q.ref(q.collection("kept"), "1"), {"data": {}}))
    fauna.q(q.delete(q.ref(q.collection("kept"), "1")))
    fauna.q(q.update(q.collection("kept"), {"history_days": None}))
    assert "history_days" not in fauna.q(q.get(q.collection("kept")))
    fauna.server.advance_clock(400 * 86400)
    events = fauna.q(q.paginate(q.documents(q.collection("kept")), events=True))["data"]
    assert [e["action"] for e in events] == ["add", "remove"]


def test_given_nulls_in_schema_data_when_creating_then_dropped(fauna):
    created = fauna.collection("with_data", data={"a": None, "b": [None, 1]})
    assert created["data"] == {"b": [1]}
