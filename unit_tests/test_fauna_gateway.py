"""The gateway sends each query exactly as the driver would, and gives up on a node that never answers."""

import gzip
import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_fauna import queries
from source_fauna.config import parse_config
from source_fauna.fauna_gateway import FaunaGateway, _wrap

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


def test_a_node_that_never_answers_times_out_and_is_reported_unreachable():
    with _silent_node() as port:
        gateway = _gateway(port, timeout=urllib3.Timeout(connect=2, read=0.2), max_attempts=2, sleep=lambda seconds: None)
        with pytest.raises(AirbyteTracedException) as raised:
            gateway.query(queries.server_time(), "read the node's time")
    message = raised.value.message
    assert message.startswith(f"Could not reach Fauna at http://127.0.0.1:{port} while trying to read the node's time")
    assert "timed out" in message
