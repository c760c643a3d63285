"""HTTP layer through an in-process LocalFauna: auth, ping, status codes, admin endpoints, faults."""

import base64
import json
import threading
import time

import pytest
import requests
from faunadb import query as q
from faunadb.errors import FaunaError, UnavailableError

from fauna_local.testing import LocalFauna

TIMEOUT = 10


@pytest.fixture(scope="module")
def server():
    with LocalFauna.start(in_process=True) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(server):
    server.reset()
    yield
    server.clear_faults()
    server.set_latency(0)


def post(server, body, secret="secret", **headers):
    hdrs = {"Authorization": "Bearer " + secret, **headers} if secret is not None else headers
    return requests.post(server.endpoint + "/", data=body, headers=hdrs, timeout=TIMEOUT)


def test_given_basic_auth_with_secret_as_user_when_querying_then_accepted(server):
    # core RunCorePlugin.scala: Basic base64("secret:") is accepted like Bearer.
    token = base64.b64encode(b"secret:").decode()
    response = requests.post(server.endpoint + "/", data=b'"ok"', headers={"Authorization": "Basic " + token}, timeout=TIMEOUT)
    assert (response.status_code, response.json()) == (200, {"resource": "ok"})


def test_given_no_secret_when_querying_then_401_with_www_authenticate_and_no_position(server):
    # core api/Application.scala ErrorResponse: 401, WWW-Authenticate: Basic realm="Unauthorized", transport error
    # without position.
    response = post(server, b'"ok"', secret=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Unauthorized"'
    assert response.json() == {"errors": [{"code": "unauthorized", "description": "Unauthorized"}]}


def test_given_ping_with_scope_when_get_or_head_then_200_without_auth(server):
    # core api/fql1/UtilRoutes.scala: "Scope <scope> is OK", default scope write.
    assert requests.get(server.endpoint + "/ping", timeout=TIMEOUT).json() == {"resource": "Scope write is OK"}
    assert requests.get(server.endpoint + "/ping?scope=node", data=b"null", timeout=TIMEOUT).json() == {"resource": "Scope node is OK"}
    assert requests.head(server.endpoint + "/ping", timeout=TIMEOUT).status_code == 200


def test_given_admin_endpoints_when_called_without_root_secret_then_401(server):
    response = requests.get(server.endpoint + "/_local/stats", headers={"Authorization": "Bearer wrong"}, timeout=TIMEOUT)
    assert response.status_code == 401


def test_given_every_3rd_request_faulted_with_503_when_querying_then_exactly_those_fail(server):
    server.set_faults(every=3, action="503")
    results = [post(server, b"1").status_code for _ in range(6)]
    assert results == [200, 200, 503, 200, 200, 503]


def test_given_seeded_random_faults_when_replayed_then_same_sequence(server):
    def run():
        server.set_faults(rate=0.5, seed=42, action="429")
        return [post(server, b"1").status_code for _ in range(12)]

    first = run()
    assert first == run()
    assert set(first) == {200, 429}


@pytest.mark.parametrize("action, exc_status", [("500", 500), ("409", 409), ("429", 429)])
def test_given_status_faults_when_querying_then_that_status_with_an_errors_body(server, action, exc_status):
    server.set_faults(every=1, action=action)
    response = post(server, b"1")
    assert response.status_code == exc_status and "errors" in response.json()


def test_given_drop_fault_when_querying_then_the_connection_breaks_mid_response(server):
    server.set_faults(every=1, action="drop")
    with pytest.raises(requests.exceptions.RequestException):
        post(server, json.dumps([list(range(200))] * 20).encode())
    server.clear_faults()
    assert post(server, b"1").status_code == 200


def test_given_a_stalled_request_when_another_client_queries_then_it_is_not_blocked(server):
    # Injected stalls never hold a lock other clients need.
    server.set_faults(every=1, action="stall", stall_seconds=2, limit=1)
    stalled = threading.Thread(target=lambda: post(server, b"1"))
    stalled.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert post(server, b"2").status_code == 200
    assert time.monotonic() - started < 1.0
    stalled.join(timeout=5)


def test_given_latency_when_querying_then_each_request_takes_at_least_that_long(server):
    server.set_latency(150)
    started = time.monotonic()
    post(server, b"1")
    assert time.monotonic() - started >= 0.15


def test_given_latency_one_at_a_time_when_two_clients_query_at_once_then_the_second_waits_for_the_first(server):
    # A node whose one worker is the limit: concurrent requests queue, so two take twice the latency.
    server.set_latency(300, one_at_a_time=True)
    assert server.stats()["faults"]["one_at_a_time"] is True
    started = time.monotonic()
    others = [threading.Thread(target=lambda: post(server, b"1")) for _ in range(2)]
    for other in others:
        other.start()
    for other in others:
        other.join(timeout=5)
    assert time.monotonic() - started >= 0.6
    server.reset()
    assert server.stats()["faults"]["one_at_a_time"] is False, "reset clears it with the latency"


def test_given_the_driver_when_503_is_injected_then_unavailable_error(server):
    # driver errors.py: 503 -> UnavailableError.
    server.set_faults(every=1, action="503")
    with pytest.raises(UnavailableError):
        server.client(timeout=TIMEOUT).query(q.now())


def test_given_clock_advanced_when_reading_now_then_it_moved(server):
    before = server.now_micros()
    server.advance_clock(3600)
    assert server.now_micros() - before >= 3600 * 1_000_000


def test_given_queries_when_reading_stats_then_counted(server):
    before = server.stats()
    post(server, b"1")
    after = server.stats()
    assert after["queries"] == before["queries"] + 1 and after["requests"] >= before["requests"] + 1


def test_given_reset_when_paginating_collections_then_empty(server):
    client = server.client(timeout=TIMEOUT)
    client.query(q.create_collection({"name": "x"}))
    server.reset()
    assert client.query(q.paginate(q.collections())) == {"data": []}


def test_given_many_concurrent_writers_when_done_then_every_write_has_a_distinct_ts(server):
    # one transaction per request, monotonically increasing timestamps (driver
    # tests/test_client.py::test_last_txn_time).
    client = server.client(timeout=TIMEOUT)
    client.query(q.create_collection({"name": "w"}))
    stamps, errors = [], []

    def writer():
        c = server.client(timeout=TIMEOUT)
        for _ in range(10):
            try:
                stamps.append(c.query(q.create(q.collection("w"), {"data": {}}))["ts"])
            except FaunaError as e:  # pragma: no cover - recorded for the assertion
                errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and len(set(stamps)) == 80
    assert len(client.query(q.paginate(q.documents(q.collection("w")), size=1000))["data"]) == 80


def test_given_a_stalled_server_when_the_testing_client_queries_then_it_times_out(server):
    # driver client.py `_perform_request` sets no timeout; LocalFauna.client adds one.
    server.set_faults(every=1, action="stall", stall_seconds=3, limit=1)
    with pytest.raises(requests.exceptions.Timeout):
        server.client(timeout=0.5).query(1)


def test_given_a_server_key_when_listing_keys_or_databases_then_403_but_collections_are_readable(server):
    # Fauna blog "Learning FQL, part 3: database access keys" (2019): admin keys manage nested databases
    # and keys; server keys manage the data of their database.
    from faunadb.errors import PermissionDenied

    admin = server.client(timeout=TIMEOUT)
    admin.query(q.create_database({"name": "app"}))
    secret = admin.query(q.create_key({"database": q.database("app"), "role": "server"}))["secret"]
    scoped = server.client(secret=secret, timeout=TIMEOUT)
    assert scoped.query(q.paginate(q.collections())) == {"data": []}
    for expr in (q.paginate(q.keys()), q.paginate(q.databases())):
        with pytest.raises(PermissionDenied):
            scoped.query(expr)
