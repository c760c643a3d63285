"""`LocalFauna`: start a local Fauna for tests (subprocess by default, or a thread in this process).

    with LocalFauna.start(seed="sample") as fauna:
        client = fauna.client()
        fauna.set_faults(every=3, action="503")

The admin operations go through the `/_local/` HTTP endpoints with the root secret (see README.md).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from typing import Any, Dict, Optional, Sequence

START_TIMEOUT = 30.0
ADMIN_TIMEOUT = 30.0


def quiet_client(secret: str, domain: str, port: int, scheme: str = "http", timeout: float = 10, **kwargs: Any):
    """A faunadb FaunaClient that never calls the package index at construction (driver quirk 1) and whose
    requests time out after `timeout` seconds (the driver sets none itself, quirk 2)."""
    import warnings

    from requests.adapters import HTTPAdapter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from faunadb.client import FaunaClient

    class TimeoutAdapter(HTTPAdapter):
        def send(self, request: Any, **send_kwargs: Any) -> Any:
            if send_kwargs.get("timeout") is None:
                send_kwargs["timeout"] = timeout
            return super().send(request, **send_kwargs)

    original = FaunaClient.check_new_version
    FaunaClient.check_new_version = lambda self: None
    try:
        client = FaunaClient(secret=secret, domain=domain, port=port, scheme=scheme, timeout=timeout, **kwargs)
    finally:
        FaunaClient.check_new_version = original
    adapter = TimeoutAdapter(pool_connections=10, pool_maxsize=10)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    return client


class LocalFauna:
    def __init__(self, host: str, port: int, secret: str, process: Optional[subprocess.Popen] = None, server: Any = None, thread: Optional[threading.Thread] = None):
        self.host = host
        self.port = port
        self.secret = secret
        self.endpoint = f"http://{host}:{port}"
        self._process = process
        self._server = server
        self._thread = thread

    @classmethod
    def start(cls, *, secret: str = "secret", data_dir: Optional[str] = None, seed: Optional[str] = None, in_process: bool = False, extra_args: Sequence[str] = ()) -> "LocalFauna":
        if in_process:
            return cls._start_thread(secret, data_dir, seed, extra_args)
        cmd = [sys.executable, "-m", "fauna_local", "--host", "127.0.0.1", "--port", "0", "--secret", secret]
        if data_dir:
            cmd += ["--data-dir", str(data_dir)]
        if seed:
            cmd += ["--seed", seed]
        cmd += list(extra_args)
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=None, env=env, text=True)
        line = _read_line(process, START_TIMEOUT)
        prefix = "fauna_local listening on http://"
        if not line.startswith(prefix):
            process.kill()
            process.wait()
            raise RuntimeError(f"fauna_local did not start: {line!r}")
        host, _, port = line[len(prefix):].strip().rpartition(":")
        return cls(host, int(port), secret, process=process)

    @classmethod
    def _start_thread(cls, secret: str, data_dir: Optional[str], seed: Optional[str], extra_args: Sequence[str]) -> "LocalFauna":
        """The same server as the CLI builds (extra_args parsed the same way), served by a thread."""
        from fauna_local.__main__ import build_server, parse_args

        argv = ["--port", "0", "--secret", secret, *(["--data-dir", str(data_dir)] if data_dir else []), *(["--seed", seed] if seed else []), *extra_args]
        server = build_server(parse_args(argv))
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        return cls(host, port, secret, server=server, thread=thread)

    @property
    def pid(self) -> int:
        """The server's process id (subprocess mode), e.g. to read the CPU it used."""
        if self._process is None:
            raise RuntimeError("pid needs a subprocess LocalFauna")
        return self._process.pid

    # -- clients ----------------------------------------------------------------------------------
    def client(self, secret: Optional[str] = None, timeout: float = 10):
        return quiet_client(secret or self.secret, self.host, self.port, "http", timeout)

    def create_child_databases(self, count: int, collections: int) -> None:
        """`count` databases `tenant_000`… inside the top one, each with `collections` collections `c0`… and their
        [ts, ref] indexes (`c0_ts`…): three requests per database, through the root secret scoped to it."""
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from faunadb import query as q

        names = [f"tenant_{number:03}" for number in range(count)]
        self.client().query([q.create_database({"name": name}) for name in names])
        for name in names:
            client = self.client(f"{self.secret}:{name}:admin")
            client.query([q.create_collection({"name": f"c{n}"}) for n in range(collections)])
            values = [{"field": ["ts"]}, {"field": ["ref"]}]
            client.query([q.create_index({"name": f"c{n}_ts", "source": q.collection(f"c{n}"), "values": values}) for n in range(collections)])

    def config(self, **overrides: Any) -> Dict[str, Any]:
        return {"domain": self.host, "port": self.port, "scheme": "http", "secret": self.secret, **overrides}

    # -- admin ------------------------------------------------------------------------------------
    def _admin(self, method: str, route: str, payload: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        request = urllib.request.Request(
            f"{self.endpoint}/_local/{route}", data=data, method=method, headers={"Authorization": "Bearer " + self.secret}
        )
        with urllib.request.urlopen(request, timeout=ADMIN_TIMEOUT) as response:
            return json.loads(response.read() or b"{}")

    def reset(self) -> None:
        self._admin("POST", "reset", {})

    def set_faults(self, **spec: Any) -> None:
        self._admin("POST", "faults", spec)

    def clear_faults(self) -> None:
        self._admin("DELETE", "faults")

    def set_latency(self, ms: float, one_at_a_time: bool = False) -> None:
        """Adds `ms` to every query request; `one_at_a_time` makes requests wait for each other, as on a node whose one worker is the limit."""
        self._admin("POST", "latency", {"ms": ms, "one_at_a_time": one_at_a_time})

    def advance_clock(self, seconds: float) -> None:
        self._admin("POST", "clock", {"advance_seconds": seconds})

    def now_micros(self) -> int:
        return int(self._admin("GET", "clock")["now_micros"])

    def stats(self) -> Dict[str, Any]:
        return self._admin("GET", "stats")

    # -- lifecycle --------------------------------------------------------------------------------
    def kill(self) -> None:
        """SIGKILL the server process (subprocess mode): nothing is flushed beyond what was acknowledged."""
        if self._process is None:
            raise RuntimeError("kill() needs a subprocess LocalFauna")
        self._process.kill()
        self._process.wait(timeout=10)
        self._process.stdout.close()

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGTERM)
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            if self._process.stdout and not self._process.stdout.closed:
                self._process.stdout.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._server.engine.store.wal is not None:
                self._server.engine.store.wal.close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "LocalFauna":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    """The server's first stdout line, or '' if it exits or the timeout passes."""
    result: Dict[str, str] = {}

    def read() -> None:
        result["line"] = process.stdout.readline()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return result.get("line", "")
