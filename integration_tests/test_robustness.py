"""Failures on the way: retried when a retry can help, otherwise a message the user can act on.

The local Fauna injects the faults deterministically (every n-th request), as Fauna's status
codes: 429 rate limited, 503 unavailable, 409 contended, and connections dropped mid-response.
"""

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from integration_tests.conftest import create_collection, create_documents
from source_fauna.fauna_gateway import UNCONNECTED_ATTEMPTS


def seed(fauna, documents=12):
    client = fauna.client()
    create_collection(client, "users")
    return create_documents(client, "users", [{"n": n} for n in range(documents)])


@pytest.mark.parametrize("action", ["503", "429", "409", "drop"])
def test_a_read_survives_transient_faults_and_loses_nothing(fauna, source, action):
    created = seed(fauna)
    config = fauna.config(collection={"page_size": 2})
    catalog = source.discover_catalog(config, "full_refresh")
    fauna.set_faults(every=3, action=action)
    output = source.run("read", config, catalog)
    fauna.clear_faults()
    assert output.returncode == 0 and not output.errors
    assert sorted(record["ref"] for record in output.records_of("users")) == sorted(d["ref"].id() for d in created)
    warnings_logged = [m["log"]["message"] for m in output.of_type("LOG") if m["log"]["level"] == "WARN"]
    assert any("retrying in" in message for message in warnings_logged)


def test_a_few_connections_cut_at_the_very_start_are_retried_as_a_503_is(fauna, source):
    created = seed(fauna)
    config = fauna.config()
    catalog = source.discover_catalog(config, "full_refresh")
    # More cuts than the attempts given to a node that was never reached: the node did accept each connection.
    fauna.set_faults(every=1, action="drop", limit=UNCONNECTED_ATTEMPTS + 1)
    output = source.run("read", config, catalog)
    assert output.returncode == 0 and not output.errors
    assert sorted(record["ref"] for record in output.records_of("users")) == sorted(d["ref"].id() for d in created)


def test_a_stream_out_of_retries_for_a_transient_reason_fails_the_sync_as_transient_only(fauna, source):
    """The platform types a failed attempt by its earliest error TRACE and retries unless it is a config error;
    it shows a connection as failed on any config error. A cut connection must give neither."""
    client = fauna.client()
    create_collection(client, "users")
    for _ in range(4):
        create_documents(client, "users", [{"n": n} for n in range(100)])
    config = fauna.config(collection={"page_size": 10}, partitions_per_collection=1)
    catalog = source.discover_catalog(config, "full_refresh")
    fauna.set_latency(100)  # about four seconds of pages: the faults start while the stream reads

    def cut_every_connection_once_records_flow(line: str) -> None:
        if line.startswith('{"type":"RECORD"'):
            fauna.set_faults(every=1, action="drop")

    output = source.read_watching(config, catalog, cut_every_connection_once_records_flow)
    fauna.set_latency(0)
    assert output.returncode != 0
    assert 0 < len(output.records_of("users")) < 400
    traces = [message["trace"] for message in output.of_type("TRACE") if message["trace"]["type"] == "ERROR"]
    assert [trace["emitted_at"] for trace in traces] == sorted(trace["emitted_at"] for trace in traces)  # the first is the earliest
    errors = output.errors
    assert errors[0]["stream_descriptor"] == {"name": "users"} and "did not answer" in errors[0]["message"]
    assert len(errors) == 2 and "did not sync successfully" in errors[1]["message"]  # the CDK's summary
    assert [error["failure_type"] for error in errors] == ["transient_error", "transient_error"]
    assert all("Something went wrong" not in error["message"] for error in errors)


def test_a_rejected_secret_stops_the_read_with_a_config_error_and_no_secret(fauna, source):
    seed(fauna)
    catalog = source.discover_catalog(fauna.config(), "full_refresh")
    output = source.run("read", fauna.config(secret="not-the-secret"), catalog)
    assert output.returncode != 0
    error = output.errors[0]
    assert error["failure_type"] == "config_error"
    assert "rejected the secret" in error["message"]
    assert "not-the-secret" not in output.stderr and all("not-the-secret" not in str(m) for m in output.messages)


def test_a_key_that_may_not_read_documents_gets_a_permission_message(fauna, source):
    seed(fauna)
    # v4 built-in roles: a `client` key may not read collections or documents (403 permission denied).
    secret = fauna.client().query(q.create_key({"role": "client"}))["secret"]
    output = source.run("check", fauna.config(secret=secret))
    assert output.status["status"] == "FAILED"
    assert "403 permission denied" in output.status["message"] and "server-readonly" in output.status["message"]


def test_a_corrupt_state_file_is_reported_not_a_traceback(fauna, source):
    seed(fauna)
    config = fauna.config()
    output = source.run("read", config, source.discover_catalog(config), state={"users": "garbage"})
    assert output.returncode != 0
    assert output.errors and "source-fauna could not start" in output.errors[0]["message"]
    assert "The saved state of stream 'users' cannot be read" in output.errors[0]["message"]
