"""The gateway sends each query exactly as the driver would, and gives up on a node that never answers."""

import datetime
import gzip
import json
import socket
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from faunadb._json import to_json
from faunadb.query import _wrap

from source_fauna import queries
from source_fauna.config import parse_config
from source_fauna.fauna_gateway import UNCONNECTED_ATTEMPTS, FaunaGateway, _not_reached, encode, tls_context

ANSWER = b'{"resource": {"data": []}}'


class _Recorder(BaseHTTPRequestHandler):
    """Keeps each request as it came over the wire and answers an empty page, gzipped when asked to."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a Fauna node

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.requestline, {name.lower(): value for name, value in self.headers.items()}, body))
        answer, encoding = ANSWER, None
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            answer, encoding = gzip.compress(ANSWER), "gzip"
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def _recording_node():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _gateway(port: int, **kwargs) -> FaunaGateway:
    config = parse_config({"domain": "127.0.0.1", "port": port, "scheme": "http", "secret": "s3cret"})
    return FaunaGateway(config.connection, **kwargs)


def test_queries_go_out_on_the_wire_as_the_driver_sends_them():
    with _recording_node() as node:
        gateway = _gateway(node.server_address[1])
        for name in ("users", "ünïcode collection"):
            expression = queries.snapshot_page(name, 1_700_000_000_000_000, 100, None)
            assert gateway.query(expression, "read documents") == {"data": []}  # the gzipped answer, decoded
            gateway._client._perform_request("POST", "", _wrap(expression), None, {})  # the driver's own way
        ours, drivers = node.requests[0], node.requests[1]
        assert ours == drivers
        line, headers, body = ours
        assert line == "POST / HTTP/1.1"
        assert headers["authorization"] == "Bearer s3cret" and "gzip" in headers["accept-encoding"]
        assert node.requests[2] == node.requests[3]
        assert json.loads(node.requests[2][2])["expr"]["collection"]["paginate"]["documents"]["collection"] == "ünïcode collection"


def test_expressions_are_encoded_byte_for_byte_as_the_driver_encodes_them():
    # The driver's encoder is private (faunadb._json); the gateway's public equivalent must not drift from it.
    expressions = [
        queries.snapshot_page("ünïcode", 1_700_000_000_000_000, 100, None),
        queries.range_page("users_ts", 1, None, 2, 50, [1, {"@ref": {"id": "7"}}]),
        queries.removals_page("users", {"object": {"ts": 5, "action": "remove"}}, 9, 10),
        queries.collections_page(16),
    ]
    for expression in expressions:
        assert encode(expression) == to_json(_wrap(expression)).encode()


def test_edge_refs_sends_an_explicit_null_before_cursor():
    assert json.loads(encode(queries.edge_refs("users", 5)))["expr"][1]["before"] is None


def _self_signed_ca() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test ca")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_tls_trusts_only_the_configured_ca_or_nothing_when_verification_is_off():
    pem = _self_signed_ca()
    with_ca = tls_context(parse_config({"domain": "h", "secret": "s", "tls": {"ca_certificate": pem}}).connection)
    assert with_ca.verify_mode == ssl.CERT_REQUIRED and with_ca.check_hostname
    assert len(with_ca.get_ca_certs()) == 1
    unverified = tls_context(parse_config({"domain": "h", "secret": "s", "tls": {"verify_certificate": False}}).connection)
    assert unverified.verify_mode == ssl.CERT_NONE and not unverified.check_hostname


@contextmanager
def _silent_node():
    """Accepts connections and never answers, as a hung node."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


@contextmanager
def _cutting_node():
    """Accepts connections, reads the request, then closes the connection without an answer."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection = listener.accept()[0]
            except OSError:
                return
            connection.recv(65536)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_a_refused_connection_to_a_node_never_reached_is_a_config_error_after_fewer_attempts():
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    waits = []
    gateway = _gateway(port, max_attempts=6, sleep=waits.append)
    with pytest.raises(AirbyteTracedException) as raised:
        gateway.query(queries.server_time(), "read the node's time")
    assert raised.value.failure_type == FailureType.config_error
    assert raised.value.message.startswith(f"Could not reach Fauna at http://127.0.0.1:{port}")
    assert "Check `domain`, `port` and `scheme`" in raised.value.message
    assert len(waits) == UNCONNECTED_ATTEMPTS - 1


@contextmanager
def _full_node():
    """A listener whose accept queue is full and never drained: the kernel drops new connections' SYNs, so they time out."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    queued = []
    for _ in range(3):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))
        queued.append(client)
    try:
        yield port
    finally:
        for client in queued:
            client.close()
        listener.close()


@pytest.mark.parametrize(
    "node, failure",
    [(_silent_node, "ReadTimeoutError"), (_cutting_node, "ProtocolError"), (_full_node, "ConnectTimeoutError")],
    ids=["accepted-never-answered", "cut-after-accept", "connect-timeout"],
)
def test_a_node_that_failed_after_accepting_or_a_connect_timeout_is_transient_with_the_budget_of_a_503(node, failure):
    waits = []
    with node() as port:
        gateway = _gateway(port, timeout=urllib3.Timeout(connect=0.2, read=0.2), max_attempts=5, sleep=waits.append)
        with pytest.raises(AirbyteTracedException) as raised:
            gateway.query(queries.server_time(), "read the node's time")
    assert raised.value.failure_type == FailureType.transient_error
    assert raised.value.message.startswith(f"Fauna at http://127.0.0.1:{port} did not answer while trying to read the node's time")
    assert failure in raised.value.internal_message
    assert len(waits) == 4  # every attempt, as for HTTP 503


def test_only_an_unresolvable_or_refusing_endpoint_counts_as_never_reached():
    refused = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    unresolvable = urllib3.exceptions.NameResolutionError("nowhere.invalid", None, socket.gaierror("Name or service not known"))
    assert _not_reached(refused) and _not_reached(unresolvable)
    assert _not_reached(urllib3.exceptions.ProxyError("Unable to connect to proxy", refused))
    assert not _not_reached(urllib3.exceptions.ConnectTimeoutError(None, "Connection to 10.0.0.1 timed out. (connect timeout=10)"))
    assert not _not_reached(urllib3.exceptions.ReadTimeoutError(None, "/", "Read timed out."))
    assert not _not_reached(urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))
    assert not _not_reached(urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead(0 bytes read)"))


def test_a_scoped_gateway_sends_the_secret_scoped_to_its_database_over_the_same_connections():
    with _recording_node() as node:
        gateway = _gateway(node.server_address[1])
        scoped = gateway.scoped(("tenant_a", "eu"), "server-readonly")
        gateway.query(queries.server_time(), "read the time")
        scoped.query(queries.server_time(), "read the time")
        assert [headers["authorization"] for _, headers, _ in node.requests] == ["Bearer s3cret", "Bearer s3cret:tenant_a/eu:server-readonly"]
        assert scoped._connection._manager is gateway._connection._manager
        assert (gateway.database, scoped.database) == ((), ("tenant_a", "eu"))
