"""Client side: the driver as the tests and the connector build it.

Sources: driver faunadb 4.5.2 `client.py` (`FaunaClient.__init__` calls `check_new_version()`, which requests
the package index at construction and may print a banner to stdout; `session.timeout` does nothing, requests
go out without a timeout). Tests and the server's tooling must work with no network beyond loopback.
"""

import socket

from faunadb import query as q

from .conftest import SECRET


def _record_connections(monkeypatch):
    seen = []
    original = socket.socket.connect

    def connect(sock, address):
        seen.append(address)
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def test_given_the_testing_client_when_constructed_and_used_then_only_loopback_is_contacted(fauna, monkeypatch, capsys):
    # driver client.py FaunaClient.__init__ calls check_new_version: it must be neutralised (no package-index request,
    # no stdout banner).
    seen = _record_connections(monkeypatch)
    client = fauna.server.client(secret=SECRET, timeout=10)
    assert client.query(q.to_micros(q.now())) > 0
    hosts = {address[0] for address in seen if isinstance(address, tuple)}
    assert hosts <= {"127.0.0.1", "::1", "localhost"}, hosts
    assert capsys.readouterr().out == ""


def test_given_the_testing_client_when_built_then_it_targets_the_local_endpoint_over_http(fauna):
    # driver client.py posts to {scheme}://{domain}:{port}/; the local server speaks plain http.
    client = fauna.server.client(secret=SECRET, timeout=10)
    assert client.base_url == fauna.server.endpoint
    assert fauna.server.endpoint == "http://127.0.0.1:%d" % fauna.server.port
