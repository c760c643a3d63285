"""check and discover through the real `source-fauna` command against the local Fauna."""

from integration_tests.conftest import create_collection, create_documents


def seed(fauna):
    client = fauna.client()
    create_collection(client, "users")
    create_collection(client, "notes", index=None)
    create_documents(client, "users", [{"name": "Ada"}])
    return client


def test_check_succeeds_against_a_reachable_database(fauna, source):
    seed(fauna)
    output = source.run("check", fauna.config())
    assert output.status["status"] == "SUCCEEDED", output.status


def test_check_reports_a_rejected_secret_without_revealing_it(fauna, source):
    seed(fauna)
    output = source.run("check", fauna.config(secret="wrong-secret-value"))
    assert output.status["status"] == "FAILED"
    assert "rejected the secret" in output.status["message"]
    assert "wrong-secret-value" not in "".join(str(message) for message in output.messages) + output.stderr


def test_check_reports_an_unreachable_endpoint(fauna, source):
    output = source.run("check", fauna.config(port=1))
    assert output.status["status"] == "FAILED"
    assert "Could not reach Fauna at http://127.0.0.1:1" in output.status["message"]


def test_check_reports_a_tls_failure_when_the_node_speaks_plain_http(fauna, source):
    output = source.run("check", fauna.config(scheme="https"))
    assert output.status["status"] == "FAILED"
    assert "TLS handshake" in output.status["message"] and "`scheme` to `http`" in output.status["message"]


def test_check_names_an_unknown_collection_from_the_config(fauna, source):
    seed(fauna)
    output = source.run("check", fauna.config(collections=["users", "nope"]))
    assert output.status["status"] == "FAILED"
    assert "'nope'" in output.status["message"] and "do not exist" in output.status["message"]


def test_check_rejects_a_named_index_that_does_not_fit(fauna, source):
    seed(fauna)
    output = source.run("check", fauna.config(collection_settings=[{"name": "users", "index": "notes_ts"}]))
    assert output.status["status"] == "FAILED"
    assert "index 'notes_ts'" in output.status["message"]


def test_discover_offers_one_stream_per_collection_with_modes_by_index(fauna, source):
    seed(fauna)
    streams = {stream["name"]: stream for stream in source.run("discover", fauna.config()).catalog["streams"]}
    assert set(streams) == {"users", "notes"}
    assert sorted(streams["users"]["supported_sync_modes"]) == ["full_refresh", "incremental"]
    assert streams["notes"]["supported_sync_modes"] == ["full_refresh"]
    for stream in streams.values():
        assert stream["source_defined_primary_key"] == [["ref"]]
    assert streams["users"]["source_defined_cursor"] is True and streams["users"]["default_cursor_field"] == ["ts"]
    properties = streams["users"]["json_schema"]["properties"]
    assert properties["ts"]["type"] == "integer" and properties["ttl"]["format"] == "date-time"


def test_discover_declares_the_configured_columns(fauna, source):
    seed(fauna)
    config = fauna.config(
        collection={"page_size": 64, "deletions": {"deletion_mode": "deleted_field", "column": "_ab_cdc_deleted_at"}},
        collection_settings=[{"name": "users", "data_column": False, "additional_columns": [{"name": "name", "path": ["data", "name"], "type": "string"}]}],
    )
    streams = {stream["name"]: stream for stream in source.run("discover", config).catalog["streams"]}
    users = streams["users"]["json_schema"]["properties"]
    assert "data" not in users and users["name"]["type"] == ["null", "string"]
    assert users["_ab_cdc_deleted_at"]["airbyte_type"] == "timestamp_with_timezone"
    assert "data" in streams["notes"]["json_schema"]["properties"]


def test_discover_of_only_selected_collections(fauna, source):
    seed(fauna)
    assert [stream["name"] for stream in source.run("discover", fauna.config(collections=["notes"])).catalog["streams"]] == ["notes"]
