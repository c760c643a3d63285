"""Schema mode `typed`: kinds of wire values, the merge of a sample into columns, column names,
and the records that fill those columns."""

import json
from pathlib import Path

import jsonschema
import pytest

from source_fauna.config import AdditionalColumn, CollectionSettings
from source_fauna.records import RecordBuilder
from source_fauna.schema import configured_columns_schema
from source_fauna.typed_columns import (
    CATCH_ALL_COLUMN,
    ColumnSampler,
    TypedColumn,
    column_names,
    columns_from_schema,
    kind_of,
)
from source_fauna.values import with_plain_values
from unit_tests.test_records import wire_document

REF = {"@ref": {"id": "7", "collection": {"@ref": {"id": "users", "collection": {"@ref": {"id": "collections"}}}}}}
DOCUMENT_SCHEMA = Path(__file__).resolve().parents[1] / "source_fauna" / "schemas" / "fauna_document.json"
RESERVED = ("ref", "ts", "data", "ttl", CATCH_ALL_COLUMN)


@pytest.mark.parametrize(
    "value, kind",
    [
        ("text", "string"),
        (5, "integer"),
        (2**63 - 1, "integer"),
        (1.5, "number"),
        (True, "boolean"),
        ({"a": 1}, "object"),
        ({"@obj": {"@a": 1}}, "object"),
        ([1, "x"], "array"),
        (REF, "ref"),
        ({"@ts": "2022-01-01T00:00:00.123456789Z"}, "timestamp"),
        ({"@date": "2022-01-01"}, "date"),
        ({"@bytes": "AQID"}, "bytes"),
        ({"@set": {"match": 1}}, "string"),
        ({"@query": {"lambda": "x"}}, "string"),
        (None, "null"),
    ],
)
def test_each_wire_value_has_the_kind_of_its_record_value(value, kind):
    assert kind_of(value) == kind


def sampled(*documents, deletions=False, data_column=True):
    sampler = ColumnSampler()
    for data in documents:
        sampler.add(data)
    return sampler.columns(RESERVED + (("deleted_at",) if deletions else ()), all_nullable=deletions, catch_all=not data_column)


def test_mixed_missing_nested_and_colliding_fields_give_the_documented_schema():
    typed = sampled(
        {"age": 30, "score": 1, "name": "Ann", "tag": "x", "ref": REF, "address": {"city": "Oslo"}, "at": {"@ts": "2022-01-01T00:00:00Z"}},
        {"age": 31, "score": 2.5, "tag": 7, "ref": REF, "address": {"city": "Rome"}, "at": {"@ts": "2022-01-02T00:00:00Z"}},
    )
    assert typed.properties() == {
        "address": {"type": "object", "title": "address", "description": "The field `address` of the document's data."},
        "age": {"type": "integer", "title": "age", "description": "The field `age` of the document's data."},
        "at": {
            "type": "string",
            "format": "date-time",
            "airbyte_type": "timestamp_with_timezone",
            "title": "at",
            "description": "The field `at` of the document's data.",
        },
        "data_ref": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "collection": {"type": "string"}, "type": {"type": "string"}},
            "title": "ref",
            "description": "The field `ref` of the document's data.",
        },
        # absent from one document: nullable
        "name": {"type": ["null", "string"], "title": "name", "description": "The field `name` of the document's data."},
        # integer and double: a number column
        "score": {"type": "number", "title": "score", "description": "The field `score` of the document's data."},
        # two kinds: any of their schemas
        "tag": {
            "anyOf": [{"type": "integer"}, {"type": "string"}],
            "title": "tag",
            "description": "The field `tag` of the document's data.",
        },
    }


def test_with_deletions_every_column_is_nullable():
    typed = sampled({"age": 1, "tag": "x"}, {"age": 2, "tag": 3}, deletions=True)
    properties = typed.properties()
    assert properties["age"]["type"] == ["null", "integer"]
    assert {"type": "null"} in properties["tag"]["anyOf"]


def test_integers_are_integers_not_numbers_and_a_field_seen_only_as_null_is_kept():
    # The CDK's schema inferrer widens integers to `number` and drops fields only ever null.
    typed = sampled({"n": 2**62, "empty": None})
    assert typed.properties()["n"]["type"] == "integer"
    assert typed.properties()["empty"]["anyOf"] == [{"type": "null"}]


def test_names_are_made_valid_and_kept_apart_by_the_stated_rule():
    names = column_names(["ref", "Ts", "first name", "1st", "", "_airbyte_raw", "data_ref", "é", "x" * 80, "x" * 81], RESERVED)
    assert names == {
        "": "_",
        "1st": "_1st",
        "Ts": "data_Ts",
        "_airbyte_raw": "data__airbyte_raw",
        "data_ref": "data_ref",
        "first name": "first_name",
        "ref": "data_ref_2",
        "x" * 80: "x" * 63,
        "x" * 81: "x" * 61 + "_2",
        "é": "__2",  # `é` becomes `_`, which the empty field took
    }


def test_columns_come_back_from_the_schema_they_wrote():
    typed = sampled({"age": 1, "tag": "x", "at": {"@date": "2022-01-01"}}, {"tag": 3}, deletions=True)
    schema = {"ref": {"type": "string"}, **typed.properties()}
    assert columns_from_schema(schema, catch_all=False) == typed


def test_a_number_column_accepts_integers_and_only_a_nullable_column_accepts_null():
    column = TypedColumn(name="n", field="n", kinds=frozenset({"number"}), nullable=False)
    assert column.accepts("integer") and column.accepts("number")
    assert not column.accepts("null") and not column.accepts("string")


UNTAGGED_VALUES = ["text", 5, 1.5, True, None, [1, {"@ts": "2022-01-01T00:00:00Z"}]]


@pytest.mark.parametrize("kinds", [set(), {"string"}, {"integer"}, {"number"}, {"boolean"}, {"array"}, {"object"}, {"string", "timestamp"}])
@pytest.mark.parametrize("nullable", [False, True])
def test_the_types_a_column_fits_are_those_whose_kind_it_accepts(kinds, nullable):
    column = TypedColumn(name="c", field="c", kinds=frozenset(kinds), nullable=nullable)
    for value in UNTAGGED_VALUES:
        assert (type(value) in column.fitting_types()) == column.accepts(kind_of(value)), value


def test_a_value_fits_its_column_by_its_kind_in_fauna_not_by_the_record_value_it_becomes():
    sample = [{"text": "a", "at": {"@ts": "2022-01-01T00:00:00Z"}, "query": {"@query": {"lambda": "x"}}}]
    # A time becomes a string, and a string is no time; a query is written as a string and fits a string column.
    read = [{"text": {"@ts": "2022-01-01T00:00:00Z"}, "at": "2022-01-01T00:00:00Z", "query": "q"}, {"text": {"@query": {"lambda": "y"}}}]
    _, records, schema = records_and_schema(sample, read, data_column=False)
    for record in records:
        jsonschema.validate(record, schema)
    assert "text" not in records[0] and "at" not in records[0] and "query" in records[0]
    assert records[0][CATCH_ALL_COLUMN] == {"text": "2022-01-01T00:00:00Z", "at": "2022-01-01T00:00:00Z"}
    assert records[1]["text"] == '{"@query":{"lambda":"y"}}' and records[1][CATCH_ALL_COLUMN] is None

def document(data, ref_id="1"):
    return wire_document({"ref": {"@ref": {"id": ref_id}}, "ts": 10, "data": data})


def records_and_schema(sample, read, data_column=True, deletions=False):
    """The records a RecordBuilder makes of `read` with the columns sampled from `sample`, and the stream's schema."""
    settings = CollectionSettings(
        name="users",
        data_column=data_column,
        deleted_at_column="deleted_at" if deletions else None,
        typed_columns=sampled(*sample, deletions=deletions, data_column=data_column),
    )
    builder = RecordBuilder(settings)
    records = [with_plain_values(record) for record in builder.page([document(data, str(i)) for i, data in enumerate(read)])]
    schema = json.loads(DOCUMENT_SCHEMA.read_text())
    schema["properties"].update(configured_columns_schema(settings)["properties"])
    return builder, records, schema


def test_records_fill_the_columns_and_validate_against_the_schema():
    sample = [{"age": 30, "name": "Ann", "at": {"@ts": "2022-01-01T00:00:00.123456789Z"}, "owner": REF}, {"age": 2**60}]
    _, records, schema = records_and_schema(sample, sample)
    for record in records:
        jsonschema.validate(record, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert records[0]["age"] == 30 and records[1]["age"] == 2**60
    assert records[0]["at"] == "2022-01-01T00:00:00.123456789Z"
    assert records[0]["owner"] == {"id": "7", "collection": "users", "type": "document"}
    assert records[1]["name"] is None and "name" not in records[1]["data"]


def test_new_fields_and_misfits_stay_in_data_and_are_logged_once(caplog):
    _, records, schema = records_and_schema([{"age": 30}], [{"age": "old", "new": 1}, {"age": "older", "newer": 2}])
    for record in records:
        jsonschema.validate(record, schema)
    assert "age" not in records[0]  # not nullable: left out rather than null
    assert records[0]["data"] == {"age": "old", "new": 1}
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 2, warnings
    assert "new" in warnings[0] and "`data` column" in warnings[0]
    assert "Field 'age' of document 0 in collection 'users' holds a string, which its column 'age'" in warnings[1]


@pytest.mark.parametrize(
    "value, named",
    [(5, "an integer"), (1.5, "a number"), ({"a": 1}, "an object"), ([1], "an array"), (REF, "a ref"), ({"@ts": "2022-01-01T00:00:00Z"}, "a timestamp")],
)
def test_a_misfit_is_named_with_its_article(caplog, value, named):
    records_and_schema([{"age": True}], [{"age": value}])
    [warning] = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert f"holds {named}, which its column 'age' does not accept" in warning


def test_a_null_in_a_column_that_is_not_nullable_is_named_null(caplog):
    records_and_schema([{"age": 30}], [{"age": None}])
    [warning] = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert "holds null, which its column 'age' does not accept" in warning


def test_without_the_data_column_what_fits_no_column_goes_to_the_catch_all_column():
    _, records, schema = records_and_schema([{"age": 30}], [{"age": "old", "new": 1}, {"age": 5}], data_column=False)
    for record in records:
        jsonschema.validate(record, schema)
        assert "data" not in record
    assert records[0][CATCH_ALL_COLUMN] == {"age": "old", "new": 1}
    assert records[1] == {"ref": "1", "ts": 10, "ttl": None, "age": 5, CATCH_ALL_COLUMN: None}


def test_a_removal_has_every_typed_column_null():
    builder, _, schema = records_and_schema([{"age": 30}], [], data_column=False, deletions=True)
    removal = builder.removal({"document": {"@ref": {"id": "3"}}, "ts": 20})
    jsonschema.validate(removal, schema)
    assert removal["age"] is None and removal[CATCH_ALL_COLUMN] is None


def test_the_worked_example_of_the_docs():
    ann = {"name": "Ann", "age": 30, "ts": {"@ts": "2024-05-01T12:00:00Z"}, "first name": "A"}
    bob = {"name": "Bob", "age": 41.5, "owner": REF}
    _, records, schema = records_and_schema([ann, bob], [ann], data_column=False)
    columns = {name: column.get("type") for name, column in schema["properties"].items()}
    assert columns == {
        "ref": "string",
        "ts": "integer",
        "ttl": ["null", "string"],
        "age": "number",
        "data_ts": ["null", "string"],
        "first_name": ["null", "string"],
        "name": "string",
        "owner": ["null", "object"],
        CATCH_ALL_COLUMN: ["null", "object"],
    }
    assert schema["properties"]["data_ts"]["format"] == "date-time"
    assert records[0] == {
        "ref": "0", "ts": 10, "ttl": None, "age": 30, "data_ts": "2024-05-01T12:00:00Z",
        "first_name": "A", "name": "Ann", "owner": None, CATCH_ALL_COLUMN: None,
    }


# Fauna escapes an object with a key starting with `@` as {"@obj": {...}}, a document's whole `data` included
# (core ext/model/src/main/scala/Renderable.scala, ObjectL): its keys are literal field names, never tags.
AT_KEYED = [
    {"@obj": {"@type": "x", "n": 1}},
    {"a": {"@obj": {"@ref": "not a ref"}}, "n": 2},
    {"@obj": {"@ref": "not a ref"}},
]


def test_the_fields_of_at_keyed_data_are_its_literal_keys():
    columns = {column.field: column for column in sampled(*AT_KEYED).columns}
    assert columns == {
        "@type": TypedColumn(name="_type", field="@type", kinds=frozenset({"string"}), nullable=True),
        "@ref": TypedColumn(name="_ref", field="@ref", kinds=frozenset({"string"}), nullable=True),
        "a": TypedColumn(name="a", field="a", kinds=frozenset({"object"}), nullable=True),
        "n": TypedColumn(name="n", field="n", kinds=frozenset({"integer"}), nullable=True),
    }


@pytest.mark.parametrize("data_column", [True, False])
def test_records_of_at_keyed_data_hold_the_values_schemaless_mode_gives(data_column):
    misfit = {"@obj": {"@type": 5, "@new": {"@date": "2024-01-02"}}}
    _, records, schema = records_and_schema(AT_KEYED, AT_KEYED + [misfit], data_column=data_column)
    schemaless = RecordBuilder(CollectionSettings(name="users"))
    expected = [with_plain_values(schemaless.document(document(data)))["data"] for data in AT_KEYED + [misfit]]
    assert expected == [{"@type": "x", "n": 1}, {"a": {"@ref": "not a ref"}, "n": 2}, {"@ref": "not a ref"}, {"@type": 5, "@new": "2024-01-02"}]
    for record in records:
        jsonschema.validate(record, schema)
    columns = [{name: record[name] for name in ("_type", "_ref", "a", "n")} for record in records]
    assert columns == [
        {"_type": "x", "_ref": None, "a": None, "n": 1},
        {"_type": None, "_ref": None, "a": {"@ref": "not a ref"}, "n": 2},
        {"_type": None, "_ref": "not a ref", "a": None, "n": None},
        {"_type": None, "_ref": None, "a": None, "n": None},
    ]
    if data_column:
        assert [record["data"] for record in records] == expected
    else:
        assert [record[CATCH_ALL_COLUMN] for record in records] == [None, None, None, expected[3]]


@pytest.mark.parametrize("typed", [False, True], ids=["schemaless", "typed"])
def test_columns_from_paths_read_at_keyed_fields_by_their_literal_names(typed):
    settings = CollectionSettings(
        name="users",
        additional_columns=(
            AdditionalColumn("kind", ("data", "@type"), "string"),
            AdditionalColumn("inner", ("data", "a", "@ref"), "string"),
        ),
        typed_columns=sampled(*AT_KEYED) if typed else None,
    )
    builder = RecordBuilder(settings)
    records = [builder.document(document(data)) for data in AT_KEYED]
    assert [(record["kind"], record["inner"]) for record in records] == [("x", None), (None, "not a ref"), (None, None)]
