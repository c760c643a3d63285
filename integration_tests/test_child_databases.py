"""The collections of child databases, read through an admin key made with CreateKey, over the real CLI.

The tree seeded: the key's database holds `users`; `tenant_a` holds `users` and `orders`; `tenant_a/eu` (two
levels down) holds `users`; `tenant_b` holds `users` with no [ts, ref] index. Each collection is its own stream,
named `<database path>/<collection>`.
"""

import warnings
from typing import Dict, List

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from integration_tests.conftest import Output, create_collection, create_documents

HOUR = 3600
# In discover's order: database by database, level by level; streams with an incremental index before the others.
STREAMS = ["users", "tenant_a/users", "tenant_a/orders", "tenant_a/eu/users", "tenant_b/users"]


def admin_key(fauna) -> str:
    """The secret of an admin key of the top database, made with CreateKey (not the node's root secret)."""
    return fauna.client().query(q.create_key({"role": "admin"}))["secret"]


def database_client(fauna, path: str):
    """A client acting as admin in the database at `path` ("": the top one), created (with its parents) if needed."""
    parent = fauna.client()
    parts = path.split("/") if path else []
    for depth, name in enumerate(parts):
        if not parent.query(q.exists(q.database(name))):
            parent.query(q.create_database({"name": name}))
        parent = fauna.client(f"{fauna.secret}:{'/'.join(parts[: depth + 1])}:admin")
    return parent


def seed_tree(fauna) -> Dict[str, List[str]]:
    """The tree above, with documents whose `data.where` names their stream; the ids created, by stream."""
    created: Dict[str, List[str]] = {}
    for stream in STREAMS:
        database, _, collection = stream.rpartition("/")
        client = database_client(fauna, database)
        create_collection(client, collection, index=None if stream == "tenant_b/users" else "default")
        documents = create_documents(client, collection, [{"where": stream, "n": n} for n in range(3)])
        created[stream] = [document["ref"].id() for document in documents]
    return created


def child_config(fauna, secret: str, **overrides):
    return fauna.config(secret=secret, child_databases={"mode": "all"}, **overrides)


def test_check_counts_the_databases_and_collections_it_found(fauna, source):
    seed_tree(fauna)
    checked = source.run("check", child_config(fauna, admin_key(fauna)))
    assert checked.status["status"] == "SUCCEEDED", checked.status
    assert checked.status["message"] == "Found 5 collection(s) to sync in 4 database(s)."


def test_each_collection_of_each_database_is_a_stream_named_by_its_database_path(fauna, source):
    seed_tree(fauna)
    discovered = source.run("discover", child_config(fauna, admin_key(fauna)))
    assert discovered.returncode == 0, discovered.errors
    streams = {stream["name"]: stream["supported_sync_modes"] for stream in discovered.catalog["streams"]}
    assert list(streams) == STREAMS
    assert streams["tenant_a/eu/users"] == ["full_refresh", "incremental"]
    assert streams["tenant_b/users"] == ["full_refresh"]


def test_a_full_read_delivers_each_database_s_documents_to_its_own_stream(fauna, source):
    created = seed_tree(fauna)
    config = child_config(fauna, admin_key(fauna))
    output = source.run("read", config, source.discover_catalog(config, "full_refresh"))
    assert output.returncode == 0, output.errors
    for stream in STREAMS:
        records = output.records_of(stream)
        assert sorted(record["ref"] for record in records) == sorted(created[stream]), stream
        assert {record["data"]["where"] for record in records} == {stream}


def test_without_the_option_only_the_top_database_is_synced(fauna, source):
    seed_tree(fauna)
    discovered = source.run("discover", fauna.config(secret=admin_key(fauna)))
    assert [stream["name"] for stream in discovered.catalog["streams"]] == ["users"]


def test_listed_paths_sync_those_databases_and_the_ones_inside_them(fauna, source):
    seed_tree(fauna)
    secret = admin_key(fauna)
    only_eu = source.run("discover", fauna.config(secret=secret, child_databases={"mode": "listed", "paths": ["tenant_a/eu"]}))
    assert [stream["name"] for stream in only_eu.catalog["streams"]] == ["users", "tenant_a/eu/users"]
    tenant_a = source.run("discover", fauna.config(secret=secret, child_databases={"mode": "listed", "paths": ["tenant_a"]}))
    assert [stream["name"] for stream in tenant_a.catalog["streams"]] == ["users", "tenant_a/users", "tenant_a/orders", "tenant_a/eu/users"]


def test_a_listed_path_that_does_not_exist_is_a_config_error_naming_it(fauna, source):
    seed_tree(fauna)
    checked = source.run("check", fauna.config(secret=admin_key(fauna), child_databases={"mode": "listed", "paths": ["tenant_a/us"]}))
    assert checked.status["status"] == "FAILED"
    assert "'tenant_a/us'" in checked.status["message"]


def test_a_key_that_is_not_admin_is_told_that_child_databases_need_one(fauna, source):
    seed_tree(fauna)
    server_key = fauna.client().query(q.create_key({"role": "server"}))["secret"]
    checked = source.run("check", child_config(fauna, server_key))
    assert checked.status["status"] == "FAILED"
    assert "`child_databases` needs an admin key" in checked.status["message"]


def test_collections_and_collection_settings_take_child_stream_names(fauna, source):
    seed_tree(fauna)
    columns = [{"name": "n", "path": ["data", "n"], "type": "integer"}, {"name": "collection", "path": ["ref", "collection"]}]
    settings = [{"name": "tenant_a/users", "data_column": False, "additional_columns": columns}]
    config = child_config(fauna, admin_key(fauna), collections=["users", "tenant_a/users"], collection_settings=settings)
    catalog = source.discover_catalog(config, "full_refresh")
    assert [stream["stream"]["name"] for stream in catalog["streams"]] == ["users", "tenant_a/users"]
    output = source.run("read", config, catalog)
    assert output.returncode == 0, output.errors
    assert sorted(record["n"] for record in output.records_of("tenant_a/users")) == [0, 1, 2]
    assert all("data" not in record and record["collection"] == "users" for record in output.records_of("tenant_a/users"))
    assert all("data" in record and "n" not in record for record in output.records_of("users"))


def test_a_child_stream_that_would_share_a_table_with_another_is_refused_naming_both(fauna, source):
    seed_tree(fauna)
    create_collection(fauna.client(), "tenant_a_users")
    discovered = source.run("discover", child_config(fauna, admin_key(fauna)))
    assert discovered.returncode != 0
    assert "'tenant_a_users' and 'tenant_a/users'" in discovered.errors[0]["message"]


def test_incremental_reads_and_deletions_work_per_child_collection(fauna, source):
    created = seed_tree(fauna)
    config = child_config(fauna, admin_key(fauna), collection={"deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}})
    catalog = source.discover_catalog(config, "incremental")
    first = source.run("read", config, catalog)
    assert first.returncode == 0, first.errors
    fauna.advance_clock(HOUR)
    eu, tenant_a = database_client(fauna, "tenant_a/eu"), database_client(fauna, "tenant_a")
    eu.query(q.update(q.ref(q.collection("users"), created["tenant_a/eu/users"][0]), {"data": {"n": 100}}))
    tenant_a.query(q.delete(q.ref(q.collection("users"), created["tenant_a/users"][1])))
    second = source.run("read", config, catalog, first.last_state())
    assert second.returncode == 0, second.errors
    assert [(record["ref"], record["data"]["n"]) for record in second.records_of("tenant_a/eu/users")] == [(created["tenant_a/eu/users"][0], 100)]
    removed = second.records_of("tenant_a/users")
    assert [record["ref"] for record in removed] == [created["tenant_a/users"][1]] and removed[0]["deleted_at"]
    assert second.records_of("users") == [] and second.records_of("tenant_a/orders") == []


def test_a_child_database_deleted_after_discover_is_named_while_the_others_still_sync(fauna, source):
    created = seed_tree(fauna)
    config = child_config(fauna, admin_key(fauna))
    catalog = source.discover_catalog(config, "full_refresh")
    fauna.client().query(q.delete(q.database("tenant_b")))
    output = source.run("read", config, catalog)
    assert output.returncode != 0
    assert "'tenant_b/users'" in output.errors[-1]["message"]
    assert sorted(record["ref"] for record in output.records_of("tenant_a/eu/users")) == sorted(created["tenant_a/eu/users"])
    assert output.records_of("tenant_b/users") == []


def test_a_sync_across_databases_killed_after_a_state_resumes_and_every_document_arrives(fauna, source):
    seed_tree(fauna)
    # One stream at a time, a window per hour: the kill lands in the second stream, in a child database.
    config = child_config(fauna, admin_key(fauna), collection={"page_size": 2}, checkpoint_interval="PT1H", max_parallel_streams=1)
    catalog = source.discover_catalog(config, "incremental")
    state = source.run("read", config, catalog).last_state()
    expected = set()
    clients = {stream: database_client(fauna, stream.rpartition("/")[0]) for stream in STREAMS}
    for batch in range(3):  # three windows with changes in every database
        fauna.advance_clock(HOUR)
        for stream, client in clients.items():
            documents = create_documents(client, stream.rpartition("/")[2], [{"batch": batch, "n": n} for n in range(3)])
            expected |= {(stream, document["ref"].id()) for document in documents}
    interrupted = read_until_state_of(source, config, catalog, state, "tenant_a/users")
    assert {record["_stream"] for record in interrupted.records} == {"users", "tenant_a/users"}, "the first attempt spans two databases"
    resumed = source.run("read", config, catalog, _merged(state, interrupted.last_state()))
    assert resumed.returncode == 0, resumed.errors
    delivered = {(record["_stream"], record["ref"]) for record in interrupted.records + resumed.records}
    assert delivered >= expected, "every document of every database arrives"
    assert resumed.records_of("users") == [] and len(resumed.records_of("tenant_a/users")) < 3 * 3, "it resumes, it does not start over"


def read_until_state_of(source, config, catalog, state, stream: str) -> Output:
    """A read killed (SIGKILL) right after the first STATE message of `stream` that follows one of its records."""
    read_some = []

    def stop(message) -> bool:
        if message["type"] == "RECORD" and message["record"]["stream"] == stream:
            read_some.append(True)
        return bool(read_some) and message["type"] == "STATE" and message["state"]["stream"]["stream_descriptor"]["name"] == stream

    return source.read_until(config, catalog, state, stop)


def test_full_refreshes_across_databases_killed_mid_snapshot_resume_and_every_document_arrives(fauna, source):
    created = seed_tree(fauna)
    for stream in STREAMS:  # enough documents for several snapshot pages per stream
        database, _, collection = stream.rpartition("/")
        documents = create_documents(database_client(fauna, database), collection, [{"n": n} for n in range(3, 12)])
        created[stream] += [document["ref"].id() for document in documents]
    # One stream at a time, a state per page of 2: the kill lands inside the second stream, in a child database.
    config = child_config(fauna, admin_key(fauna), collection={"page_size": 2}, max_parallel_streams=1, partitions_per_collection=1)
    catalog = source.discover_catalog(config, "full_refresh")
    interrupted = source.read_until_states(config, catalog, None, states=8)
    assert {record["_stream"] for record in interrupted.records} >= {"users", "tenant_a/users"}, "the first attempt spans two databases"
    last = {state["stream"]["stream_descriptor"]["name"]: state["stream"]["stream_state"] for state in interrupted.states}
    checkpointed = {stream for stream, state in last.items() if "snapshot" in state}
    assert any("/" in stream for stream in checkpointed), "a child database's snapshot was interrupted after a checkpoint"
    resumed = source.run("read", config, catalog, interrupted.last_state())
    assert resumed.returncode == 0, resumed.errors
    assert all(len(resumed.records_of(stream)) < len(created[stream]) for stream in checkpointed), "resumed where they stopped"
    for stream in STREAMS:
        delivered = {record["ref"] for record in interrupted.records_of(stream) + resumed.records_of(stream)}
        assert delivered == set(created[stream]), stream


def _merged(older: List[dict], newer: List[dict]) -> List[dict]:
    """The states the platform keeps: the latest of each stream."""
    by_stream = {state["stream"]["stream_descriptor"]["name"]: state for state in older + newer}
    return list(by_stream.values())


# Per database: one page of the databases inside it, one of its collections, one of its indexes (docs/fauna.md).
QUERIES_PER_DATABASE = 3


def test_discover_of_200_child_databases_costs_at_most_three_queries_per_database(fauna, source):
    fauna.create_child_databases(200, collections=5)
    create_collection(fauna.client(), "users")
    config = child_config(fauna, admin_key(fauna))
    before = fauna.stats()["per_path"].get("POST /", 0)
    discovered = source.run("discover", config)
    sent = fauna.stats()["per_path"]["POST /"] - before
    assert discovered.returncode == 0, discovered.errors
    assert len(discovered.catalog["streams"]) == 1 + 200 * 5
    assert "tenant_199/c4" in {stream["name"] for stream in discovered.catalog["streams"]}
    assert sent <= QUERIES_PER_DATABASE * (1 + 200), f"{sent} queries for 201 databases"
