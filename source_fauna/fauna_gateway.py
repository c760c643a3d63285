"""The one place that touches the faunadb driver: building the client and running queries.

Queries are built with the driver's `faunadb.query` functions, encoded as the driver encodes them,
and sent with the URL, headers and auth the driver's session sets, over a plain urllib3 pool.
The answer is decoded here into *wire values* (Fauna's tagged JSON, e.g. `{"@ref": {...}}`), not
into the driver's `Ref`/`FaunaTime` objects: with a plain JSON parser, or for pages of documents
with a typed decoder that keeps only what a record needs (`wire.py`). The driver's decoder is the
most expensive step of a sync (see bench/README.md), and wire values are what the connector
needs anyway: records are built from them and cursors are sent back verbatim.

The driver has quirks a connector must not inherit: its client calls the package index when built
and may print a banner to stdout (the Airbyte protocol channel), and it sends requests without a
timeout. Both are fixed here. Failures are retried when a retry can help (409, 429, 500, 503,
dropped connections, timeouts) and otherwise turned into Airbyte errors that say what to do.
"""

import copy
import json
import logging
import random
import ssl
import threading
import time
import warnings
from typing import Any, Callable, Dict, Optional, Tuple

import msgspec
import orjson
import requests
import urllib3
from requests import PreparedRequest, Request

from source_fauna.config import ConnectionSettings
from source_fauna.errors import AccessDenied, DocumentNotFound, PageTooLarge, Unauthorized, config_error, system_error, transient_error
from source_fauna.wire import decode_document_page

with warnings.catch_warnings():
    # faunadb warns on import that FQL v4 is being decommissioned; v4 is what self-hosted nodes speak.
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb.client import FaunaClient, HTTPBearerAuth

logger = logging.getLogger("airbyte")

RETRYABLE_STATUS = {409: "contended transaction", 429: "rate limited", 503: "unavailable", 500: "internal error"}
UNCONNECTED_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 120


class _QuietFaunaClient(FaunaClient):
    def check_new_version(self) -> None:
        # The stock client asks the package index for a newer driver at construction and prints a
        # banner to stdout, which would corrupt the Airbyte protocol stream and fails offline.
        return None


class _NodeConnection:
    """POSTs query bodies to the node over one urllib3 pool, with the request the driver's session prepares.

    The URL, headers and auth are the driver's, prepared once; every query goes out over a plain
    urllib3 pool (or a proxy's, when the environment names one for the node), with TLS from an
    `ssl.SSLContext`. What requests would add around each request (merging settings, cookies,
    hooks, redirects, a second response object) the node never needs. The driver also sends
    without a timeout, so a hung node would hang the sync: here every request has one.
    """

    def __init__(self, request: PreparedRequest, ssl_context: ssl.SSLContext, pool_size: int, timeout: urllib3.Timeout) -> None:
        url = str(request.url)
        proxy = requests.utils.get_environ_proxies(url).get(urllib3.util.parse_url(url).scheme or "http")
        manager: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, num_pools=1, maxsize=pool_size, ssl_context=ssl_context)
            if proxy
            else urllib3.PoolManager(num_pools=1, maxsize=pool_size, ssl_context=ssl_context)
        )
        self._manager = manager
        self._url = url
        # urllib3 sets Content-Length from each body.
        self._headers = {name: value for name, value in request.headers.items() if name.lower() != "content-length"}
        self._timeout = timeout

    def with_headers(self, request: PreparedRequest) -> "_NodeConnection":
        """The same pool, sending the headers of `request` (e.g. another secret's)."""
        other = copy.copy(self)
        other._headers = {name: value for name, value in request.headers.items() if name.lower() != "content-length"}
        return other

    def post(self, body: bytes) -> urllib3.BaseHTTPResponse:
        """The node's answer, read in full; raises urllib3's errors for connections, timeouts and TLS."""
        return self._manager.urlopen(
            "POST",
            self._url,
            body=body,
            headers=self._headers,
            retries=False,
            redirect=False,
            timeout=self._timeout,
            preload_content=True,
            decode_content=True,
        )


def tls_context(connection: ConnectionSettings) -> ssl.SSLContext:
    """What the node's certificate is checked against: the configured CA alone, requests' CA bundle (certifi), or nothing."""
    if not connection.verify_tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if connection.ca_certificate:
        return ssl.create_default_context(cadata=connection.ca_certificate)
    return ssl.create_default_context(cafile=requests.certs.where())


class FaunaGateway:
    """Runs FQL queries against one Fauna endpoint and returns the decoded `resource` as wire values.

    Thread-safe: the CDK reads several streams at once through one gateway (one connection pool).
    """

    def __init__(
        self,
        connection: ConnectionSettings,
        *,
        max_attempts: int = 6,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 20.0,
        pool_size: int = 16,
        sleep: Callable[[float], None] = time.sleep,
        timeout: Optional[urllib3.Timeout] = None,
    ) -> None:
        self.endpoint = connection.endpoint
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep
        self._connected = threading.Event()
        self._client = _QuietFaunaClient(
            secret=connection.secret,
            domain=connection.domain,
            scheme=connection.scheme,
            port=connection.port,
        )
        self._secret = connection.secret
        self.database: Tuple[str, ...] = ()  # the path of the child database a scoped gateway reads; () for the key's own
        # HTTP(S)_PROXY / NO_PROXY are read once, here: the endpoint never changes.
        self._connection = _NodeConnection(
            self._request(self._client.auth),
            tls_context(connection),
            pool_size,
            timeout or urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS),
        )

    def _request(self, auth: Any) -> PreparedRequest:
        """A query request as the driver's session prepares it (URL, headers, `auth`)."""
        return self._client.session.prepare_request(Request("POST", self._client.base_url + "/", data=b"", auth=auth, headers={}))

    def scoped(self, database: Tuple[str, ...], role: str) -> "FaunaGateway":
        """A gateway acting in the child database at `database` (a path below the key's database) with `role`, over
        the same connections: the secret scoped as `<secret>:<path>:<role>`, which Fauna accepts from admin keys
        (core ext/model/src/main/scala/auth/AuthScope.scala)."""
        gateway = copy.copy(self)
        gateway.database = database
        gateway._connection = self._connection.with_headers(self._request(HTTPBearerAuth(f"{self._secret}:{'/'.join(database)}:{role}")))
        return gateway

    def query(self, expression: Any, purpose: str) -> Any:
        """Runs one query (one transaction) and returns its `resource` as wire values.

        `purpose` completes the sentence "while trying to …" in error messages.
        """
        return self._run(expression, purpose, _resource)

    def query_documents(self, expression: Any, purpose: str) -> Dict[str, Any]:
        """Runs a query that answers a page of documents: `{"data": [WireDocument, …], "after": …}`.

        Decoded straight into the fields a record needs (see `wire.py`) rather than every ref in
        full, then picked apart.
        """
        return self._run(expression, purpose, decode_document_page)

    def _run(self, expression: Any, purpose: str, decode: Callable[[bytes], Any]) -> Any:
        body = encode(expression)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._connection.post(body)
            except urllib3.exceptions.SSLError as error:
                raise config_error(
                    f"TLS handshake with Fauna at {self.endpoint} failed while trying to {purpose}: {_reason(error)}. "
                    "If the node uses a private or self-signed certificate, paste its CA certificate into "
                    "`tls.ca_certificate`; if the node speaks plain HTTP, set `scheme` to `http`.",
                    internal=repr(error),
                ) from None
            except urllib3.exceptions.HTTPError as error:  # refused, reset, timed out, cut short, proxy failed
                # An endpoint that was never reached is most likely misconfigured: give up sooner.
                misconfigured = _not_reached(error) and not self._connected.is_set()
                attempts = min(self._max_attempts, UNCONNECTED_ATTEMPTS) if misconfigured else self._max_attempts
                if attempt < attempts:
                    self._wait(attempt, f"{type(error).__name__} ({_reason(error)})", purpose)
                    continue
                raise self._unreachable(error, purpose, misconfigured) from None
            status, content = response.status, response.data
            if 200 <= status < 300:
                self._connected.set()
                try:
                    return decode(content)
                except msgspec.ValidationError as error:
                    raise system_error(f"Fauna at {self.endpoint} answered in an unexpected shape while trying to {purpose}: {error}.") from None
                except (orjson.JSONDecodeError, msgspec.DecodeError, KeyError, TypeError):
                    if attempt < self._max_attempts:  # a truncated body is a dropped connection
                        self._wait(attempt, "an incomplete response", purpose)
                        continue
                    raise transient_error(
                        f"Fauna at {self.endpoint} kept sending incomplete answers while trying to {purpose}; try the sync again later."
                    ) from None
            if status in RETRYABLE_STATUS and attempt < self._max_attempts:
                self._wait(attempt, f"HTTP {status} {RETRYABLE_STATUS[status]}", purpose, response.headers.get("Retry-After"))
                continue
            raise self._error_for(status, content, purpose)

    def _wait(self, attempt: int, why: str, purpose: str, retry_after: Optional[str] = None) -> None:
        delay = min(self._max_backoff, self._backoff * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        if retry_after and retry_after.isdigit():
            delay = max(delay, float(retry_after))
        logger.warning(f"Fauna answered {why} while trying to {purpose}; retrying in {delay:.1f} s (attempt {attempt + 1}).")
        self._sleep(delay)

    def _unreachable(self, error: Exception, purpose: str, misconfigured: bool) -> Exception:
        """Config error when the endpoint was never reached (no such host, refused); transient otherwise.

        A node that accepted the connection and then cut it or did not answer in time, a connect
        timeout, or a node that answered before and went away is a passing failure: the platform
        retries a sync whose failure is transient, never one whose failure is a config error.
        """
        if misconfigured:
            return config_error(
                f"Could not reach Fauna at {self.endpoint} while trying to {purpose}: {_reason(error)}. "
                "Check `domain`, `port` and `scheme`, and that the node is running and reachable from Airbyte.",
                internal=repr(error),
            )
        return transient_error(
            f"Fauna at {self.endpoint} did not answer while trying to {purpose}: {_reason(error)}. The connection was cut or "
            "timed out (a node restarting or overloaded, or a flaky network); the sync can be retried. If it keeps failing, "
            "check that the node is healthy and reachable from Airbyte on `domain` and `port`.",
            internal=repr(error),
        )

    def _error_for(self, status: int, content: bytes, purpose: str) -> Exception:
        code, description = _first_error(content)
        detail = f"{code}: {description}" if code else f"HTTP {status}"
        if status == 401 and self.database:
            return Unauthorized(
                f"Fauna at {self.endpoint} refused the secret scoped to child database '{'/'.join(self.database)}' (401 "
                f"unauthorized) while trying to {purpose}: the database no longer exists, or `secret` is not an admin key."
            )
        if status == 401:
            return Unauthorized(
                f"Fauna at {self.endpoint} rejected the secret (401 unauthorized) while trying to {purpose}. "
                "Check `secret`: it must be a key of the database to sync, with the `server` or `admin` role."
            )
        if status == 403:
            return AccessDenied(
                f"The key is not allowed to {purpose} (403 permission denied). Use a key whose role can read the "
                "collections, their indexes and documents, e.g. a `server` or `server-readonly` key."
            )
        if status == 404 and code == "instance not found":
            return DocumentNotFound(f"Fauna answered {detail} while trying to {purpose}.")
        if status == 413 or code in ("response too large", "request too large"):
            return PageTooLarge(f"{purpose}: {detail}")
        if status == 400 and "minimum allowed timestamp" in description:
            # Fauna refuses reads at a time older than the collection's history retention (core:
            # ReadValidTimeBelowMVT); the reader stops before that, this covers a slower clock.
            return config_error(
                f"Fauna no longer keeps the point in time this sync reads at, while trying to {purpose}: {description} "
                "Raise the collection's history_days above the time a sync takes and run it again."
            )
        if status == 400 and code == "invalid ref":
            return config_error(
                f"Fauna could not {purpose}: {description}. The collection or index may have been deleted or renamed; "
                "refresh the source schema in Airbyte and check `collection_settings`."
            )
        if status in RETRYABLE_STATUS:
            return transient_error(f"Fauna kept answering {detail} while trying to {purpose}; try the sync again later.")
        return system_error(f"Fauna answered {detail} while trying to {purpose}.")


def encode(expression: Any) -> bytes:
    """The request body of an expression, byte for byte as the driver's encoder writes it.

    Expressions are built by `faunadb.query` (or are `FqlLiteral`s); both give their JSON through
    `to_fauna_json`. The driver's own encoder lives in a private module, so this is its public
    equivalent: compact separators, ASCII escapes, keys in the order they were built.
    """
    return json.dumps(expression, default=_fauna_json, separators=(",", ":")).encode()


def _fauna_json(value: Any) -> Any:
    to_fauna_json = getattr(value, "to_fauna_json", None)
    if to_fauna_json is None:
        raise TypeError(f"{value!r} is not an FQL expression")
    return to_fauna_json()


def _resource(content: bytes) -> Any:
    return orjson.loads(content)["resource"]


def _first_error(content: bytes) -> tuple:
    try:
        error = orjson.loads(content)["errors"][0]
        return error.get("code", ""), error.get("description", "")
    except Exception:  # any non-FQL body: report the status code alone
        return "", ""


def _not_reached(error: urllib3.exceptions.HTTPError) -> bool:
    """True when no connection to the node (or its proxy) was made: the host does not resolve or refused.

    A connect timeout is not one of them (urllib3's NewConnectionError subclasses ConnectTimeoutError,
    a plain ConnectTimeoutError is a timeout): packets lost on the way are a network's passing trouble.
    """
    if isinstance(error, urllib3.exceptions.ProxyError):
        return isinstance(error.original_error, urllib3.exceptions.NewConnectionError)
    return isinstance(error, urllib3.exceptions.NewConnectionError)


def _reason(error: Exception) -> str:
    # urllib3 nests the real cause (refused, DNS, certificate) one or more levels deep.
    cause: Optional[BaseException] = error
    while cause is not None and cause.__context__ is not None and not isinstance(cause, OSError):
        cause = cause.__context__
    text = str(cause or error)
    return text if len(text) < 300 else text[:297] + "..."
