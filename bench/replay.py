"""A recording HTTP proxy in front of the local Fauna, so the benchmark can measure clients alone.

In `record` mode every `POST /` is forwarded to the upstream Fauna and its answer (status, headers,
body bytes) is kept in memory, keyed by the request's method, path, `Authorization` header and
body. In `replay` mode a known request is answered from memory with the stored bytes in one
`sendall`, at near-zero cost, so a benchmark of a client is not hidden or inflated by the
server's speed. An unknown request in replay mode is forwarded and stored too, and counted as a
miss.

Timestamps taken from the clock make otherwise identical requests differ (e.g. the end of an
incremental window, `now` on the client). With a `clock_floor` (µs since the epoch, the time the
recording started), every 16-digit integer in a body at or above it is replaced by a placeholder
in the key, so such requests replay. Times that come from Fauna's answers (document `ts`, page
cursors, a snapshot time read before the recording) are below the floor and stay in the key.

Control (any method, path under `/__replay/`; answers JSON):
  /__replay/mode?mode=record|replay&clock_floor=µs&latency_ms=ms   switch mode (clears counters)
  /__replay/stats                                                    counters since the last switch
  /__replay/reset                                                    clear counters
  /__replay/forget                                                   drop every stored answer

Run: `python bench/replay.py --upstream http://127.0.0.1:8443 [--port 0]`; prints
`replay listening on http://HOST:PORT`. HTTP/1.1 keep-alive, one thread per client connection.
"""

import argparse
import http.client
import json
import re
import socket
import socketserver
import sys
import threading
import time
from collections import Counter
from typing import Dict, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

# Headers that describe the connection or framing, not the answer; the proxy sets its own.
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}
TIMESTAMP = re.compile(rb"(?<![\d.])\d{16}(?![\d.])")
COLLECTION = re.compile(rb'"(?:collection|index)":"([^"]+)"')


def classify(body: bytes) -> str:
    """Which collection (or index) a query is about, for per-stream request counts; `meta` if none."""
    match = COLLECTION.search(body)
    if not match:
        return "meta"
    name = match.group(1).decode("utf-8", "replace")
    return name[:-3] if name.endswith("_ts") else name


class Store:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.answers: Dict[bytes, bytes] = {}
        self.mode = "record"
        self.clock_floor: Optional[int] = None
        self.latency = 0.0
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.per_stream: Counter = Counter()
        self.bytes_out = 0
        self.missed: list = []

    def key(self, method: bytes, path: bytes, authorization: bytes, body: bytes) -> bytes:
        floor = self.clock_floor
        if floor is not None:
            body = TIMESTAMP.sub(lambda m: b"<T>" if int(m.group(0)) >= floor else m.group(0), body)
        return b"\0".join((method, path, authorization, body))

    def control(self, target: str) -> Tuple[int, dict]:
        parts = urlsplit(target)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        action = parts.path.rsplit("/", 1)[-1]
        with self.lock:
            if action == "mode":
                mode = params.get("mode", self.mode)
                if mode not in ("record", "replay"):
                    return 400, {"error": f"unknown mode {mode}"}
                self.mode = mode
                self.clock_floor = int(params["clock_floor"]) if params.get("clock_floor") else None
                self.latency = float(params.get("latency_ms", 0)) / 1000.0
                self._reset()
            elif action == "reset":
                self._reset()
            elif action == "forget":
                self.answers.clear()
                self._reset()
            elif action != "stats":
                return 404, {"error": f"unknown control {action}"}
            return 200, {
                "mode": self.mode,
                "clock_floor": self.clock_floor,
                "latency_ms": self.latency * 1000,
                "stored": len(self.answers),
                "counts": dict(self.counts),
                "per_stream": dict(self.per_stream),
                "bytes_out": self.bytes_out,
                "missed": self.missed,
            }

    def _reset(self) -> None:
        self.counts = Counter()
        self.per_stream = Counter()
        self.bytes_out = 0
        self.missed = []


def frame(status: int, reason: str, headers: list, body: bytes) -> bytes:
    head = [f"HTTP/1.1 {status} {reason}"]
    head += [f"{name}: {value}" for name, value in headers if name.lower() not in HOP_HEADERS]
    head.append(f"Content-Length: {len(body)}")
    head.append("Connection: keep-alive")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class Handler(socketserver.BaseRequestHandler):
    store: Store

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = sock.makefile("rb", buffering=65536)
        upstream: Optional[http.client.HTTPConnection] = None
        store = self.store
        try:
            while True:
                request_line = reader.readline(65537)
                if not request_line:
                    return
                if request_line in (b"\r\n", b"\n"):
                    continue
                method, target, _ = request_line.split(b" ", 2)
                headers = []
                length = 0
                authorization = b""
                close = False
                while True:
                    line = reader.readline(65537)
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.partition(b":")
                    name_l = name.strip().lower()
                    value = value.strip()
                    if name_l == b"content-length":
                        length = int(value)
                    elif name_l == b"authorization":
                        authorization = value
                    elif name_l == b"connection" and value.lower() == b"close":
                        close = True
                    headers.append((name.strip().decode("latin-1"), value.decode("latin-1")))
                body = reader.read(length) if length else b""
                if target.startswith(b"/__replay/"):
                    status, answer = store.control(target.decode("latin-1"))
                    payload = json.dumps(answer).encode()
                    sock.sendall(frame(status, "OK" if status == 200 else "Error", [("Content-Type", "application/json")], payload))
                else:
                    key = store.key(method, target, authorization, body)
                    answer_bytes = store.answers.get(key) if store.mode == "replay" else None
                    if answer_bytes is None:
                        if upstream is None:
                            upstream = http.client.HTTPConnection(store.upstream_host, store.upstream_port, timeout=600)
                        upstream.request(method.decode(), target.decode("latin-1"), body=body, headers=dict(headers))
                        response = upstream.getresponse()
                        answer_bytes = frame(response.status, response.reason, response.getheaders(), response.read())
                        if response.will_close:
                            upstream.close()
                            upstream = None
                        outcome = "forwarded" if store.mode == "record" else "miss"
                        if outcome == "miss" and len(store.missed) < 5:
                            store.missed.append(body[:400].decode("utf-8", "replace"))
                        if method == b"POST":
                            store.answers[key] = answer_bytes
                    else:
                        outcome = "hit"
                    if store.latency:
                        time.sleep(store.latency)
                    sock.sendall(answer_bytes)
                    with store.lock:
                        store.counts[outcome] += 1
                        store.counts["requests"] += 1
                        store.per_stream[classify(body)] += 1
                        store.bytes_out += len(answer_bytes)
                if close:
                    return
        except (ConnectionError, OSError):
            return
        finally:
            if upstream is not None:
                upstream.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(upstream: str, host: str = "127.0.0.1", port: int = 0) -> Server:
    handler = type("BoundHandler", (Handler,), {"store": Store(upstream)})
    return Server((host, port), handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the Fauna to record, e.g. http://127.0.0.1:8443")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = serve(args.upstream, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"replay listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
