"""The runtime shares one gateway per config, with a connection for every query a sync may have in flight."""

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from source_fauna import queries
from source_fauna.runtime import FaunaRuntime


class _SlowNode(BaseHTTPRequestHandler):
    """Answers every query after a pause, so that all the queries sent together are in flight together."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(0.2)
        answer = b'{"resource": 1700000000000000}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


def test_as_many_queries_as_the_config_allows_at_once_reuse_their_connections(caplog):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowNode)
    server.connections, server.lock = 0, threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {"domain": "127.0.0.1", "port": server.server_address[1], "scheme": "http", "secret": "s",
              "max_parallel_streams": 4, "partitions_per_collection": 5}  # up to 20 queries in flight
    gateway = FaunaRuntime(config).gateway
    start, answers = threading.Barrier(20), []

    def query() -> None:
        start.wait()
        answers.append(gateway.query(queries.server_time(), "read the node's time"))

    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(2):  # two rounds of 20 queries at once
                threads = [threading.Thread(target=query) for _ in range(20)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
    finally:
        server.shutdown()
        server.server_close()
    assert answers == [1700000000000000] * 40
    assert server.connections == 20, "connections beyond the pool were dropped and opened again"
    assert not [record for record in caplog.records if "pool is full" in record.getMessage()]
