"""HTTP front end: `POST /` queries, `GET|HEAD /ping`, admin endpoints under `/_local/`, fault injection.

Latency and stalls are slept before the engine is entered, so they never hold the store lock (injected
latency never blocks other clients), unless latency is asked one request at a time, as a node
whose one worker is the limit would answer. HTTP/1.1 keep-alive, as the driver's requests session expects.
"""

from __future__ import annotations

import base64
import json
import resource
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional
from urllib.parse import parse_qs, urlparse

from fauna_local.engine import BUILD, Engine, Response, error_response
from fauna_local.language import errors
from fauna_local.wire.faults import Faults

MAX_BODY = 16 * 1024 * 1024  # Fauna v4 docs learn/understanding/limits: 16 MB per query


def bearer_secret(header: Optional[str]) -> Optional[str]:
    """`Bearer <secret>` or `Basic base64(secret:)` (core `project/src/main/scala/RunCorePlugin.scala`)."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip() or None
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, _, _ = decoded.partition(":")
        return user or None
    return None


class LocalFaunaServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, engine: Engine, host: str, port: int):
        self.engine = engine
        self.faults = Faults()
        self.counters: Dict[str, int] = {}
        self.counter_lock = threading.Lock()
        super().__init__((host, port), Handler)

    def count(self, key: str) -> None:
        with self.counter_lock:
            self.counters[key] = self.counters.get(key, 0) + 1

    def stats(self) -> Dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with self.counter_lock:
            per_path = dict(self.counters)
        return {
            "requests": sum(per_path.values()),
            "queries": self.engine.stats["queries"],
            "errors": self.engine.stats["errors"],
            "eval_seconds": self.engine.stats["eval_seconds"],
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_rss_kb": usage.ru_maxrss,
            "per_path": per_path,
            "faults": self.faults.describe(),
        }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm the body then waits for
    # the client's delayed ACK, ~40 ms per request on loopback.
    disable_nagle_algorithm = True
    server: LocalFaunaServer
    server_version = "fauna_local"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the CLI prints one line only
        pass

    # -- plumbing ---------------------------------------------------------------------------------
    def _read_body(self) -> Optional[bytes]:
        """The request body, or None when it exceeds MAX_BODY (then it is drained and discarded)."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, response: Response, head_only: bool = False) -> None:
        status, body, headers = response
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode("utf-8")
        self._send((status, body, {"x-faunadb-build": BUILD}))

    def _drop(self, response: Response) -> None:
        """Send the headers and half the body, then reset the connection (a fault)."""
        status, body, headers = response
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- routes -----------------------------------------------------------------------------------
    def do_POST(self) -> None:
        path = urlparse(self.path).path
        body = self._read_body()
        if path.startswith("/_local/"):
            return self._admin("POST", path, body)
        self.server.count("POST " + path)
        if path not in ("/", ""):
            return self._send(error_response(errors.not_found_route(), self.server.engine.clock.last_txn_ts))
        self._query(body)

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path.startswith("/_local/"):
            self._read_body()
            return self._admin("GET", path, b"")
        self.server.count("GET " + path)
        if path == "/ping":
            self._read_body()  # the driver sends `null` as a body even on GET (driver `client.py` ping)
            return self._ping(False)
        if path in ("/", ""):
            return self._query(self._read_body())
        self._read_body()
        self._send(error_response(errors.not_found_route(), self.server.engine.clock.last_txn_ts))

    def do_HEAD(self) -> None:
        path = urlparse(self.path).path
        self.server.count("HEAD " + path)
        if path == "/ping":
            return self._ping(True)
        self._send(error_response(errors.not_found_route(), 0), head_only=True)

    def do_DELETE(self) -> None:
        path = urlparse(self.path).path
        self._read_body()
        if path.startswith("/_local/"):
            return self._admin("DELETE", path, b"")
        self._send(error_response(errors.not_found_route(), 0))

    def _ping(self, head_only: bool) -> None:
        # GET|HEAD /ping?scope=...: no auth, "Scope <scope> is OK" (core api/fql1/UtilRoutes.scala).
        scope = parse_qs(urlparse(self.path).query).get("scope", ["write"])[0]
        body = json.dumps({"resource": f"Scope {scope} is OK"}).encode("utf-8")
        self._send((200, body, {"x-faunadb-build": BUILD}), head_only)

    def _query(self, body: Optional[bytes]) -> None:
        server = self.server
        fault = server.faults.next()
        latency = server.faults.latency_ms
        if latency and server.faults.one_at_a_time:
            with server.faults.worker:
                time.sleep(latency / 1000.0)
        elif latency:
            time.sleep(latency / 1000.0)
        if fault is not None and fault["action"] == "stall":
            time.sleep(fault["stall_seconds"])
            fault = None
        secret = bearer_secret(self.headers.get("Authorization"))
        if fault is not None and fault["action"] in ("429", "503", "500", "409"):
            factory = {"429": errors.too_many_requests, "503": errors.unavailable, "500": errors.internal_error, "409": errors.contended}
            return self._send(error_response(factory[fault["action"]](), server.engine.clock.last_txn_ts))
        if body is None:
            response = error_response(errors.request_too_large(), server.engine.clock.last_txn_ts)
        else:
            response = server.engine.execute(body, secret)
        if fault is not None and fault["action"] == "drop":
            return self._drop(response)
        self._send(response)

    # -- admin ------------------------------------------------------------------------------------
    def _admin(self, method: str, path: str, body: Optional[bytes]) -> None:
        server = self.server
        engine = server.engine
        if not engine.is_root(bearer_secret(self.headers.get("Authorization"))):
            return self._send(error_response(errors.unauthorized(), engine.clock.last_txn_ts))
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return self._json(400, {"error": "body must be JSON"})
        route = path[len("/_local/"):].rstrip("/")
        try:
            if route == "reset" and method == "POST":
                engine.reset()
                server.faults.clear()
                server.faults.latency_ms, server.faults.one_at_a_time = 0.0, False
                return self._json(200, {"ok": True})
            if route == "faults" and method == "POST":
                server.faults.set(payload)
                return self._json(200, server.faults.describe())
            if route in ("faults", "faults/clear") and method in ("DELETE", "POST"):
                server.faults.clear()
                return self._json(200, server.faults.describe())
            if route == "faults" and method == "GET":
                return self._json(200, server.faults.describe())
            if route == "latency" and method == "POST":
                server.faults.latency_ms = float(payload.get("ms", 0))
                server.faults.one_at_a_time = bool(payload.get("one_at_a_time", False))
                return self._json(200, {"latency_ms": server.faults.latency_ms, "one_at_a_time": server.faults.one_at_a_time})
            if route == "clock":
                if method == "POST":
                    if "advance_seconds" in payload:
                        engine.clock.advance(float(payload["advance_seconds"]))
                    if "set_micros" in payload:
                        engine.clock.set_micros(int(payload["set_micros"]))
                return self._json(200, {"now_micros": engine.clock.now_micros(), "last_txn_micros": engine.clock.last_txn_ts})
            if route == "stats" and method == "GET":
                return self._json(200, server.stats())
        except (ValueError, TypeError) as e:
            return self._json(400, {"error": str(e)})
        self._json(404, {"error": f"unknown admin route {method} {path}"})
