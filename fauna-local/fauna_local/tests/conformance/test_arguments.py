"""Argument errors and positions, page sizes of 0, Count/Max/Select over pages and sets, events of
derived sets, and refs of keys in child databases.

Every malformed call answers 400 with the offending argument's position, never 500 (which drivers and
the connector retry as transient). Sources are cited per test: faunadb-python v4 `tests/test_errors.py`
and `tests/test_query.py`, and files of the open-sourced core, github.com/fauna/faunadb.
"""

import json

import pytest
from faunadb import query as q
from faunadb.errors import BadRequest
from faunadb.objects import Native, Ref

from .conftest import error_fields

C = "args"


@pytest.fixture
def docs(fauna):
    fauna.collection(C)
    fauna.create_many(C, [str(i) for i in range(1, 6)])
    return fauna


def test_given_add_with_a_string_when_evaluated_then_invalid_argument_at_the_element(fauna):
    # faunadb-python v4 tests/test_errors.py test_invalid_argument: add([1, "two"]) at ["add", 1].
    err = fauna.raises(q.add([1, "two"]), BadRequest)
    assert error_fields(err) == ("invalid argument", "Number expected, String provided.", ["add", 1])


def test_given_create_collection_with_a_numeric_name_then_validation_failed_with_an_invalid_type_failure(fauna):
    # faunadb-python v4 tests/test_errors.py test_invalid_type: validation failed at ["create_collection"],
    # one failure with code "invalid type" at field ["name"].
    err = fauna.raises(q.create_collection({"name": 123}), BadRequest)
    assert err.errors[0].code == "validation failed"
    assert err.errors[0].position == ["create_collection"]
    failures = err.errors[0].failures
    assert [(f.code, f.field) for f in failures] == [("invalid type", ["name"])]


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"add": []}, ("invalid argument", "Non-empty array expected.", ["add"])),
        ({"multiply": []}, ("invalid argument", "Non-empty array expected.", ["multiply"])),
        ({"and": []}, ("invalid expression", "Expression list cannot be empty.", ["and"])),
        ({"or": []}, ("invalid expression", "Expression list cannot be empty.", ["or"])),
        ({"max": 2}, ("invalid argument", "Array, Set, or Page expected, Integer provided.", ["max"])),
        ({"min": []}, ("invalid argument", "Non-empty array expected.", ["min"])),
        ({"count": "x"}, ("invalid argument", "Array, Set, or Page expected, String provided.", ["count"])),
    ],
    ids=["add-empty", "multiply-empty", "and-empty", "or-empty", "max-scalar", "min-empty", "count-string"],
)
def test_given_an_empty_or_malformed_argument_list_then_400_at_the_argument_never_500(fauna, body, expected):
    # core ext/model/src/main/scala/ast/Parser.scala: add/multiply take Casts.OneOrMore(Casts.Number)
    # (ast/Casts.scala: EmptyArrayArgument -> "Non-empty array expected."), and/or fail to parse with
    # EmptyExpr (ast/BasicFormsSpec "empty and is error"), max/min/count take Casts.Iterable ("Array, Set,
    # or Page expected", ast/Type.scala AbstractIterable); ReduceFunctions.scala: an empty max/min fails.
    response = fauna.raw(body=json.dumps(body).encode())
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["code"], error["description"], error["position"]) == expected


def test_given_max_and_min_over_arrays_pages_and_sets_then_the_extreme_value(docs):
    # core ReduceFunctions.scala MaxFunction/MinFunction over Casts.Iterable; AbstractFoldFunction.scala:
    # a page gives a page of the one value, a set the value over all its elements.
    assert docs.q(q.max([1, 5, 3])) == 5
    assert docs.q(q.min([4, 2.5, 3])) == 2.5
    docs.index("args_by_i", C, values=[{"field": ["data", "i"]}])
    assert docs.q(q.max(q.paginate(q.match(q.index("args_by_i"))))) == {"data": ["5"]}
    assert docs.q(q.min(q.match(q.index("args_by_i")))) == "1"


def test_given_count_and_select_over_a_page_of_documents_then_the_driver_results(docs):
    # faunadb-python v4 tests/test_query.py test_documents: Select([0], Count(Paginate(Documents(c)))) and
    # Count(Documents(c)) both give the number of documents.
    assert docs.q(q.select([0], q.count(q.paginate(q.documents(q.collection(C)))))) == 5
    assert docs.q(q.count(q.documents(q.collection(C)))) == 5


def test_given_paginate_of_an_unknown_collection_then_invalid_ref_at_the_documents_argument(fauna):
    # core ast/functions/ReadAdaptor.scala: the collection ref inside Documents() is resolved at
    # ["paginate", "documents"] (faunadb-python v4 tests/test_query.py test_documents builds that set).
    err = fauna.raises(q.paginate(q.documents(q.collection("missing"))), BadRequest)
    assert error_fields(err) == ("invalid ref", "Ref refers to undefined collection 'missing'", ["paginate", "documents"])


def test_given_size_zero_without_a_cursor_then_neither_before_nor_after(docs):
    # core ext/model/src/test/scala/set/BasicSetSpec.scala "can get page of size 0": no elements, before
    # and after None; with After(x) or Before(x) both cursors are x.
    documents = q.documents(q.collection(C))
    assert docs.q(q.paginate(documents, size=0)) == {"data": []}
    cursor = [Ref("3", Ref(C, Native.COLLECTIONS))]
    assert docs.q(q.paginate(documents, size=0, after=cursor)) == {"before": cursor, "after": cursor, "data": []}
    assert docs.q(q.paginate(documents, size=0, before=cursor)) == {"before": cursor, "after": cursor, "data": []}


def test_given_events_of_a_range_then_invalid_argument_no_events_history(docs):
    # core ext/api/src/test/scala/queries/RangeFunctionSpec.scala "does not support historical events
    # reads": Paginate(Events(Range(Match(idx), 0, Now()))) -> "invalid argument", "Set does not support
    # events history.", position [] (Renderable.scala InvalidHistoricalSet).
    docs.index("args_by_ts", C, values=[{"field": ["ts"]}])
    ranged = q.range(q.match(q.index("args_by_ts")), 0, q.now())
    for expr in (q.paginate(q.events(ranged)), q.paginate(ranged, events=True)):
        err = docs.raises(expr, BadRequest)
        assert error_fields(err) == ("invalid argument", "Set does not support events history.", [])


def test_given_keys_created_inside_a_child_database_then_their_refs_carry_it_on_the_keys_collection(fauna):
    # faunadb-python v4 tests/test_query.py test_nested_keys: Paginate(Keys(Database("db-for-keys"))) from
    # the parent lists Ref(id, cls=Ref("keys", db=Ref("db-for-keys", cls=Native.DATABASES))).
    fauna.q(q.create_database({"name": "db-for-keys"}))
    admin = fauna.client_for(fauna.q(q.create_key({"database": q.database("db-for-keys"), "role": "admin"}))["secret"])
    admin.query(q.create_database({"name": "db-test"}))
    server_key = admin.query(q.create_key({"database": q.database("db-test"), "role": "server"}))
    admin_key = admin.query(q.create_key({"database": q.database("db-test"), "role": "admin"}))
    keys_of = Ref("keys", db=Ref("db-for-keys", cls=Native.DATABASES))
    expected = [Ref(server_key["ref"].id(), cls=keys_of), Ref(admin_key["ref"].id(), cls=keys_of)]
    assert fauna.q(q.paginate(q.keys(q.database("db-for-keys"))))["data"] == expected
