"""Bad input through the real `source-fauna` command: each gets a message naming what is wrong and
what to do, never the CDK's generic "Something went wrong", and never silently less data."""

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from integration_tests.conftest import create_collection, create_documents

GENERIC = "Something went wrong"


def seed(fauna):
    client = fauna.client()
    create_collection(client, "users")
    create_collection(client, "orders")
    users = create_documents(client, "users", [{"n": n} for n in range(3)])
    orders = create_documents(client, "orders", [{"n": n} for n in range(2)])
    return client, users, orders


def assert_no_generic_message(output):
    assert all(GENERIC not in error["message"] for error in output.errors)


def ts_state(stream, ts):
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": {"ts": ts}}}]


@pytest.mark.parametrize("cursor", ["garbage", {"a": 1}], ids=["text", "object"])
def test_an_unreadable_saved_cursor_names_the_stream_to_reset(fauna, source, cursor):
    seed(fauna)
    config = fauna.config()
    output = source.run("read", config, source.discover_catalog(config), state=ts_state("users", cursor))
    assert output.returncode != 0 and not output.records
    [error] = output.errors
    assert error["failure_type"] == "config_error"
    assert "saved state of stream 'users' cannot be read" in error["message"]
    assert "Clear (reset) the data of stream 'users'" in error["message"]
    assert_no_generic_message(output)


def test_a_configured_stream_the_source_no_longer_has_is_named_and_the_others_still_sync(fauna, source):
    client, users, orders = seed(fauna)
    config = fauna.config()
    catalog = source.discover_catalog(config)
    client.query(q.delete(q.collection("orders")))
    output = source.run("read", config, catalog)
    assert sorted(record["ref"] for record in output.records_of("users")) == sorted(d["ref"].id() for d in users)
    assert output.last_state() and output.returncode != 0
    [error] = output.errors
    assert error["failure_type"] == "config_error"
    assert "'orders'" in error["message"] and "Refresh the source schema" in error["message"]
    assert_no_generic_message(output)


@pytest.mark.parametrize(
    "setting, value, named",
    [
        ("max_parallel_streams", 0, "`max_parallel_streams`"),
        ("partitions_per_collection", 33, "`partitions_per_collection`"),
        ("collection", {"page_size": 0}, "`collection.page_size`"),
        ("checkpoint_interval", "one day", "`checkpoint_interval`"),
    ],
)
def test_a_config_value_outside_the_spec_names_the_setting_in_check_and_read(fauna, source, setting, value, named):
    config = fauna.config(**{setting: value})
    stream = {"name": "users", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    checked = source.run("check", config)
    assert checked.status["status"] == "FAILED" and named in checked.status["message"]
    read = source.run("read", config, catalog)
    assert read.returncode != 0 and not read.records
    [error] = read.errors
    assert error["failure_type"] == "config_error" and named in error["message"]
    assert_no_generic_message(read)


def _incremental_read_after(fauna, source, change_indexes):
    client, users, orders = seed(fauna)
    config = fauna.config()
    catalog = source.discover_catalog(config)
    first = source.run("read", config, catalog)
    assert first.returncode == 0
    change_indexes(client)
    return users, source.run("read", config, catalog, state=first.last_state())


@pytest.mark.parametrize(
    "change_indexes, reason",
    [
        (lambda client: client.query(q.delete(q.index("users_ts"))), "has no index with values [ts, ref]"),
        (
            lambda client: (
                client.query(q.delete(q.index("users_ts"))),
                client.query(q.create_index({"name": "users_by_n", "source": q.collection("users"), "terms": [{"field": ["data", "n"]}],
                                             "values": [{"field": ["ts"]}, {"field": ["ref"]}]})),
            ),
            "Index 'users_by_n' on collection 'users' is not used for incremental reads: it has terms",
        ),
    ],
    ids=["index-deleted", "index-with-terms"],
)
def test_incremental_without_a_usable_index_warns_naming_the_index_to_create_then_reads_everything(fauna, source, change_indexes, reason):
    users, output = _incremental_read_after(fauna, source, change_indexes)
    assert output.returncode == 0 and not output.errors
    assert sorted(record["ref"] for record in output.records_of("users")) == sorted(d["ref"].id() for d in users)
    [warning] = [m["log"]["message"] for m in output.of_type("LOG") if m["log"]["level"] == "WARN" and "'users'" in m["log"]["message"]]
    assert "Stream 'users' is configured for incremental sync" in warning and reason in warning
    assert 'Create an index with `source: Collection("users")`' in warning
    assert not output.records_of("orders")  # its index is fine: nothing changed, nothing read
