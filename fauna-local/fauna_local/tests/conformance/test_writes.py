"""Writes: Create, Update (deep merge, null removes), Replace, Delete, schema documents, NewId.

Sources: driver `tests/test_query.py` (test_create, test_get, test_update, test_replace, test_delete,
test_do, test_create_collection, test_create_index, test_new_id); core
`ext/api/src/test/scala/queries/IndexSpec.scala` ("creates an index": exact index document), core
`api/IndexSpec.scala` ("validates terms / path": field specs echoed as given, extra keys masked);
core `queries/BasicFunctionsSpec.scala` ("makes refs" with NewID); core `doc/Index.scala`
(BuildSyncSize, DefaultData); core `queries/WriteFunctionsSpec.scala` ("threads through transaction time");
Fauna v4 docs functions/update ("Update ... merges the params into the document; a field set to null
is removed").
"""

import pytest
from faunadb import query as q

from .conftest import coll_ref, doc_ref, index_ref

C = "writes"


def ref(i):
    return q.ref(q.collection(C), str(i))


@pytest.fixture
def coll(fauna):
    fauna.collection(C)
    return fauna


def test_given_create_when_read_back_then_get_returns_exactly_the_created_document(coll):
    # driver test_query.py::test_create / test_get: document = {ref, ts, data}.
    created = coll.q(q.create(q.collection(C), {"data": {"n": 0}}))
    assert set(created) == {"ref", "ts", "data"}
    assert created["ref"].collection() == coll_ref(C)
    assert created["ref"].id().isdigit()
    assert coll.q(q.get(created["ref"])) == created


def test_given_explicit_numeric_id_when_creating_then_that_id_is_used(coll):
    # core Renderable.scala NonNumericSubIDArgument: caller IDs must be numeric strings.
    created = coll.create(C, {}, doc_id="42")
    assert created["ref"] == doc_ref(C, 42)


def test_given_generated_ids_when_creating_in_sequence_then_documents_order_follows_creation(coll):
    # generated IDs are snowflake-like (creation order) and Documents orders by numeric id (core DocID.scala).
    refs = [coll.q(q.create(q.collection(C), {"data": {}}))["ref"] for _ in range(5)]
    assert coll.all_of(q.documents(q.collection(C))) == refs


def test_given_nested_data_when_updating_then_objects_merge_deeply_and_null_removes_a_key(coll):
    # driver test_query.py::test_update (merge keeps untouched fields); Fauna v4 docs functions/update
    # (nested objects merge; null removes the field).
    coll.create(C, {"a": {"x": 1, "y": 2}, "b": 1, "keep": "me"}, doc_id="1")
    updated = coll.q(q.update(ref(1), {"data": {"a": {"y": 3, "z": 4}, "b": None}}))
    assert updated["data"] == {"a": {"x": 1, "y": 3, "z": 4}, "keep": "me"}
    assert coll.q(q.get(ref(1)))["data"] == updated["data"]


def test_given_arrays_when_updating_then_arrays_are_replaced_not_merged(coll):
    # Fauna v4 docs functions/update: only objects merge; other values (arrays included) are replaced.
    coll.create(C, {"tags": ["a", "b", "c"]}, doc_id="1")
    updated = coll.q(q.update(ref(1), {"data": {"tags": ["z"]}}))
    assert updated["data"] == {"tags": ["z"]}


def test_given_replace_when_applied_then_fields_not_given_are_gone(coll):
    # driver test_query.py::test_replace: replace(ref, {data: {m: 1}}) -> data == {m: 1}.
    coll.create(C, {"n": 0, "o": {"p": 1}}, doc_id="1")
    replaced = coll.q(q.replace(ref(1), {"data": {"m": 1}}))
    assert replaced["data"] == {"m": 1}


def test_given_update_when_applied_then_ts_advances_and_ref_is_kept(coll):
    # document ts is the commit ts of its latest write (driver test_query.py::test_update, test_insert).
    created = coll.create(C, {"n": 0}, doc_id="1")
    updated = coll.q(q.update(ref(1), {"data": {"n": 1}}))
    assert updated["ref"] == created["ref"]
    assert updated["ts"] > created["ts"]


def test_given_delete_when_applied_then_it_returns_the_deleted_version_with_its_own_ts(coll):
    # core ext/model/src/main/scala/ast/functions/WriteAdaptor.scala: `delete` answers `VersionL(prev)`,
    # the version that was deleted (its ts is that version's, not the delete's).
    created = coll.create(C, {"a": 1}, doc_id="1")
    updated = coll.q(q.update(ref(1), {"data": {"b": 2}}))
    deleted = coll.q(q.delete(ref(1)))
    delete_ts = coll.client.get_last_txn_time()
    assert deleted == updated
    assert deleted["ts"] == updated["ts"] != delete_ts
    assert created["ts"] < deleted["ts"]


def test_given_delete_when_applied_then_exists_is_false_and_do_returns_last(coll):
    # driver test_query.py::test_do and test_delete.
    coll.create(C, {}, doc_id="1")
    assert coll.q(q.do(q.delete(ref(1)), 1)) == 1
    assert coll.q(q.exists(ref(1))) is False


def test_given_write_then_read_in_one_transaction_when_evaluated_then_the_read_sees_the_write(coll):
    # core queries/WriteFunctionsSpec.scala "threads through transaction time": one request = one transaction;
    # reads inside it see its own writes.
    result = coll.q(
        q.let(
            {"doc": q.create(ref(1), {"data": {"v": 1}})},
            q.do(q.update(ref(1), {"data": {"v": 2}}), q.select(["data", "v"], q.get(ref(1)))),
        )
    )
    assert result == 2


def test_given_create_collection_when_checked_then_exists_and_rendered(fauna):
    # driver test_query.py::test_create_collection; v4 docs functions/createcollection: collection =
    # {ref, ts, history_days, name, ...}.
    created = fauna.collection("collection_for_test")
    assert created["ref"] == coll_ref("collection_for_test")
    assert created["name"] == "collection_for_test"
    assert isinstance(created["ts"], int)
    assert fauna.q(q.exists(q.collection("collection_for_test"))) is True


def test_given_create_index_with_terms_and_values_then_exact_index_document(coll):
    # core queries/IndexSpec.scala "creates an index": {ref, ts, active: true, serialized: true, name,
    # source, terms, values, partitions: 1}; Get(idx) returns it unchanged.
    idx = coll.q(
        q.create_index(
            {
                "name": "spells",
                "source": q.collection(C),
                "terms": [{"field": ["data", "element"]}],
                "values": [{"field": ["data", "name"]}],
            }
        )
    )
    assert idx == {
        "ref": index_ref("spells"),
        "ts": idx["ts"],
        "active": True,
        "serialized": True,
        "name": "spells",
        "source": coll_ref(C),
        "terms": [{"field": ["data", "element"]}],
        "values": [{"field": ["data", "name"]}],
        "partitions": 1,
    }
    assert coll.q(q.get(q.index("spells"))) == idx
    assert coll.q(q.select(["active"], q.get(q.index("spells")))) is True


def test_given_field_specs_as_strings_and_extra_keys_when_creating_index_then_echoed_as_given_and_masked(coll):
    # core api/IndexSpec.scala "validates terms / path": terms [{"field": [..], "foo": 2}] -> {"field": [..]};
    # values [{"bar": "baz", "field": "ref", "reverse": true}] -> {"field": "ref", "reverse": true};
    # core api/IndexSpec.scala: {"field": "ts"} stays a string.
    idx = coll.index(
        "cls_index3",
        C,
        terms=[{"field": ["data", "name"], "foo": 2}],
        values=[{"field": "ts"}, {"bar": "baz", "field": "ref", "reverse": True}],
    )
    assert idx["terms"] == [{"field": ["data", "name"]}]
    assert idx["values"] == [{"field": "ts"}, {"field": "ref", "reverse": True}]
    got = coll.q(q.get(q.index("cls_index3")))
    assert got["terms"] == idx["terms"] and got["values"] == idx["values"]


def test_given_index_without_terms_when_created_then_eight_partitions(coll):
    # core doc/Index.scala DefaultData: partitions 8 with no terms, else 1; serialized true.
    idx = coll.index("all_writes", C)
    assert idx["partitions"] == 8
    assert idx["serialized"] is True
    assert idx["source"] == coll_ref(C)


def test_given_new_id_when_called_then_distinct_numeric_strings_usable_as_ids(coll):
    # driver test_query.py::test_new_id; core BasicFunctionsSpec "makes refs": Create(Ref(coll, NewId())).
    a, b = coll.q([q.new_id(), q.new_id()])
    assert isinstance(a, str) and a.isdigit() and b.isdigit()
    assert a != b
    created = coll.q(q.create(q.ref(q.collection(C), q.new_id()), {"data": {}}))
    assert coll.q(q.exists(created["ref"])) is True


def test_given_many_creates_in_one_request_when_committed_then_all_share_x_txn_time(coll):
    # core queries/WriteFunctionsSpec.scala "threads through transaction time": every write in one transaction gets
    # that transaction's ts; X-Txn-Time is the commit ts.
    response = coll.raw(q.map_(q.lambda_("i", q.select("ts", q.create(q.ref(q.collection(C), q.var("i")), {"data": {}}))), ["1", "2", "3"]))
    assert response.status_code == 200
    stamps = response.json()["resource"]
    assert len(set(stamps)) == 1
    assert stamps[0] == int(response.headers["x-txn-time"])


def test_given_ttl_days_and_history_days_when_creating_collection_then_accepted(fauna):
    # Fauna v4 docs functions/createcollection: history_days and ttl_days are collection fields.
    created = fauna.collection("ttl_coll", history_days=3, ttl_days=10)
    assert created["history_days"] == 3
    assert created["ttl_days"] == 10


def test_given_unique_index_when_create_delete_create_in_one_transaction_then_it_works(coll):
    # core queries/IndexSpec.scala "create, delete and create of a unique doc in the same transaction works".
    idx = coll.index("unique_index_on_f1", C, terms=[{"field": ["data", "f1"]}], active=True, unique=True)
    create_doc = q.create(q.collection(C), {"data": {"f1": "1", "otherField": "x"}})
    res = coll.q(q.let({"doc": create_doc}, q.do(q.delete(q.select("ref", q.var("doc"))), create_doc)))
    assert coll.all_of(q.match(idx["ref"], "1")) == [res["ref"]]


def test_given_index_over_two_collections_when_matching_then_refs_from_both_in_ref_order(fauna):
    # core queries/IndexSpec.scala "multiple source index": source [person, place] echoed as an array;
    # Match returns [placeRef, personRef] (place's document was created first).
    fauna.collection("person")
    fauna.collection("place")
    idx = fauna.q(
        q.create_index(
            {
                "name": "person_and_place_by_name",
                "source": [q.collection("person"), q.collection("place")],
                "active": True,
                "terms": [{"field": ["data", "name"]}],
            }
        )
    )
    assert fauna.q(q.select("source", q.get(idx["ref"]))) == [coll_ref("person"), coll_ref("place")]
    place = fauna.create("place", {"name": "Ray", "state": "TX"})["ref"]
    person = fauna.create("person", {"name": "Ray", "last_name": "Johnson"})["ref"]
    assert fauna.all_of(q.match(idx["ref"], "Ray")) == [place, person]


def test_given_a_ref_to_an_undefined_collection_in_data_when_creating_then_400_validation_failed(coll):
    # core WriteFunctions.scala RefValidator: an unresolved ref inside the params -> ValidationError
    # (ast/Error.scala code "validation failed") with a failure at the field's path.
    from faunadb.errors import BadRequest

    err = coll.raises(q.create(q.collection(C), {"data": {"r": q.ref(q.collection("nope"), "1")}}), BadRequest)
    first = err.errors[0]
    assert first.code == "validation failed"
    assert first.failures and first.failures[0].field[-1] == "r"


def test_given_a_collection_when_deleted_then_it_no_longer_exists(coll):
    # driver test_query.py::test_delete (Delete then Exists is false) applied to a collection ref.
    coll.create(C, {}, doc_id="1")
    coll.q(q.delete(q.collection(C)))
    assert coll.q(q.exists(q.collection(C))) is False
    assert coll.q(q.exists(q.ref(q.collection(C), "1"))) is False


def test_given_an_index_when_deleted_then_get_is_invalid_ref_and_it_leaves_indexes(coll):
    # core queries/IndexSpec.scala "deletes an index": Get(ref) -> "invalid ref",
    # "Ref refers to undefined index 'spells'" at ["get"].
    from faunadb.errors import BadRequest

    ref = coll.index("spells", C)["ref"]
    coll.index("novels", C)
    coll.q(q.delete(ref))
    err = coll.raises(q.get(ref), BadRequest)
    assert (err.errors[0].code, err.errors[0].description, err.errors[0].position) == (
        "invalid ref",
        "Ref refers to undefined index 'spells'",
        ["get"],
    )
    assert coll.all_of(q.indexes()) == [index_ref("novels")]


def test_given_an_index_when_renamed_by_update_then_the_new_name_resolves_and_the_old_does_not(coll):
    # core queries/IndexSpec.scala "renames an index takes effect soon": Update(ref, {name: "novels"});
    # Get(old ref) -> invalid ref "Ref refers to undefined index 'spells'"; Select("name", Get(new)) == "novels".
    from faunadb.errors import BadRequest

    ref = coll.index("spells", C, terms=[{"field": ["data", "element"]}], values=[{"field": ["data", "name"]}])["ref"]
    ref2 = coll.q(q.update(ref, {"name": "novels"}))["ref"]
    assert ref2 == index_ref("novels")
    err = coll.raises(q.get(ref), BadRequest)
    assert err.errors[0].description == "Ref refers to undefined index 'spells'"
    assert coll.q(q.select("name", q.get(ref2))) == "novels"
