"""The gateway sends each query exactly as the driver would, from a request it prepares once."""

import io

import requests
from requests.adapters import HTTPAdapter

from source_fauna import queries
from source_fauna.config import parse_config
from source_fauna.fauna_gateway import FaunaGateway, _wrap


class _Recorder(HTTPAdapter):
    """Keeps every request sent and answers it with an empty FQL result."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 200
        response.raw = io.BytesIO(b'{"resource": {"data": []}}')
        response.request, response.url = request, request.url
        return response


def test_queries_go_out_as_the_driver_sends_them():
    gateway = FaunaGateway(parse_config({"domain": "fauna.internal", "port": 8443, "scheme": "http", "secret": "s3cret"}).connection)
    recorder = _Recorder()
    gateway._client.session.mount("http://", recorder)
    for name in ("users", "ünïcode collection"):
        expression = queries.snapshot_page(name, 1_700_000_000_000_000, 100, None)
        assert gateway.query(expression, "read documents") == {"data": []}
        gateway._client._perform_request("POST", "", _wrap(expression), None, {})  # the driver's own way
        ours, drivers = recorder.sent[-2:]
        assert (ours.method, ours.url) == (drivers.method, drivers.url) == ("POST", "http://fauna.internal:8443/")
        assert dict(ours.headers) == dict(drivers.headers)
        assert ours.headers["Authorization"] == "Bearer s3cret"
        assert ours.body == drivers.body.encode()
    # Each query has its own copy: the first one's body was not overwritten by the second.
    assert recorder.sent[0].body != recorder.sent[2].body
