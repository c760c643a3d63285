"""Tagged values in both directions: @ref, @ts, @date, @bytes, @set, @query, @obj.

Sources: driver `faunadb/_json.py`, core `ext/model/src/main/scala/Renderable.scala`
(writeRef: {"@ref": {id, collection, database}}; writeTime: Timestamp.toString = Java Instant.toString,
which trims trailing zero groups, core `ext/lang/src/main/scala/Timestamp.scala`; writeBytes:
Base64.encodeStandardAscii; ObjectL with an "@" key is wrapped in {"@obj": ...}); core
`ast/Parser.scala` escapes (@obj in a query is a literal object); driver `tests/test_query.py`
(test_time, test_epoch, test_date, test_to_micros, test_echo_query, test_database, test_index,
test_collection) and `tests/test_deserialization.py`.
"""

import base64
import json
from datetime import date, datetime, timezone

import pytest
from faunadb import query as q
from faunadb.objects import FaunaTime, Native, Query, Ref, SetRef, _Expr

from .conftest import coll_ref, doc_ref, index_ref

C = "typed"


def ref(i):
    return q.ref(q.collection(C), str(i))


def resource(response):
    assert response.status_code in (200, 201), response.text
    return json.loads(response.content)["resource"]


@pytest.fixture
def typed(fauna):
    fauna.collection(C)
    return fauna


def test_given_native_ref_constructors_when_evaluated_then_refs_to_native_collections(fauna):
    # driver tests/test_query.py::test_database/test_index/test_collection.
    assert fauna.q(q.database("db-name")) == Ref("db-name", Native.DATABASES)
    assert fauna.q(q.index("idx-name")) == Ref("idx-name", Native.INDEXES)
    assert fauna.q(q.collection("cls-name")) == Ref("cls-name", Native.COLLECTIONS)


def test_given_a_document_when_read_raw_then_ref_is_nested_with_collection_keys(typed):
    # Renderable.scala writeRef (API >= 2.7): {"@ref": {"id", "collection": {"@ref": ...}}}; native
    # collections render as {"@ref": {"id": "collections"}}; driver test_query.py::test_create: document = {ref, ts,
    # data}.
    typed.create(C, {"a": 1}, doc_id="42")
    body = resource(typed.raw(q.get(ref(42))))
    assert body["ref"] == {"@ref": {"id": "42", "collection": {"@ref": {"id": C, "collection": {"@ref": {"id": "collections"}}}}}}
    assert set(body) == {"ref", "ts", "data"}
    assert isinstance(body["ts"], int)
    assert body["data"] == {"a": 1}


@pytest.mark.parametrize(
    "wire_ref",
    [
        {"@ref": {"id": "7", "collection": {"@ref": {"id": C, "collection": {"@ref": {"id": "collections"}}}}}},
        {"ref": {"collection": C}, "id": "7"},
    ],
    ids=["literal", "constructor"],
)
def test_given_each_ref_shape_when_getting_a_document_then_it_resolves(typed, wire_ref):
    # driver query.py / _json.py: a ref reaches the server as the literal @ref object or the ref constructor;
    # accept both.
    typed.create(C, {"k": "v"}, doc_id="7")
    assert typed.q(q.select(["data", "k"], q.get(_Expr(wire_ref)))) == "v"


def test_given_legacy_string_ref_when_checking_existence_then_it_resolves(typed):
    # driver query.py ref("classes/x"): the legacy string form {"@ref": "classes/x"} (Parser.scala: LegacyRefParser)
    # is accepted.
    assert typed.q(q.exists(_Expr({"@ref": "classes/" + C}))) is True


@pytest.mark.parametrize(
    "text, rendered",
    [
        ("1970-01-01T00:00:00.123456789Z", "1970-01-01T00:00:00.123456789Z"),
        ("1970-01-01T00:00:05.120Z", "1970-01-01T00:00:05.120Z"),
        ("1970-01-01T00:00:05.123456Z", "1970-01-01T00:00:05.123456Z"),
        ("1970-01-01T00:00:05.000Z", "1970-01-01T00:00:05Z"),
        ("1970-01-01T01:00:05+01:00", "1970-01-01T00:00:05Z"),
    ],
    ids=["nanos", "millis-trailing-zero", "micros", "zero-fraction", "offset-normalised-to-utc"],
)
def test_given_time_strings_when_rendered_then_instant_to_string_form(fauna, text, rendered):
    # driver test_query.py::test_time (nanoseconds kept); core Timestamp.scala: Instant.toString trims trailing zero
    # groups (…05Z, …05.120Z, …05.123456Z) and renders UTC ("Z"), so an offset input is normalised.
    assert resource(fauna.raw(q.time(text))) == {"@ts": rendered}
    assert fauna.q(q.time(text)) == FaunaTime(rendered)


def test_given_epoch_and_to_micros_when_evaluated_then_driver_test_values(fauna):
    # driver test_query.py::test_epoch and test_to_micros.
    assert fauna.q(q.epoch(12, "second")) == FaunaTime("1970-01-01T00:00:12Z")
    assert fauna.q(q.epoch(123456789, "nanosecond")) == FaunaTime("1970-01-01T00:00:00.123456789Z")
    assert fauna.q(q.to_micros(q.epoch(1552733214259, "second"))) == 1552733214259000000


def test_given_date_when_evaluated_then_python_date(fauna):
    # driver test_query.py::test_date.
    assert fauna.q(q.date("1970-01-01")) == date(1970, 1, 1)
    assert resource(fauna.raw(q.date("1970-01-01"))) == {"@date": "1970-01-01"}


def test_given_typed_values_in_a_document_when_read_back_then_each_round_trips(typed):
    # driver _json.py: serialisation of datetime/date/bytes (to_json) and decoding (_parse_json_hook).
    when = FaunaTime("2020-01-01T00:00:00.123456789Z")
    data = {
        "when": when,
        "dt": datetime(2021, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
        "d": date(2020, 1, 2),
        "b": bytearray(b"\x01\x02\x03"),
        "r": doc_ref(C, 1),
        "nested": {"list": [1, "two", True, 2.5]},
    }
    typed.create(C, data, doc_id="1")
    got = typed.q(q.get(ref(1)))["data"]
    assert got["when"] == when
    assert got["dt"] == FaunaTime("2021-05-06T07:08:09Z")
    assert got["d"] == date(2020, 1, 2)
    assert got["b"] == bytearray(b"\x01\x02\x03")
    assert got["r"] == doc_ref(C, 1)
    assert got["nested"] == {"list": [1, "two", True, 2.5]}


def test_given_bytes_needing_plus_and_slash_when_read_raw_then_standard_base64(typed):
    # Renderable.scala writeBytes: Base64.encodeStandardAscii (the driver sends URL-safe base64 and its
    # decoder accepts the standard alphabet, core Renderable.scala writeBytes).
    raw_bytes = b"\xfb\xff\xbf\xfe"
    typed.create(C, {"b": bytearray(raw_bytes)}, doc_id="1")
    body = resource(typed.raw(q.select(["data", "b"], q.get(ref(1)))))
    assert body == {"@bytes": base64.b64encode(raw_bytes).decode("ascii")}
    assert typed.q(q.select(["data", "b"], q.get(ref(1)))) == bytearray(raw_bytes)


def test_given_at_keyed_object_in_a_document_when_read_raw_then_wrapped_in_obj(typed):
    # Renderable.scala ObjectL / RenderDataSwitch: an object with a key starting with "@" is wrapped in
    # {"@obj": ...}; the driver unwraps it (driver _json.py _parse_json_hook).
    typed.create(C, {"@foo": 1, "n": {"@bar": 2}, "plain": {"x": 1}}, doc_id="1")
    body = resource(typed.raw(q.select("data", q.get(ref(1)))))
    assert body == {"@obj": {"@foo": 1, "n": {"@obj": {"@bar": 2}}, "plain": {"x": 1}}}
    assert typed.q(q.select("data", q.get(ref(1)))) == {"@foo": 1, "n": {"@bar": 2}, "plain": {"x": 1}}


def test_given_obj_escape_in_a_query_when_evaluated_then_literal_object_comes_back_escaped(fauna):
    # Parser.scala QueryParser escapes: {"@obj": {...}} is a literal object (not a ref); rendering escapes
    # it again because its key starts with "@".
    assert resource(fauna.raw(_Expr({"@obj": {"@ref": "not a ref"}}))) == {"@obj": {"@ref": "not a ref"}}


@pytest.mark.parametrize(
    "expr, expected",
    [
        (q.to_micros(q.epoch(1, "second")), 1000000),
        ("hello", "hello"),
        (None, None),
        (True, True),
        ([1, "a"], [1, "a"]),
    ],
    ids=["int", "string", "null", "bool", "array"],
)
def test_given_scalar_results_when_read_raw_then_wrapped_in_resource(fauna, expr, expected):
    # driver client.py: the success envelope is {"resource": X}, scalars included (test_errors.py::test_resource_error).
    response = fauna.raw(expr)
    assert response.status_code == 200
    assert json.loads(response.content) == {"resource": expected}


def test_given_match_and_documents_sets_when_evaluated_then_set_refs(typed):
    # Renderable.scala writeSetRef: IndexSet -> {"@set": {"match": ref, "terms": ...}};
    # DocumentsSet -> {"@set": {"documents": ref}}.
    typed.index("by_x", C, terms=[{"field": ["data", "x"]}])
    assert typed.q(q.match(q.index("by_x"), "a")) == SetRef({"match": index_ref("by_x"), "terms": "a"})
    assert typed.q(q.documents(q.collection(C))) == SetRef({"documents": coll_ref(C)})


def test_given_set_ref_when_selecting_inside_it_then_its_parts(typed):
    # core BasicFunctionsSpec "can extract from set definitions": Select(["@set","match"], Match(idx,"foo"))
    # == Ref(idx); Select(["@set","terms"], ...) == "foo".
    typed.index("by_x", C, terms=[{"field": ["data", "x"]}])
    m = q.match(q.index("by_x"), "foo")
    assert typed.q(q.select(["@set", "match"], m)) == index_ref("by_x")
    assert typed.q(q.select(["@set", "terms"], m)) == "foo"


def test_given_a_set_ref_sent_back_when_paginated_then_it_is_the_same_set(typed):
    # driver _json.py: {"@set": ...} decodes to SetRef and the driver sends it back as {"@set": ...}.
    typed.create(C, {}, doc_id="1")
    set_ref = typed.q(q.documents(q.collection(C)))
    assert typed.q(q.paginate(set_ref)) == {"data": [doc_ref(C, 1)]}


def test_given_query_lambda_when_echoed_then_same_query_value(fauna):
    # driver test_query.py::test_echo_query: body = query(lambda); query(body) == body.
    body = fauna.q(q.query(q.lambda_("x", q.var("x"))))
    assert isinstance(body, Query)
    assert fauna.q(body) == body


@pytest.mark.parametrize(
    "value",
    [2**63 - 1, -(2**63), -5, 0, 1.0, 2.5, -0.125, "unicode: ünïcødé ✓ 𝄞", "", [], {}, {"nested": [{"a": [1, {"b": 2}]}]}],
    ids=["int64-max", "int64-min", "neg", "zero", "float-1.0", "float", "neg-float", "unicode", "empty-str", "empty-list", "empty-obj", "nested"],
)
def test_given_plain_json_values_when_stored_and_read_then_identical_including_int_vs_float(typed, value):
    # Fauna v4 docs learn/understanding/types: numbers are 64-bit signed integers or doubles (distinct);
    # strings, arrays and objects are JSON's own (a stored null is dropped, see test_nulls).
    typed.create(C, {"v": value}, doc_id="1")
    got = typed.q(q.select(["data", "v"], q.get(ref(1))))
    assert got == value
    assert type(got) is type(value)


@pytest.mark.parametrize(
    "body, description",
    [
        (b'{"@ts": "not a time"}', "Invalid time."),
        (b'{"@ts": 5}', "Invalid time."),
        (b'{"@date": "2020-13-45"}', "Invalid date."),
        (b'{"@bytes": 7}', "Invalid bytes."),
        (b'{"@ref": 5}', "Invalid ref."),
        (b'{"@obj": 5}', "Invalid object."),
    ],
    ids=["ts-text", "ts-number", "date", "bytes", "ref", "obj"],
)
def test_given_malformed_tagged_values_when_posted_then_400_invalid_expression(fauna, body, description):
    # core ast/Parser.scala escapes (@ts/@date/@bytes/@ref/@obj) fail with InvalidTimeExpr, InvalidDateExpr,
    # InvalidBytesExpr, InvalidRefExpr, InvalidObjectExpr: ParseErrors, code "invalid expression"
    # (ast/Error.scala); descriptions from Renderable.scala ("Invalid time." ...).
    response = fauna.raw(body=body)
    assert response.status_code == 400
    first = json.loads(response.content)["errors"][0]
    assert (first["code"], first["description"]) == ("invalid expression", description)
