"""Schema mode `typed` through the real `source-fauna` command: the columns discover derives from a
sample, and reads that fill them, keep what does not fit, and follow the configured catalog."""

import json
import warnings

import jsonschema

from integration_tests.conftest import create_collection, create_documents

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

USERS = [
    {"name": "Ann", "age": 30, "score": 1, "tag": "x", "ref": "a", "first name": "A", "address": {"city": "Oslo"}},
    {"name": "Bob", "age": 41, "score": 2.5, "tag": 7, "ref": "b", "joined": q.time("2024-05-01T12:00:00Z"), "big": 2**62 + 1},
]


def typed_config(fauna, **overrides):
    return fauna.config(schema_mode="typed", **overrides)


def seed(fauna):
    client = fauna.client()
    create_collection(client, "users")
    create_documents(client, "users", USERS)
    return client


def test_discover_types_the_sampled_fields_by_the_documented_rules(fauna, source):
    seed(fauna)
    streams = {stream["name"]: stream for stream in source.run("discover", typed_config(fauna)).catalog["streams"]}
    properties = streams["users"]["json_schema"]["properties"]
    assert properties["age"]["type"] == "integer"
    assert properties["big"]["type"] == ["null", "integer"]
    assert properties["score"]["type"] == "number"
    assert properties["tag"]["anyOf"] == [{"type": "integer"}, {"type": "string"}]
    assert properties["address"]["type"] == ["null", "object"]
    assert properties["joined"]["format"] == "date-time" and properties["joined"]["type"] == ["null", "string"]
    assert properties["data_ref"]["title"] == "ref" and properties["ref"]["type"] == "string"
    assert properties["first_name"]["title"] == "first name"
    assert "data" in properties


def test_schemaless_stays_the_default(fauna, source):
    seed(fauna)
    properties = source.run("discover", fauna.config()).catalog["streams"][0]["json_schema"]["properties"]
    assert set(properties) == {"ref", "ts", "ttl", "data"}


def test_the_sample_size_bounds_what_discover_reads(fauna, source):
    seed(fauna)  # one transaction: the newest entry of the [ts, ref] index is the higher ref, Bob's
    properties = source.run("discover", typed_config(fauna, schema_sample_size=1)).catalog["streams"][0]["json_schema"]["properties"]
    assert "first_name" not in properties and "address" not in properties  # Ann's only
    assert properties["tag"]["type"] == "integer" and properties["big"]["type"] == "integer"


def test_the_sample_is_the_most_recently_modified_documents_when_the_collection_has_a_ts_index(fauna, source):
    client = fauna.client()
    create_collection(client, "plans")
    create_collection(client, "unindexed", index=None)
    for collection in ("plans", "unindexed"):
        create_documents(client, collection, [{"n": n} for n in range(6)], ids=[str(n) for n in range(1, 7)])
        # Documents 3 and 4, neither the first nor the last ids, are changed last and alone have `tier`.
        client.query([q.update(q.ref(q.collection(collection), i), {"data": {"tier": "gold"}}) for i in ("3", "4")])
    config = typed_config(fauna, schema_sample_size=2)
    streams = {stream["name"]: stream["json_schema"]["properties"] for stream in source.run("discover", config).catalog["streams"]}
    assert streams["plans"]["tier"]["type"] == "string" and streams["plans"]["n"]["type"] == "integer"
    assert "tier" not in streams["unindexed"]  # without the index: the first documents by id, 1 and 2


def test_a_read_fills_the_columns_and_its_records_fit_the_discovered_schema(fauna, source):
    seed(fauna)
    config = typed_config(fauna, collection_settings=[{"name": "users", "data_column": False}])
    catalog = source.discover_catalog(config, sync_mode="full_refresh")
    schema = catalog["streams"][0]["stream"]["json_schema"]
    output = source.run("read", config, catalog)
    assert output.returncode == 0, output.errors
    records = sorted(output.records_of("users"), key=lambda record: record["name"])
    for record in records:
        jsonschema.validate(record, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
        assert "data" not in record and record.get("unmatched_data") is None
    assert records[1]["big"] == 2**62 + 1 and records[1]["joined"] == "2024-05-01T12:00:00Z"
    assert records[0]["data_ref"] == "a" and records[0]["first_name"] == "A" and records[0]["address"] == {"city": "Oslo"}


def test_fields_after_discovery_and_misfits_are_kept_in_the_catch_all_column(fauna, source):
    client = seed(fauna)
    config = typed_config(fauna, collection_settings=[{"name": "users", "data_column": False}])
    catalog = source.discover_catalog(config, sync_mode="full_refresh")
    create_documents(client, "users", [{"name": "Cy", "age": "unknown", "pet": "cat"}, {"name": "Di", "age": 5, "car": "red"}])
    output = source.run("read", config, catalog)
    assert output.returncode == 0, output.errors
    by_name = {record["name"]: record for record in output.records_of("users")}
    assert by_name["Cy"]["unmatched_data"] == {"age": "unknown", "pet": "cat"} and "age" not in by_name["Cy"]
    assert by_name["Di"]["unmatched_data"] == {"car": "red"} and by_name["Di"]["age"] == 5
    # The read keeps to the configured catalog's columns: no column appears for the new fields.
    assert "pet" not in by_name["Cy"] and "car" not in by_name["Di"]
    warnings_logged = [message for message in output.of_type("LOG") if message["log"]["level"] == "WARN"]
    assert len([log for log in warnings_logged if "no column for" in log["log"]["message"]]) == 1
    assert len([log for log in warnings_logged if "does not accept" in log["log"]["message"]]) == 1


def test_at_keyed_fields_are_columns_holding_the_values_schemaless_mode_gives(fauna, source):
    # Fauna sends an object with a key starting with `@` escaped as {"@obj": {...}}, a document's whole data included.
    client = fauna.client()
    create_collection(client, "tagged")
    # Only the refs come back: the driver's decoder takes the `@ref` key inside an `@obj` for a ref and fails.
    datas = [{"@type": "x", "n": 1}, {"a": {"@ref": "not a ref"}, "n": 2}]
    client.query([q.select("ref", q.create(q.ref(q.collection("tagged"), str(i)), {"data": data})) for i, data in enumerate(datas, 1)])
    columns = [{"name": "kind", "path": ["data", "@type"], "type": "string"}, {"name": "inner", "path": ["data", "a", "@ref"], "type": "string"}]
    records = {}
    for mode in ("schemaless", "typed"):
        config = fauna.config(schema_mode=mode, collection_settings=[{"name": "tagged", "additional_columns": columns}])
        catalog = source.discover_catalog(config, sync_mode="full_refresh", streams=["tagged"])
        output = source.run("read", config, catalog)
        assert output.returncode == 0, output.errors
        records[mode] = {record["ref"]: record for record in output.records_of("tagged")}
    schema = catalog["streams"][0]["stream"]["json_schema"]
    assert schema["properties"]["_type"]["title"] == "@type" and "@obj" not in json.dumps(schema)
    # Records leave out null values.
    assert {ref: (record["data"], record.get("kind"), record.get("inner")) for ref, record in records["schemaless"].items()} == {
        "1": ({"@type": "x", "n": 1}, "x", None),
        "2": ({"a": {"@ref": "not a ref"}, "n": 2}, None, "not a ref"),
    }
    for ref, record in records["typed"].items():
        jsonschema.validate(record, schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
        assert {name: record.get(name) for name in ("data", "kind", "inner")} == {name: records["schemaless"][ref].get(name) for name in ("data", "kind", "inner")}
    typed = {ref: (record.get("_type"), record.get("a"), record["n"]) for ref, record in records["typed"].items()}
    assert typed == {"1": ("x", None, 1), "2": (None, {"@ref": "not a ref"}, 2)}
