"""Records of one collection: the old connector's shape, the user's columns, removals.

Values inside a record are checked on their own in test_values.py; here a page of documents
decoded as the gateway decodes it must give what the driver's decoding gives.
"""

import json

import orjson
import pytest
from faunadb import _json as driver_json

from source_fauna.catalog import CollectionInfo
from source_fauna.config import AdditionalColumn, CollectionSettings
from source_fauna.errors import config_error
from source_fauna.reader import CollectionReader
from source_fauna.records import RecordBuilder
from source_fauna.typed_columns import TypedColumn, TypedColumns
from source_fauna.values import with_plain_values
from source_fauna.wire import decode_document_page
from unit_tests.test_values import CASES, DOC_REF, documented

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


def test_messages_about_documents_name_the_stream_of_a_child_databases_collection(caplog):
    """The runtime gives the reader the settings under the collection's own name (`users`, as refs carry it);
    a warning or error must name the stream (`tenant_a/users`), or two tenants' `users` could not be told apart."""
    from unit_tests.test_reader import ScriptedGateway, opening, paginator

    info = CollectionInfo(name="tenant_a/users", history_days=None, ts_index="users_ts")
    age = TypedColumn(name="age", field="age", kinds=frozenset({"integer"}), nullable=False)
    typed = CollectionSettings(name="users", typed_columns=TypedColumns(columns=(age,), catch_all=False))
    page = {"data": [{"ref": DOC_REF, "ts": 1, "data": {"age": "old", "new": 1}}]}
    [records] = [page.records for page in CollectionReader(ScriptedGateway([opening(), page]), info, typed).snapshot_pages(paginator())]
    assert records[0]["data"] == {"age": "old", "new": 1}
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 2 and all("collection 'tenant_a/users'" in warning for warning in warnings), warnings

    required = CollectionSettings(name="users", additional_columns=(AdditionalColumn("email", ("data", "email"), "string", required=True),))
    with pytest.raises(type(config_error("x"))) as raised:
        list(CollectionReader(ScriptedGateway([opening(), page]), info, required).snapshot_pages(paginator()))
    assert "collection 'tenant_a/users'" in raised.value.message
