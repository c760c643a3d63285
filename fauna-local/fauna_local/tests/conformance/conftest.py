"""Conformance suite for the local Fauna: the unmodified faunadb 4.5.x driver against the server.

One local Fauna (a subprocess on a free port) serves the whole session; tests that touch data start
from an empty database (`reset`). Every expected value in this suite comes from a cited public source
(a Fauna v4 doc page, the faunadb-python `v4` driver and its tests, or a file of the open-sourced core,
github.com/fauna/faunadb), never from the server's own output. Citations sit next to each assertion group;
"core X.scala" names a file of that core.

Timeouts: the driver has none (driver `client.py` `_perform_request` passes no timeout), so every client gets
an HTTP adapter with a default timeout, raw requests pass one, and each test runs under a SIGALRM deadline.

Where each behaviour a local server easily gets wrong is tested:
  1 after = first of next page, before = cursor sent, absent keys  test_paginate (first/after/last page tests)
  2 cursor shapes [Ref] / [ts, Ref, Ref], scalar vs array elements  test_paginate, test_range
  3 Range inclusive prefix bounds, [] unbounded, scalar bounds      test_range
  4 numeric id order, same-ts ties by ref                           test_paginate, test_range, test_events
  5 update moves the index entry, delete removes it                 test_range
  6 event sets add/remove keyed `document`, no update events        test_events
  7 event cursor forms (integer, {ts,action}, {ts,action,document}) test_events
  8 history retention (default 0 + 15 min, 30 days, null)           test_history
  9 Now() = snapshot time, At(future) not an error                  test_history
  10 status/code pairs                                              test_errors, test_faults, test_auth
  11 Get(Index) echo, active and the 128-event build                test_writes, test_errors
  12 201 vs 200, {"resource": ...} for scalars                      test_wire, test_types
  13 @obj wrapping of @-keyed objects                               test_types
  14 same-transaction limits                                        test_errors
  15 client side: no package-index call, explicit timeouts          test_driver_client, test_faults
"""

import json
import signal
import warnings
from typing import Any, Dict, Iterable, List, Optional

import pytest
import requests
from requests.adapters import HTTPAdapter

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q
    from faunadb._json import to_json
    from faunadb.errors import FaunaError
    from faunadb.objects import Native, Ref

from fauna_local.testing import LocalFauna

SECRET = "secret"
HTTP_TIMEOUT = 10  # seconds, per HTTP request
TEST_DEADLINE = 45  # seconds, per test (SIGALRM)


_UNSET = object()


class _TimeoutAdapter(HTTPAdapter):
    """An HTTP adapter that applies a default timeout (requests' Session has no such setting)."""

    def __init__(self, timeout: float, **kwargs):
        self._timeout = timeout
        super().__init__(**kwargs)

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def with_timeout(client, timeout: float = HTTP_TIMEOUT):
    """Mount a timeout adapter on the driver's own session (the driver code itself is untouched)."""
    adapter = _TimeoutAdapter(timeout, pool_connections=10, pool_maxsize=10)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    return client


def coll_ref(name: str) -> Ref:
    """A collection ref as the driver decodes `{"@ref":{"id":name,"collection":{"@ref":{"id":"collections"}}}}`."""
    return Ref(name, Native.COLLECTIONS)


def doc_ref(collection: str, doc_id: str) -> Ref:
    return Ref(str(doc_id), coll_ref(collection))


def index_ref(name: str) -> Ref:
    return Ref(name, Native.INDEXES)


class Fauna:
    """Driver-side helper around one running local Fauna, for one test."""

    def __init__(self, server: LocalFauna):
        self.server = server
        self.client = with_timeout(server.client(timeout=HTTP_TIMEOUT))

    # -- driver ---------------------------------------------------------------------------------
    def q(self, expr):
        return self.client.query(expr)

    def commit_ts(self, expr) -> int:
        """Run a write and return its commit timestamp (the X-Txn-Time the driver recorded)."""
        self.client.query(expr)
        return self.client.get_last_txn_time()

    def client_for(self, secret: str):
        return with_timeout(self.server.client(secret=secret, timeout=HTTP_TIMEOUT))

    def raises(self, expr, exc_type=FaunaError, client=None) -> FaunaError:
        with pytest.raises(exc_type) as info:
            (client or self.client).query(expr)
        return info.value

    # -- raw HTTP ---------------------------------------------------------------------------------
    def raw(
        self,
        expr: Any = _UNSET,
        *,
        body: Optional[bytes] = None,
        method: str = "POST",
        path: str = "/",
        headers: Optional[Dict[str, str]] = None,
        secret: Optional[str] = SECRET,
        version_header: bool = True,
        timeout: float = HTTP_TIMEOUT,
    ) -> requests.Response:
        """Send one request with `requests`; `expr` is serialised by the driver's own `to_json`."""
        hdrs = {"Content-Type": "application/json;charset=utf-8"}
        if version_header:
            hdrs["X-FaunaDB-API-Version"] = "4"
        if secret is not None:
            hdrs["Authorization"] = "Bearer " + secret
        hdrs.update(headers or {})
        if body is None and expr is not _UNSET:
            body = to_json(expr).encode("utf-8")
        return requests.request(method, self.server.endpoint + path, data=body, headers=hdrs, timeout=timeout)

    # -- setup shortcuts (all through the driver) -------------------------------------------------
    def collection(self, name: str, **params) -> Dict[str, Any]:
        return self.q(q.create_collection(dict({"name": name}, **params)))

    def index(self, name: str, source: str, terms=None, values=None, **params) -> Dict[str, Any]:
        spec: Dict[str, Any] = {"name": name, "source": q.collection(source)}
        if terms is not None:
            spec["terms"] = terms
        if values is not None:
            spec["values"] = values
        spec.update(params)
        return self.q(q.create_index(spec))

    def create(self, collection: str, data: Optional[dict] = None, doc_id: Optional[str] = None) -> Dict[str, Any]:
        target = q.collection(collection) if doc_id is None else q.ref(q.collection(collection), str(doc_id))
        return self.q(q.create(target, {"data": data or {}}))

    def create_many(self, collection: str, ids: Iterable[str], data=None) -> Dict[str, Any]:
        """Create documents with the given ids in ONE transaction (one request)."""
        return self.q(
            q.do(*[q.create(q.ref(q.collection(collection), str(i)), {"data": dict(data or {}, i=str(i))}) for i in ids])
        )

    def page(self, set_expr, **kwargs) -> Dict[str, Any]:
        return self.q(q.paginate(set_expr, **kwargs))

    def all_of(self, set_expr, size: int = 100000) -> List[Any]:
        return self.q(q.paginate(set_expr, size=size))["data"]


def error_fields(err: FaunaError):
    """(code, description, position) of the first error the server sent."""
    first = err.errors[0]
    return first.code, first.description, first.position


def raw_errors(response: requests.Response) -> List[Dict[str, Any]]:
    return json.loads(response.content)["errors"]


@pytest.fixture(scope="session")
def fauna_server():
    server = LocalFauna.start(secret=SECRET)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _deadline():
    """Fail (rather than hang) any test that exceeds TEST_DEADLINE seconds."""

    def _expired(signum, frame):
        raise TimeoutError(f"conformance test exceeded {TEST_DEADLINE}s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(TEST_DEADLINE)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fauna(fauna_server) -> Fauna:
    """An empty database and a driver client with a timeout."""
    fauna_server.reset()
    fauna_server.clear_faults()
    helper = Fauna(fauna_server)
    yield helper
    fauna_server.clear_faults()
