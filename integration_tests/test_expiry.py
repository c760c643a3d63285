"""Documents whose `ttl` passes, through `source-fauna read` against the local Fauna.

Fauna leaves an expired document out of every read but writes no event for it (core repo Store.scala
`checkTTL`; IndexSpec "ttl on read"). As docs/fauna.md says, a full refresh no longer returns it and an
incremental sync emits no deletion record for it; the last record's `ttl` tells when it expired.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from integration_tests.conftest import create_collection, create_documents

DELETIONS = {"page_size": 2, "deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}}


def test_an_expired_document_leaves_full_refreshes_and_is_not_reported_as_deleted(fauna, source):
    client = fauna.client()
    create_collection(client, "sessions")
    kept, expiring = create_documents(client, "sessions", [{"user": "ada"}, {"user": "alan"}])
    client.query(q.update(expiring["ref"], {"ttl": q.time_add(q.now(), 60, "seconds")}))
    config = fauna.config(collection=DELETIONS)
    incremental = source.discover_catalog(config)
    full_refresh = source.discover_catalog(config, "full_refresh")

    first = source.run("read", config, incremental)
    assert first.returncode == 0 and not first.errors
    records = {r["ref"]: r for r in first.records_of("sessions")}
    assert records[expiring["ref"].id()]["ttl"] is not None
    assert records[kept["ref"].id()].get("ttl") is None

    fauna.advance_clock(120)
    client.query(q.update(kept["ref"], {"data": {"user": "ada", "seen": 2}}))

    second = source.run("read", config, incremental, first.last_state())
    assert second.returncode == 0 and not second.errors
    assert expiring["ref"].id() not in {r["ref"] for r in second.records_of("sessions")}, "no deletion record"
    assert kept["ref"].id() in {r["ref"] for r in second.records_of("sessions")}

    snapshot = source.run("read", config, full_refresh)
    assert snapshot.returncode == 0 and not snapshot.errors
    assert [r["ref"] for r in snapshot.records_of("sessions")] == [kept["ref"].id()]
