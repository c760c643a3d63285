"""`python -m fauna_local --host 127.0.0.1 --port 8443 --secret secret [--data-dir DIR] [--seed sample]
[--latency-ms N] [--faults SPEC] [--clock-offset-seconds N]`

Prints exactly one line `fauna_local listening on http://HOST:PORT` once it accepts connections, serves until
SIGTERM/SIGINT, then shuts down cleanly.
"""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading
from typing import List, Optional

from fauna_local.engine import Engine
from fauna_local.wire.faults import parse_spec
from fauna_local.wire.server import LocalFaunaServer


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fauna_local", description="A local FQL v4 server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443, help="0 picks a free port")
    parser.add_argument("--secret", default="secret", help="root secret (admin of the root database)")
    parser.add_argument("--data-dir", default=None, help="durable storage (write-ahead log); default in memory")
    parser.add_argument("--seed", choices=["sample"], default=None, help="load the sample database if empty")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="extra latency per query request")
    parser.add_argument("--faults", default=None, help="fault spec, e.g. every=5,action=503 (see wire/faults.py)")
    parser.add_argument("--clock-offset-seconds", type=float, default=0.0)
    return parser.parse_args(argv)


def build_server(args: argparse.Namespace) -> LocalFaunaServer:
    """Engine (seeded if asked) behind an HTTP server with the requested latency and faults; not started."""
    engine = Engine(args.secret, args.data_dir, args.clock_offset_seconds)
    if args.seed == "sample":
        from fauna_local.seed import seed_sample

        seed_sample(engine)
    server = LocalFaunaServer(engine, args.host, args.port)
    server.faults.latency_ms = args.latency_ms
    if args.faults:
        server.faults.set(parse_spec(args.faults))
    return server


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    # The store keeps millions of long-lived containers; with the default thresholds the cyclic GC keeps
    # rescanning them. Young collections stay frequent enough for the short-lived garbage of requests.
    gc.set_threshold(100_000, 50, 1000)
    server = build_server(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    print(f"fauna_local listening on http://{host}:{port}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    if server.engine.store.wal is not None:
        server.engine.store.wal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
