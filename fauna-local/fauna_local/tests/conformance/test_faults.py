"""Injected 409/429/500/503, dropped connections and stalls, as the unmodified driver sees them.

The server's fault injection (`set_faults(every=N, action=...)`) only decides *that* a request fails;
these tests check what the failure looks like on the wire and through the driver.

Sources: driver `faunadb/errors.py` FaunaError.raise_for_status_code (409 -> ContendedTransaction,
500 -> InternalError, 503 -> UnavailableError, other statuses such as 429 -> UnexpectedError with no
`.errors`), driver `tests/test_errors.py` (test_internal_error, test_unavailable_error); core
`ext/api/src/main/scala/api/fql1/APIResponse.scala` (error envelope) and `api/fql1/TMPEndpoint.scala`
setHeaders (x-txn-time always sent); driver `client.py` (`_perform_request` passes no timeout, so a stalled
server must be bounded by the caller's timeout); Fauna v4 docs on HTTP
status codes (409: the transaction was aborted because of a concurrent modification, so nothing of it was
committed). Injection is deterministic (every N-th request) and stalls hold no lock other clients need.
"""

import json
import time

import pytest
import requests
from faunadb import query as q
from faunadb.errors import ContendedTransaction, InternalError, UnavailableError, UnexpectedError

from .conftest import HTTP_TIMEOUT, SECRET, with_timeout

C = "faulty"


@pytest.mark.parametrize(
    "action, exc_type",
    [("409", ContendedTransaction), ("500", InternalError), ("503", UnavailableError)],
    ids=["409", "500", "503"],
)
def test_given_injected_http_error_when_querying_through_driver_then_the_matching_exception(fauna, action, exc_type):
    # driver errors.py raise_for_status_code; the body must be the {"errors": [...]} envelope (core APIResponse.scala),
    # or the driver would raise UnexpectedError("Invalid JSON.") instead.
    fauna.server.set_faults(every=1, action=action)
    err = fauna.raises(q.to_micros(q.now()), exc_type)
    assert err.errors and err.errors[0].code
    fauna.server.clear_faults()
    assert fauna.q(q.to_micros(q.now())) > 0


def test_given_injected_409_when_read_raw_then_contended_transaction_envelope(fauna):
    # driver errors.py: 409 -> ContendedTransaction, code "contended transaction"; core TMPEndpoint.scala
    # setHeaders: x-txn-time on every response.
    fauna.server.set_faults(every=1, action="409")
    response = fauna.raw(q.to_micros(q.now()))
    assert response.status_code == 409
    assert json.loads(response.content)["errors"][0]["code"] == "contended transaction"
    assert "x-txn-time" in response.headers


def test_given_injected_429_when_querying_through_driver_then_unexpected_error(fauna):
    # driver errors.py: statuses other than 400/401/403/404/409/500/503 raise UnexpectedError (no .errors).
    fauna.server.set_faults(every=1, action="429")
    err = fauna.raises(q.to_micros(q.now()), UnexpectedError)
    assert err.request_result.status_code == 429


def test_given_a_write_answered_409_when_retried_after_clearing_then_it_was_not_committed(fauna):
    # A contended transaction is not committed (Fauna v4 docs, status 409: the transaction was aborted);
    # one request = one transaction (core queries/WriteFunctionsSpec.scala "threads through transaction time").
    fauna.collection(C)
    fauna.server.set_faults(every=1, action="409")
    fauna.raises(q.create(q.ref(q.collection(C), "1"), {"data": {}}), ContendedTransaction)
    fauna.server.clear_faults()
    assert fauna.q(q.exists(q.ref(q.collection(C), "1"))) is False
    assert fauna.create(C, {}, doc_id="1")["ref"].id() == "1"


def test_given_every_third_request_faulted_when_querying_then_exactly_those_fail(fauna):
    # Deterministic injection: every=3 -> requests 3 and 6 fail, the others succeed.
    fauna.server.set_faults(every=3, action="503")
    outcomes = []
    for _ in range(6):
        try:
            fauna.q(q.to_micros(q.now()))
            outcomes.append("ok")
        except UnavailableError:
            outcomes.append("503")
    assert outcomes == ["ok", "ok", "503", "ok", "ok", "503"]


def test_given_dropped_connection_when_querying_then_a_transport_error_not_a_hang(fauna):
    # The driver surfaces a dropped connection as a requests exception; the server keeps serving.
    fauna.server.set_faults(every=1, action="drop", limit=1)
    started = time.monotonic()
    with pytest.raises(requests.RequestException):
        fauna.client_for(SECRET).query(q.to_micros(q.now()))
    assert time.monotonic() - started < HTTP_TIMEOUT
    assert fauna.q(q.to_micros(q.now())) > 0


def test_given_stalled_server_when_client_has_a_short_timeout_then_it_times_out_and_server_recovers(fauna):
    # driver client.py: the driver has no timeout of its own (`_perform_request` passes none); the caller's timeout
    # bounds a stall.
    fauna.server.set_faults(every=1, action="stall", stall_seconds=3, limit=1)
    impatient = with_timeout(fauna.server.client(secret=SECRET, timeout=1), timeout=1)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        impatient.query(q.to_micros(q.now()))
    assert time.monotonic() - started < 2.5
    assert fauna.q(q.to_micros(q.now())) > 0


def test_given_a_stall_on_one_client_when_another_queries_then_it_is_not_blocked(fauna):
    # A stall delays only its own request: the server keeps answering other clients meanwhile.
    import threading

    fauna.server.set_faults(every=1, action="stall", stall_seconds=3, limit=1)
    stalled = threading.Thread(target=lambda: _swallow(fauna.client_for(SECRET)))
    stalled.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert fauna.q(q.to_micros(q.now())) > 0
    assert time.monotonic() - started < 2
    stalled.join(HTTP_TIMEOUT)


def _swallow(client):
    try:
        client.query(q.to_micros(q.now()))
    except requests.RequestException:
        pass
