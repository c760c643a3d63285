"""Record values: every Fauna type, checked two ways.

1. Against the documented forms (the old connector's serialization rules, which its published
   acceptance records show: airbytehq/airbyte `airbyte-integrations/connectors/source-fauna/`
   `source_fauna/serialize.py` and `integration_tests/expected_records.jsonl`).
2. Against the faunadb driver's own decoding followed by that mapping, so the connector's faster
   decoder yields exactly what decoding through the driver would (except `@obj`, below).
"""

import base64
import json
from datetime import date

import orjson
import pytest
from faunadb import _json as driver_json
from faunadb.objects import FaunaTime, Query, Ref, SetRef

from source_fauna.config import AdditionalColumn, CollectionSettings
from source_fauna.errors import config_error
from source_fauna.records import RecordBuilder, data_value, data_values, json_schema, micros_to_iso, to_airbyte_value, unwrap_time_tags, with_plain_values
from source_fauna.wire import decode_document_page

COLLECTIONS = {"@ref": {"id": "collections"}}
USERS = {"@ref": {"id": "users", "collection": COLLECTIONS}}
DOC_REF = {"@ref": {"id": "337567897171787849", "collection": USERS}}

CASES = [
    ("document ref", DOC_REF, {"id": "337567897171787849", "collection": "users", "type": "document"}),
    ("collection ref", USERS, {"id": "users", "type": "collection"}),
    ("index ref", {"@ref": {"id": "users_ts", "collection": {"@ref": {"id": "indexes"}}}}, {"id": "users_ts", "type": "index"}),
    ("unknown single-level class", {"@ref": {"id": "x", "collection": {"@ref": {"id": "indexes_typoed"}}}}, {"id": "x", "type": "indexes_typoed"}),
    ("native ref", COLLECTIONS, {"id": "collections", "type": "unknown"}),
    ("time with nanoseconds", {"@ts": "2022-01-01T00:00:00.123456789Z"}, "2022-01-01T00:00:00.123456789Z"),
    ("time trimmed", {"@ts": "2022-01-01T00:00:05Z"}, "2022-01-01T00:00:05Z"),
    ("date", {"@date": "2012-02-01"}, "2012-02-01"),
    ("bytes", {"@bytes": "//4="}, "__4="),
    ("bytes url-safe", {"@bytes": "AQI="}, "AQI="),
    ("big integer", 9007199254740993, 9007199254740993),
    ("min long", -9223372036854775808, -9223372036854775808),
    ("float", 1.5, 1.5),
    ("nested", {"a": [1, {"when": {"@ts": "2020-01-01T00:00:00Z"}}], "b": None, "c": True}, {"a": [1, {"when": "2020-01-01T00:00:00Z"}], "b": None, "c": True}),
    ("set", {"@set": {"match": {"@ref": {"id": "by_x", "collection": {"@ref": {"id": "indexes"}}}}, "terms": "a"}}, None),
    ("query", {"@query": {"lambda": "x", "expr": {"var": "x"}}}, None),
]


def documented(value):
    """The old connector's documented mapping, applied to the driver's decoded objects."""
    if isinstance(value, dict):
        return {key: documented(item) for key, item in value.items()}
    if isinstance(value, list):
        return [documented(item) for item in value]
    if isinstance(value, Ref):
        collection = value.collection()
        if collection is None:
            return {"id": value.id(), "type": "unknown"}
        if collection.collection() is None:
            kinds = {"collections": "collection", "indexes": "index", "databases": "database", "keys": "key"}
            return {"id": value.id(), "type": kinds.get(collection.id(), collection.id())}
        return {"id": value.id(), "collection": collection.id(), "type": "document"}
    if isinstance(value, (Query, SetRef)):
        return driver_json.to_json(value)
    if isinstance(value, FaunaTime):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.urlsafe_b64encode(value).decode()
    return value


@pytest.mark.parametrize("wire,expected", [(wire, expected) for _, wire, expected in CASES], ids=[name for name, _, _ in CASES])
def test_value_matches_the_documented_form_and_the_driver(wire, expected):
    through_driver = documented(driver_json.parse_json(json.dumps(wire)))
    assert to_airbyte_value(wire) == through_driver
    if expected is not None:
        assert to_airbyte_value(wire) == expected


def test_sets_and_queries_become_their_wire_json_string():
    wire = {"@query": {"lambda": "x", "expr": {"var": "x"}}}
    assert json.loads(to_airbyte_value(wire)) == wire


def test_at_obj_keeps_user_keys_that_look_like_tags():
    # The driver decodes {"@obj": {"@ref": {"id": "x"}}} into a Ref (its hook runs bottom-up, driver
    # `faunadb/_json.py` `_parse_json_hook`); the user's object really has a key "@ref", which the connector keeps.
    assert to_airbyte_value({"@obj": {"@ref": {"id": "x"}, "n": {"@date": "2020-01-02"}}}) == {
        "@ref": {"id": "x"},
        "n": "2020-01-02",
    }


def test_deleted_at_is_iso_8601_utc_with_offset_exact_to_the_microsecond():
    assert micros_to_iso(1659398359360000) == "2022-08-01T23:59:19.360000+00:00"
    assert micros_to_iso(1648944000000000) == "2022-04-03T00:00:00+00:00"
    assert micros_to_iso(1648944000000001) == "2022-04-03T00:00:00.000001+00:00"


DOCUMENT = {
    "ref": DOC_REF,
    "ts": 1658188683585000,
    "data": {"a": 5, "nested": {"value": 15}, "owner": DOC_REF, "tags": ["x", "y"]},
}


def wire_document(document):
    """A document as the gateway hands it over: Fauna's JSON decoded by the typed page decoder."""
    return decode_document_page(json.dumps({"resource": {"data": [document]}}).encode())["data"][0]


TIMES_AND_SCALARS = [case for case in CASES if case[0].startswith(("time", "date", "big", "min", "float", "nested"))]


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")], ids=["compact as Fauna sends it", "spaced"])
@pytest.mark.parametrize("cases", [CASES, TIMES_AND_SCALARS], ids=["every type", "times and scalars only"])
def test_a_page_of_documents_gives_the_drivers_values(cases, separators):
    answer = json.dumps(
        {
            "resource": {
                "data": [{**DOCUMENT, "data": {name: wire for name, wire, _ in cases}, "ttl": {"@ts": "2030-01-01T00:00:00Z"}, "unknown": 1}],
                "after": [DOC_REF],
            }
        },
        separators=separators,
    )
    page = decode_document_page(answer.encode())
    record = RecordBuilder(CollectionSettings(name="users")).document(page["data"][0])
    document = documented(driver_json.parse_json(answer))["resource"]["data"][0]
    assert with_plain_values(record) == {"ref": document["ref"]["id"], "ts": document["ts"], "data": document["data"], "ttl": document["ttl"]}
    assert page["after"] == [DOC_REF], "the page cursor stays a wire value, to be sent back as it came"
    # Data tagged with times and dates only, as Fauna writes it, goes on as JSON; anything else as objects.
    assert isinstance(record["data"], orjson.Fragment) == (cases is TIMES_AND_SCALARS and separators == (",", ":"))


def test_document_record_has_the_old_connectors_shape():
    builder = RecordBuilder(CollectionSettings(name="users"))
    assert with_plain_values(builder.document(wire_document(DOCUMENT))) == {
        "ref": "337567897171787849",
        "ts": 1658188683585000,
        "data": {"a": 5, "nested": {"value": 15}, "owner": {"id": "337567897171787849", "collection": "users", "type": "document"}, "tags": ["x", "y"]},
        "ttl": None,
    }


UNWRAP_CASES = [
    (b'{"a":1,"b":["x",null,true,1.5]}', b'{"a":1,"b":["x",null,true,1.5]}'),
    (b'{"at":{"@ts":"2020-01-01T00:00:00Z"},"on":[{"@date":"2020-01-02"}]}', b'{"at":"2020-01-01T00:00:00Z","on":["2020-01-02"]}'),
    (b'{"@ts":"2020-01-01T00:00:00Z"}', b'"2020-01-01T00:00:00Z"'),
    (b'{"@date":"2020-01-02"}', b'"2020-01-02"'),
    (b'{"city":"Krak\\u00f3w \\"old town\\"","at":{"@ts":"2020-01-01T00:00:00Z"}}', b'{"city":"Krak\\u00f3w \\"old town\\"","at":"2020-01-01T00:00:00Z"}'),
    (b'{"a": 1, "b": [2]}', b'{"a": 1, "b": [2]}'),
    (b'{"quote":"say \\"{\\"@ts\\":1}\\""}', None),  # a tag's text inside a string: escaped quotes
    (b'{"owner":{"@ref":{"id":"1"}}}', None),
    (b'{"x":{"@obj":{"@ts":{"@ts":"2020-01-01T00:00:00Z"}}}}', None),
    (b'{"x":{"@bytes":"AQI="},"at":{"@ts":"2020-01-01T00:00:00Z"}}', None),
    (b'{"handle":"@fauna"}', None),
    (b'{"handle":"\\u0040fauna"}', None),
    (b'{"at":{"@ts":"a\\"}"}}', None),  # an escaped quote followed by } is not the time's end
    (b'{"at":{"@ts":"@2020"}}', None),
    (b'{"at":{"@date":"2020-01-02"},"n":{"@ts":"2020-01-01T00:00:00Z"} }', b'{"at":"2020-01-02","n":"2020-01-01T00:00:00Z" }'),
    (b'{"at":{"@ts": "2020-01-01T00:00:00Z"}}', None),
    (b'{"at":{"@ts":"2020-01-01T00:00:00Z","n":1}}', None),
    (b'{"a":\n1}', None),
    (b'{"a":\r\n1}', None),
]


@pytest.mark.parametrize("raw,plain", UNWRAP_CASES)
def test_only_times_and_dates_are_unwrapped_in_the_json_anything_else_is_left_to_the_decoder(raw, plain):
    assert unwrap_time_tags(raw) == plain
    # Either way, the record's value is what decoding and converting the data gives.
    assert orjson.loads(orjson.dumps(data_value(raw))) == to_airbyte_value(json.loads(raw))


CLEAN = [raw for raw, plain in UNWRAP_CASES if plain is not None and b"\n" not in raw]


@pytest.mark.parametrize(
    "raws",
    [
        CLEAN,
        [raw for raw, _ in UNWRAP_CASES],
        CLEAN + [b'{"owner":{"@ref":{"id":"1"}}}'],
        [b'{"a":\n1}'] + CLEAN,
        [b'"x"', b'{"@ts":"2020-01-01T00:00:00Z"}', b'{"@date":"2020-01-02"}', b"1"],
        [],
    ],
    ids=["times, dates and scalars", "every case", "one with a ref", "one with a line break", "values that are tags", "none"],
)
def test_a_pages_data_converted_at_once_is_what_each_document_gives_alone(raws):
    values = data_values([memoryview(raw) for raw in raws])  # bytes-like, as msgspec's Raw
    alone = [data_value(raw) for raw in raws]
    assert [orjson.dumps(value) for value in values] == [orjson.dumps(value) for value in alone]
    assert [isinstance(value, orjson.Fragment) for value in values] == [isinstance(value, orjson.Fragment) for value in alone]


def test_a_page_of_records_is_each_document_built_alone():
    documents = [wire_document({**DOCUMENT, "data": {"n": n, "at": {"@ts": "2020-01-01T00:00:00Z"}}}) for n in range(3)]
    documents.append(wire_document(DOCUMENT))  # its data holds a ref
    for settings in (CollectionSettings(name="users"), CollectionSettings(name="users", data_column=False, deleted_at_column="deleted_at")):
        builder = RecordBuilder(settings)
        page = builder.page(documents)
        assert [with_plain_values(record) for record in page] == [with_plain_values(builder.document(document)) for document in documents]


def test_ttl_is_the_time_string_fauna_sent():
    builder = RecordBuilder(CollectionSettings(name="users"))
    assert builder.document(wire_document({**DOCUMENT, "ttl": {"@ts": "2030-01-01T00:00:00Z"}}))["ttl"] == "2030-01-01T00:00:00Z"


def test_columns_come_from_paths_and_data_can_be_left_out():
    settings = CollectionSettings(
        name="users",
        data_column=False,
        additional_columns=(
            AdditionalColumn("value", ("data", "nested", "value"), "integer"),
            AdditionalColumn("owner_id", ("data", "owner", "id"), "string"),
            AdditionalColumn("second_tag", ("data", "tags", "1"), "string"),
            AdditionalColumn("missing", ("data", "nope"), "string"),
        ),
        deleted_at_column="deleted_at",
    )
    record = RecordBuilder(settings).document(wire_document(DOCUMENT))
    assert "data" not in record
    assert record["value"] == 15 and record["owner_id"] == "337567897171787849" and record["second_tag"] == "y"
    assert record["missing"] is None and record["deleted_at"] is None


def test_a_required_column_without_value_fails_naming_the_document_and_path():
    settings = CollectionSettings(name="users", additional_columns=(AdditionalColumn("email", ("data", "email"), "string", required=True),))
    with pytest.raises(type(config_error("x"))) as raised:
        RecordBuilder(settings).document(wire_document(DOCUMENT))
    assert "337567897171787849" in raised.value.message and "data.email" in raised.value.message


def test_removal_record_sets_the_deleted_at_column_and_nulls_the_rest():
    settings = CollectionSettings(name="users", deleted_at_column="_ab_cdc_deleted_at")
    event = {"ts": 1659398359360000, "action": "remove", "document": DOC_REF}
    assert RecordBuilder(settings).removal(event) == {
        "ref": "337567897171787849",
        "ts": 1659398359360000,
        "data": None,
        "ttl": None,
        "_ab_cdc_deleted_at": "2022-08-01T23:59:19.360000+00:00",
    }


def test_schema_declares_every_column_a_record_can_hold():
    settings = CollectionSettings(
        name="users",
        additional_columns=(AdditionalColumn("email", ("data", "email"), "string", required=True), AdditionalColumn("at", ("data", "at"), "timestamp")),
        deleted_at_column="deleted_at",
    )
    properties = json_schema(settings)["properties"]
    assert properties["ts"] == {"type": "integer", "description": properties["ts"]["description"]}
    assert properties["ttl"]["type"] == ["null", "string"] and properties["ttl"]["format"] == "date-time"
    assert properties["deleted_at"]["airbyte_type"] == "timestamp_with_timezone"
    assert properties["at"]["type"] == ["null", "string"] and properties["at"]["format"] == "date-time"
    # removals carry no document values, so even a required column is nullable when deletions are synced
    assert properties["email"]["type"] == ["null", "string"]
    assert json_schema(CollectionSettings(name="u", additional_columns=settings.additional_columns[:1]))["properties"]["email"]["type"] == "string"
