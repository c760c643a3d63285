"""The wire protocol through a raw HTTP client: envelopes, status codes, headers, /ping, bad input.

Sources: driver `faunadb/client.py` (transport); core `ext/api/src/main/scala/api/fql1/FQL1Routes.scala`
(creates return 201); core `ext/api/src/main/scala/api/fql1/APIResponse.scala` (error envelope); core
`ext/model/src/main/scala/ast/Error.scala` (InvalidJSON and QueryNotFound have code "invalid expression" at the
root position) and `Renderable.scala` ("No query provided."); response headers, core
`api/fql1/TMPEndpoint.scala` setHeaders, `ext/net/src/main/scala/http/HTTPHeaders.scala`; /ping, core
`api/fql1/UtilRoutes.scala`, fauna/dashboard#294; driver `tests/test_client.py` (test_ping,
test_last_txn_time); Fauna v4 docs learn/understanding/limits (query size 16 MB, document size 8 MB).
"""

import json
import threading

import pytest
import requests
from faunadb import query as q
from faunadb.errors import BadRequest, FaunaError

from .conftest import HTTP_TIMEOUT, SECRET

C = "wired"

METRICS_HEADERS = [
    "x-compute-ops",
    "x-byte-read-ops",
    "x-byte-write-ops",
    "x-query-time",
    "x-query-bytes-in",
    "x-query-bytes-out",
    "x-storage-bytes-read",
    "x-storage-bytes-write",
    "x-txn-retries",
]


def body_of(response):
    return json.loads(response.content)


def ref(i):
    return q.ref(q.collection(C), str(i))


def alive(fauna):
    ping = requests.get(fauna.server.endpoint + "/ping", timeout=HTTP_TIMEOUT)
    return ping.status_code == 200 and body_of(ping) == {"resource": "Scope write is OK"}


# -- status codes and envelopes ------------------------------------------------------------------


def test_given_create_when_posted_raw_then_201_and_reads_and_updates_are_200(fauna):
    # core FQL1Routes.scala (VersionL(_, isNew=true)): a newly created document -> 201.
    response = fauna.raw(q.create_collection({"name": C}))
    assert response.status_code == 201
    created = fauna.raw(q.create(ref(1), {"data": {"a": 1}}))
    assert created.status_code == 201
    assert "resource" in body_of(created)
    assert fauna.raw(q.get(ref(1))).status_code == 200
    assert fauna.raw(q.update(ref(1), {"data": {"a": 2}})).status_code == 200


def test_given_create_wrapped_in_select_when_posted_then_200_because_the_result_is_not_the_new_doc(fauna):
    # core FQL1Routes.scala: 201 only when the top-level result is a newly created document (VersionL isNew).
    fauna.collection(C)
    response = fauna.raw(q.select(["data", "a"], q.create(ref(1), {"data": {"a": 1}})))
    assert response.status_code == 200
    assert body_of(response) == {"resource": 1}


def test_given_an_error_when_posted_raw_then_errors_envelope_with_position_code_description(fauna):
    # core APIResponse.scala QueryErrorResponse: {"errors": [{"position", "code", "description"}]}.
    response = fauna.raw(q.get(q.index("nope")))
    assert response.status_code == 400
    errors = body_of(response)["errors"]
    assert errors[0]["code"] == "invalid ref"
    assert errors[0]["position"] == ["get"]
    assert isinstance(errors[0]["description"], str)
    assert "resource" not in body_of(response)


@pytest.mark.parametrize(
    "body",
    [b"{", b"{\"paginate\": ", b"not json at all", b"{\"a\": 1,}", b"\xff\xfe\x00"],
    ids=["open-brace", "truncated", "text", "trailing-comma", "binary"],
)
def test_given_malformed_json_when_posted_then_400_invalid_expression_at_root(fauna, body):
    # ast/Error.scala: InvalidJSON -> code "invalid expression", position RootPosition ([]).
    response = fauna.raw(body=body)
    assert response.status_code == 400
    errors = body_of(response)["errors"]
    assert errors[0]["code"] == "invalid expression"
    assert errors[0]["position"] == []
    assert alive(fauna)


def test_given_empty_body_when_posted_then_400_no_query_provided(fauna):
    # ast/Error.scala QueryNotFound: "invalid expression" at []; Renderable.scala: "No query provided.".
    response = fauna.raw(body=b"")
    assert response.status_code == 400
    first = body_of(response)["errors"][0]
    assert (first["code"], first["description"], first["position"]) == ("invalid expression", "No query provided.", [])


def test_given_unknown_function_when_posted_raw_then_400_and_the_server_keeps_serving(fauna):
    # driver tests/test_errors.py::test_invalid_expression: unknown form -> 400 invalid expression; bad input never
    # takes the server down.
    response = fauna.raw(body=b'{"no_such_function": [1, 2, 3]}')
    assert response.status_code == 400
    assert body_of(response)["errors"][0]["code"] == "invalid expression"
    assert alive(fauna)


# -- sizes and nesting ------------------------------------------------------------------------------------


def test_given_a_1mb_document_when_created_then_accepted(fauna):
    # Fauna v4 docs learn/understanding/limits: 8 MB per document, 16 MB per query.
    fauna.collection(C)
    big = "x" * (1024 * 1024)
    response = fauna.raw(q.create(ref(1), {"data": {"big": big}}))
    assert response.status_code == 201
    assert fauna.q(q.select(["data", "big"], q.get(ref(1)))) == big


def test_given_a_body_over_16mb_when_posted_then_rejected_with_a_client_error_and_server_survives(fauna):
    # Fauna v4 docs learn/understanding/limits: query size 16 MB. (Exact status/code not documented.)
    fauna.collection(C)
    body = json.dumps({"create": {"collection": C}, "params": {"object": {"data": {"object": {"big": "y" * (17 * 1024 * 1024)}}}}})
    response = fauna.raw(body=body.encode(), timeout=30)
    assert 400 <= response.status_code < 500
    assert "errors" in body_of(response)
    assert fauna.q(q.paginate(q.documents(q.collection(C)))) == {"data": []}
    assert alive(fauna)


def test_given_a_document_over_8mb_in_a_query_under_16mb_when_created_then_rejected_and_not_stored(fauna):
    # Fauna v4 docs learn/understanding/limits: "Document size 8 MB/document" (query size 16 MB). The
    # exact status/code is not documented; a client error and nothing stored is the documented outcome.
    fauna.collection(C)
    body = json.dumps(
        {"create": {"ref": {"collection": C}, "id": "1"}, "params": {"object": {"data": {"object": {"big": "y" * (9 * 1024 * 1024)}}}}}
    )
    response = fauna.raw(body=body.encode(), timeout=30)
    assert 400 <= response.status_code < 500
    assert fauna.q(q.exists(ref(1))) is False


def test_given_200_nested_arrays_when_posted_then_evaluated_element_wise(fauna):
    # core ast/Parser.scala: a JSON array is evaluated element-wise (to any depth).
    value = 1
    for _ in range(200):
        value = [value]
    response = fauna.raw(body=json.dumps(value).encode())
    assert response.status_code == 200
    assert body_of(response) == {"resource": value}


@pytest.mark.parametrize("depth", [20000, 200000], ids=["20k", "200k"])
def test_given_pathologically_deep_nesting_when_posted_then_a_400_not_a_crash(fauna, depth):
    # Deeply nested input gets an answer or a 400 and never takes the server down: core Parser.scala
    # defers each level (Query.defer) so deep input is not a stack overflow.
    body = b"[" * depth + b"1" + b"]" * depth
    response = fauna.raw(body=body)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "errors" in body_of(response)
    assert alive(fauna)
    nested_let = b'{"let": [{"x": 1}], "in": ' * 2000 + b'{"var": "x"}' + b"}" * 2000
    response = fauna.raw(body=nested_let)
    assert response.status_code in (200, 400)
    assert alive(fauna)


# -- headers ------------------------------------------------------------------------------------------------


def test_given_a_query_when_answered_then_x_txn_time_and_metrics_headers_are_sent(fauna):
    # core api/fql1/TMPEndpoint.scala setHeaders, api/Application.scala: always x-txn-time (µs) and
    # x-faunadb-build; unless 401/500 the query-metrics headers.
    ok = fauna.raw(q.to_micros(q.now()))
    assert ok.status_code == 200
    assert int(ok.headers["x-txn-time"]) > 0
    assert "x-faunadb-build" in ok.headers
    for name in METRICS_HEADERS:
        assert name in ok.headers, name
    bad = fauna.raw(q.get(q.index("nope")))
    assert bad.status_code == 400
    assert int(bad.headers["x-txn-time"]) > 0
    for name in METRICS_HEADERS:
        assert name in bad.headers, name


def test_given_a_write_when_answered_then_x_txn_time_equals_the_document_ts(fauna):
    # document ts and X-Txn-Time are the commit ts (core queries/WriteFunctionsSpec.scala "threads through
    # transaction time"; TMPEndpoint.scala setHeaders).
    fauna.collection(C)
    response = fauna.raw(q.create(ref(1), {"data": {}}))
    assert int(response.headers["x-txn-time"]) == body_of(response)["resource"]["ts"]


def test_given_401_when_answered_then_www_authenticate_and_no_metrics_headers(fauna):
    # core api/Application.scala ErrorResponse, TMPEndpoint.scala setHeaders: 401 -> WWW-Authenticate: Basic
    # realm="Unauthorized", code "unauthorized", description "Unauthorized", no position (transport-level
    # ErrorResponse); metrics headers are not sent on 401.
    response = fauna.raw(q.to_micros(q.now()), secret="wrong-secret")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Unauthorized"'
    first = body_of(response)["errors"][0]
    assert (first["code"], first["description"]) == ("unauthorized", "Unauthorized")
    assert "position" not in first
    for name in METRICS_HEADERS:
        assert name not in response.headers, name


def test_given_x_last_seen_txn_header_when_querying_then_tolerated(fauna):
    # parse but need not honour X-Last-Seen-Txn (driver client.py sends it after every response,
    # tests/test_client.py::test_last_txn_time).
    now = int(fauna.raw(q.to_micros(q.now())).headers["x-txn-time"])
    for value in [str(now), str(now + 10**12), "0"]:
        response = fauna.raw(q.to_micros(q.now()), headers={"X-Last-Seen-Txn": value})
        assert response.status_code == 200


def test_given_driver_query_when_answered_then_last_txn_time_follows_x_txn_time(fauna):
    # driver tests/test_client.py::test_last_txn_time: client.query({}) updates last-txn-time.
    client = fauna.client_for(SECRET)
    assert client.query({}) == {}
    first = client.get_last_txn_time()
    assert first is not None and first > 0
    client.query({})
    assert client.get_last_txn_time() >= first


def test_given_no_api_version_header_when_querying_then_the_query_still_succeeds(fauna):
    # a missing X-FaunaDB-API-Version is not an error (the server picks a default version,
    # core ext/atoms/src/main/scala/APIVersion.scala).
    response = fauna.raw(q.to_micros(q.now()), version_header=False)
    assert response.status_code == 200
    assert isinstance(body_of(response)["resource"], int)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", None],
    ids=["plain-json", "text-plain", "missing"],
)
def test_given_other_content_types_when_querying_then_the_json_body_is_still_read(fauna, content_type):
    # Content-Type is informational; the body is the JSON expression.
    headers = {} if content_type is None else {"Content-Type": content_type}
    raw_headers = {"Authorization": "Bearer " + SECRET, "X-FaunaDB-API-Version": "4", **headers}
    response = requests.post(fauna.server.endpoint + "/", data=b'"hello"', headers=raw_headers, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert body_of(response) == {"resource": "hello"}


# -- /ping ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [("", "Scope write is OK"), ("?scope=node", "Scope node is OK"), ("?scope=read&timeout=1000", "Scope read is OK"), ("?scope=all", "Scope all is OK")],
    ids=["default", "node", "read", "all"],
)
def test_given_ping_without_auth_when_called_then_200_scope_is_ok(fauna, query, expected):
    # core api/fql1/UtilRoutes.scala: GET /ping needs no auth, {"resource": "Scope <scope> is OK"}, default write.
    response = requests.get(fauna.server.endpoint + "/ping" + query, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert body_of(response) == {"resource": expected}


def test_given_ping_with_a_body_and_head_when_called_then_200(fauna):
    # driver client.py ping sends the body `null` (Content-Length 4); HEAD /ping is served too.
    with_body = requests.get(fauna.server.endpoint + "/ping", data=b"null", timeout=HTTP_TIMEOUT)
    assert with_body.status_code == 200
    head = requests.head(fauna.server.endpoint + "/ping", timeout=HTTP_TIMEOUT)
    assert head.status_code == 200


def test_given_driver_ping_when_called_then_string_and_last_txn_time_unchanged(fauna):
    # driver tests/test_client.py::test_ping: ping("node") == "Scope node is OK" and does not update the
    # last-txn-time.
    client = fauna.client_for(SECRET)
    client.query(q.to_micros(q.now()))
    before = client.get_last_txn_time()
    assert client.ping("node") == "Scope node is OK"
    assert client.get_last_txn_time() == before


# -- concurrency ------------------------------------------------------------------------------------------------


def test_given_racing_check_then_create_transactions_when_run_concurrently_then_exactly_one_wins(fauna):
    # Fauna v4 docs (learn/understanding/transactions: read-write transactions are strictly serializable)
    # Each transaction is If(Exists(ref), Abort, Create(ref)); under serializability exactly
    # one can commit; the others abort (400) or are contended (409).
    fauna.collection(C)
    expr = q.if_(q.exists(ref(1)), q.abort("taken"), q.create(ref(1), {"data": {}}))
    results = []

    def worker():
        client = fauna.client_for(SECRET)
        try:
            client.query(expr)
            results.append("ok")
        except BadRequest as err:
            results.append(err.errors[0].code)
        except (FaunaError, requests.RequestException) as err:  # 409 ContendedTransaction, or a failure
            results.append(type(err).__name__)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HTTP_TIMEOUT)
    assert len(results) == 8
    assert results.count("ok") == 1
    assert set(results) <= {"ok", "transaction aborted", "instance already exists", "ContendedTransaction"}


def test_given_parallel_clients_when_creating_documents_then_all_are_stored(fauna):
    # The server serves many clients at once (the connector reads several streams in parallel).
    fauna.collection(C)
    errors = []

    def worker(base):
        client = fauna.client_for(SECRET)
        try:
            for i in range(10):
                client.query(q.create(ref(base + i), {"data": {}}))
        except (FaunaError, requests.RequestException) as err:
            errors.append(repr(err))

    threads = [threading.Thread(target=worker, args=(1000 * (n + 1),)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HTTP_TIMEOUT * 2)
    assert errors == []
    assert len(fauna.all_of(q.documents(q.collection(C)))) == 60


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Query-Timeout": "5000"},
        {"x-fauna-tags": "team=ingest,job=nightly"},
        {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        {"X-Driver-Env": "driver=python-4.5.2; runtime=cpython-3.11; env=unknown; os=linux"},
    ],
    ids=["query-timeout", "tags", "traceparent", "driver-env"],
)
def test_given_optional_driver_headers_when_querying_then_tolerated(fauna, headers):
    # driver client.py sends X-Query-Timeout, x-fauna-tags and traceparent only if configured (tests/test_client.py
    # test_tags_header, test_traceparent_header); the server parses them but need not honour them.
    response = fauna.raw(q.to_micros(q.now()), headers=headers)
    assert response.status_code == 200


def test_given_metrics_headers_when_read_then_non_negative_integers(fauna):
    # core ext/net/src/main/scala/http/HTTPHeaders.scala, TMPEndpoint.scala setHeaders: the query-metrics headers are
    # counters (ops, bytes, ms, retries).
    response = fauna.raw(q.to_micros(q.now()))
    for name in METRICS_HEADERS:
        assert int(response.headers[name]) >= 0, name


def test_given_create_as_the_result_of_let_when_posted_then_201(fauna):
    # core FQL1Routes.scala (VersionL isNew): 201 when the top-level result is a newly created document (whatever form
    # produced it).
    fauna.collection(C)
    response = fauna.raw(q.let({"x": 1}, q.create(ref(1), {"data": {}})))
    assert response.status_code == 201


@pytest.mark.parametrize(
    "expr",
    [q.create_database({"name": "d201"}), q.create_index({"name": "i201", "source": q.collection(C)})],
    ids=["database", "index"],
)
def test_given_schema_creates_when_posted_then_201(fauna, expr):
    # core FQL1Routes.scala (VersionL isNew -> 201); core api/IndexSpec.scala: index creation responds Created.
    fauna.collection(C)
    assert fauna.raw(expr).status_code == 201
