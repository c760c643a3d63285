"""The benchmark of issue 6: how close source-fauna comes to the faunadb driver's ceiling, in one run.

    .venv/bin/python bench/run.py [--docs N] [--json out.json] [--old-connector] [--profile]

Starts the local Fauna (`python -m fauna_local`) and a recording proxy in front of it
(bench/replay.py), seeds N documents of ~460 bytes, and measures side by side, each ratio taken
within this run:

1. the ceiling: the faunadb driver paging through the collection with the connector's query, and
   the same loop converting every document into JSON values;
2. the connector's first sync (snapshot) through the real `source-fauna read`, stdout piped;
3. an incremental read after every document changed, and one with nothing changed;
4. the connector's peak RSS at two sizes, and its CPU (user+sys of that process alone);
5. with 20 ms injected per request and pages of 100: one collection alone vs several read at once
   (the connector's parallelism today is across collections), and any partition option its spec offers;
6. with `--old-connector`: airbyte-source-fauna 0.1.10 in its own venv, on the same data.

Replay: every client is run once against the proxy in record mode, then measured against the
proxy replaying the stored answers from memory, so the ratios measure the clients and not the
local Fauna; the proxy's CPU is printed as the server share. The same clients measured against the
live local Fauna are printed beside them. Results go to bench/results/<time>.json (or `--json`).
No figure is asserted: a benchmark prints, people judge.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import orjson  # noqa: E402

import docgen  # noqa: E402
import measure  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q  # noqa: E402
    from faunadb.client import FaunaClient  # noqa: E402

FaunaClient.check_new_version = lambda self: None  # driver quirk 1: no PyPI call, no banner

PYTHON = sys.executable
OLD_VENV = ROOT / ".tmp" / "old-source-fauna-venv"
PY_SPY = ROOT / ".tmp" / "pyspy" / "bin" / "py-spy"
SECRET = "secret"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- servers


class Server:
    """A child process that prints `… listening on http://HOST:PORT` when it is ready."""

    def __init__(self, command: List[str], pattern: str, name: str) -> None:
        self.name = name
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.process.stderr.read()[-2000:]}")
            match = re.search(pattern, line)
            if match:
                self.endpoint = match.group(1)
                break
        else:
            raise RuntimeError(f"{name} did not start: {line}")
        self.host, port = self.endpoint.rsplit("//", 1)[1].rsplit(":", 1)
        self.port = int(port)
        # Keep draining its output so a chatty server never blocks on a full pipe.
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=lambda s=stream: [None for _ in s], daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return measure.process_tree_cpu(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Proxy(Server):
    def __init__(self, upstream: str) -> None:
        super().__init__([PYTHON, str(HERE / "replay.py"), "--upstream", upstream], r"listening on (http://\S+)", "replay proxy")

    def control(self, action: str, **params: Any) -> Dict[str, Any]:
        query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
        with urllib.request.urlopen(f"{self.endpoint}/__replay/{action}?{query}", timeout=30) as response:
            return json.loads(response.read())

    def record(self, new_floor: bool = False) -> None:
        """Record mode. A new clock floor starts a phase; the recordings of one phase share it (see replay.py)."""
        floor = self.control("stats")["clock_floor"]
        if new_floor or floor is None:
            floor = int(time.time() * 1_000_000)
        self.control("mode", mode="record", clock_floor=floor)

    def replay(self) -> None:
        self.control("mode", mode="replay", clock_floor=self.control("stats")["clock_floor"])


class LocalFauna(Server):
    def __init__(self, latency_ms: int = 0) -> None:
        command = [PYTHON, "-m", "fauna_local", "--host", "127.0.0.1", "--port", "0", "--secret", SECRET]
        if latency_ms:
            command += ["--latency-ms", str(latency_ms)]
        super().__init__(command, r"listening on (http://\S+)", "fauna_local")

    def admin(self, method: str, route: str, payload: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """fauna_local's test routes (`/_local/latency`, `/_local/stats`)."""
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.endpoint}/_local/{route}", data=data, method=method, headers={"Authorization": f"Bearer {SECRET}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")


def client_for(server: Server) -> FaunaClient:
    return FaunaClient(secret=SECRET, domain=server.host, port=server.port, scheme="http")


# ---------------------------------------------------------------- data


def create_collection(client: FaunaClient, name: str) -> None:
    client.query(q.create_collection({"name": name}))
    client.query(q.create_index({"name": f"{name}_ts", "source": q.collection(name), "values": [{"field": ["ts"]}, {"field": ["ref"]}]}))


def seed(client: FaunaClient, name: str, count: int, batch: int = 1000, start: int = 0) -> float:
    """Creates `count` documents, `batch` per request; answers the seconds it took."""
    started = time.monotonic()
    chunk: List[Dict[str, Any]] = []
    for document in docgen.documents(count, start=start):
        chunk.append(document)
        if len(chunk) == batch:
            client.query(docgen.create_batch(name, chunk))
            chunk = []
    if chunk:
        client.query(docgen.create_batch(name, chunk))
    return time.monotonic() - started


def touch_all(client: FaunaClient, name: str, batch: int = 1000) -> int:
    """Updates every document of the collection (a new `ts` for each), `batch` per request."""
    after = None
    touched = 0
    while True:
        page = client.query(docgen.touch_page(name, batch, after))
        touched += len(page["data"])
        after = page.get("after")
        if after is None:
            return touched


# ---------------------------------------------------------------- clients


class Workdir:
    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="source-fauna-bench-"))
        self.serial = 0

    def write(self, name: str, content: Any) -> str:
        self.serial += 1
        path = self.path / f"{self.serial:03d}-{name}.json"
        path.write_text(json.dumps(content))
        return str(path)


def connector_config(server: Server, page_size: int = 1000, **extra: Any) -> Dict[str, Any]:
    config = {"domain": server.host, "port": server.port, "scheme": "http", "secret": SECRET, "collection": {"page_size": page_size}}
    config.update(extra)
    return config


def old_config(server: Server, page_size: int = 1000) -> Dict[str, Any]:
    return {
        "domain": server.host,
        "port": server.port,
        "scheme": "http",
        "secret": SECRET,
        "collection": {"page_size": page_size, "deletions": {"deletion_mode": "ignore"}},
    }


def connector_command(verb: str, config: str, catalog: Optional[str] = None, state: Optional[str] = None) -> List[str]:
    command = [PYTHON, "-m", "source_fauna.run", verb, "--config", config]
    if catalog:
        command += ["--catalog", catalog]
    if state:
        command += ["--state", state]
    return command


def old_command(verb: str, config: str, catalog: Optional[str] = None) -> List[str]:
    command = [str(OLD_VENV / "bin" / "python"), str(HERE / "old_connector.py"), verb, "--config", config]
    if catalog:
        command += ["--catalog", catalog]
    return command


def messages_of(command: List[str]) -> List[Dict[str, Any]]:
    result = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=600)
    messages = []
    for line in result.stdout.splitlines():
        if line.startswith(b"{"):
            messages.append(orjson.loads(line))
    return messages


def discover(work: Workdir, config: Dict[str, Any], old: bool = False) -> Dict[str, Dict[str, Any]]:
    path = work.write("discover-config", config)
    command = old_command("discover", path) if old else connector_command("discover", path)
    messages = messages_of(command)
    catalogs = [m["catalog"] for m in messages if m.get("type") == "CATALOG"]
    if not catalogs:
        raise RuntimeError(f"discover failed: {messages[-3:]}")
    return {stream["name"]: stream for stream in catalogs[0]["streams"]}


def catalog_for(streams: Dict[str, Dict[str, Any]], names: List[str], mode: str = "incremental") -> Dict[str, Any]:
    configured = []
    for name in names:
        stream = streams[name]
        sync_mode = mode if mode in stream["supported_sync_modes"] else "full_refresh"
        configured.append(
            {
                "stream": stream,
                "sync_mode": sync_mode,
                "destination_sync_mode": "append",
                "cursor_field": ["ts"] if sync_mode == "incremental" else [],
            }
        )
    return {"streams": configured}


def row_of(run: measure.SourceRun, label: str, target: str, expected: Optional[int], server_cpu: float, **extra: Any) -> Dict[str, Any]:
    """One row of the table, from a measured process."""
    row: Dict[str, Any] = dict(
        label=label,
        target=target,
        records=run.records,
        expected=expected,
        returncode=run.returncode,
        errors=run.errors[:3],
        docs_per_s=run.steady_rate,
        wall_s=run.wall,
        startup_s=run.startup,
        cpu_s=run.cpu,
        cpu_user_s=run.cpu_user,
        cpu_sys_s=run.cpu_sys,
        cpu_per_100k=(run.cpu / run.records * 100_000) if run.records else None,
        steady_cpu_per_100k=run.steady_cpu_per_record * 100_000 if run.steady_cpu_per_record is not None else None,
        max_rss_mb=run.max_rss_mb,
        server_cpu_s=server_cpu,
        server_share=server_cpu / (server_cpu + run.cpu) if (server_cpu + run.cpu) else None,
    )
    row.update(extra)
    if run.reader_logs:
        row["reader_logs"] = run.reader_logs
    if run.returncode != 0 or run.errors:
        row["stderr_tail"] = run.stderr_tail[-1500:]
    return row


def readers_summary(messages: List[str]) -> str:
    """`2, back to 1, 4` from the connector's messages as parallel readers joined and stopped."""
    steps = []
    for message in messages:
        joined = re.search(r" with (\d+) parallel readers", message)
        steps.append(joined.group(1) if joined else "back to 1" if message.startswith("Back to one reader") else message[:60])
    return ", ".join(steps)


def driver_row(run: measure.SourceRun, label: str, target: str, expected: int, server_cpu: float, **extra: Any) -> Dict[str, Any]:
    """The driver loop prints its own counts and page times on stderr (its stdout stays empty)."""
    lines = [line for line in run.stderr_tail.strip().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    row = row_of(run, label, target, expected, server_cpu, **extra)
    documents = result.get("documents", 0)
    row["records"] = documents
    row["cpu_per_100k"] = run.cpu / documents * 100_000 if documents else None
    if result.get("last") and result["last"] > result["first"]:
        row["docs_per_s"] = (documents - result["first_page"]) / (result["last"] - result["first"])
        if result.get("cpu_first") is not None:
            row["steady_cpu_per_100k"] = (result["cpu_last"] - result["cpu_first"]) / (documents - result["first_page"]) * 100_000
        row["startup_s"] = result["first"] - run.started
    row["pages"] = result.get("pages")
    if not result:
        row["stderr_tail"] = run.stderr_tail[-1500:]
    return row


def median(values: List[Optional[float]]) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: List[Dict[str, Any]] = []
        self.requests: Dict[str, Dict[str, Any]] = {}
        self.notes: List[str] = []
        self.ratios: Dict[str, Any] = {}
        self.per_round: Dict[str, List[Optional[float]]] = {}
        self.work = Workdir()
        self.fauna: Optional[LocalFauna] = None
        self.proxy: Optional[Proxy] = None
        self.extra_servers: List[Server] = []
        self.seeding: Dict[str, Any] = {}

    # -- helpers

    def add(self, row: Dict[str, Any]) -> Dict[str, Any]:
        self.rows.append(row)
        rate = row.get("docs_per_s") or 0
        problem = ""
        if row.get("returncode") or row.get("errors"):
            problem = f"  exit {row.get('returncode')} {row.get('errors')}"
        if row.get("expected") is not None and row["records"] != row["expected"]:
            problem += f"  (expected {row['expected']})"
        log(
            f"  {row['label']:<44} {row['target']:<6} {row['records']:>8} docs {rate:>9,.0f}/s "
            f"cpu {row['cpu_s']:6.2f}s rss {row['max_rss_mb']:4.0f}MB server {row['server_cpu_s']:5.2f}s{problem}"
        )
        if row.get("reader_logs"):
            log(f"    parallel readers: {readers_summary(row['reader_logs'])}")
        return row

    def source(self, label: str, target: str, server: Server, command: List[str], expected: Optional[int], keep: bool = False, **extra: Any) -> tuple:
        before = server.cpu()
        run = measure.run_source(command, keep_records=keep, cwd=str(ROOT))
        row = self.add(row_of(run, label, target, expected, server.cpu() - before, **extra))
        return run, row

    def driver(self, label: str, target: str, server: Server, endpoint: str, collection: str, expected: int, convert: bool = False, page_size: int = 1000) -> Dict[str, Any]:
        command = [PYTHON, str(HERE / "driver_loop.py"), "--endpoint", endpoint, "--collection", collection, "--page-size", str(page_size)]
        if convert:
            command.append("--convert")
        before = server.cpu()
        run = measure.run_source(command, cwd=str(ROOT))
        return self.add(driver_row(run, label, target, expected, server.cpu() - before))

    def recorded(self, name: str, action) -> Any:
        """Runs `action` with the proxy recording, and keeps the requests it made per stream."""
        self.proxy.record()
        result = action()
        stats = self.proxy.control("stats")
        self.requests[name] = {"total": stats["counts"].get("requests", 0), "per_stream": stats["per_stream"], "bytes": stats["bytes_out"]}
        return result

    def replay_check(self, name: str) -> None:
        stats = self.proxy.control("stats")
        misses = stats["counts"].get("miss", 0)
        if misses:
            self.notes.append(
                f"replay of '{name}': {misses} of {stats['counts'].get('requests', 0)} requests were not in the recording "
                f"(forwarded live), e.g. {stats['missed'][:1]}"
            )
        self.proxy.control("reset")

    def config_file(self, server: Server, name: str, page_size: int = 1000, **extra: Any) -> str:
        return self.work.write(name, connector_config(server, page_size, **extra))

    # -- phases

    def setup(self) -> None:
        args = self.args
        log(f"starting the local Fauna and the replay proxy (N = {args.docs:,})")
        self.fauna = LocalFauna()
        self.proxy = Proxy(self.fauna.endpoint)
        client = client_for(self.fauna)
        self.collections = {"users": args.docs}
        if args.small_docs and args.small_docs != args.docs:
            self.collections["small"] = args.small_docs
        if not args.skip_latency:
            for i in range(args.parallel):
                self.collections[f"lat{i}"] = args.latency_docs
        for name in self.collections:
            create_collection(client, name)
        for name, count in self.collections.items():
            seconds = seed(client, name, count, start=0 if name == "users" else 10_000_000)
            log(f"seeded {name}: {count:,} documents in {seconds:.1f} s ({count / seconds:,.0f} docs/s)")
            self.seeding[name] = {"docs": count, "seconds": seconds}
        self.doc_bytes = wire_size_of_first(self.fauna, "users")
        self.streams = discover(self.work, connector_config(self.fauna))
        missing = [name for name in self.collections if name not in self.streams]
        if missing:
            raise RuntimeError(f"discover did not offer streams {missing}: {sorted(self.streams)}")
        self.spec_properties = self.spec_properties_of()

    def spec_properties_of(self) -> Dict[str, Any]:
        for message in messages_of([PYTHON, "-m", "source_fauna.run", "spec"]):
            if message.get("type") == "SPEC":
                return message["spec"]["connectionSpecification"].get("properties", {})
        return {}

    def full_phase(self) -> None:
        """Pre-change data: ceiling, first sync, full_refresh mode, small size, old connector."""
        args, fauna, proxy = self.args, self.fauna, self.proxy
        n = args.docs
        p_conf = self.config_file(proxy, "proxy-config")
        l_conf = self.config_file(fauna, "live-config")
        inc_catalog = self.work.write("catalog-users", catalog_for(self.streams, ["users"]))
        fr_catalog = self.work.write("catalog-users-fr", catalog_for(self.streams, ["users"], mode="full_refresh"))
        small_catalog = self.work.write("catalog-small", catalog_for(self.streams, ["small"])) if "small" in self.collections else None
        old = args.old_connector and self.old_ready()
        if old:
            old_streams = discover(self.work, old_config(fauna), old=True)
            old_mode = "incremental" if "incremental" in old_streams["users"]["supported_sync_modes"] else "full_refresh"
            old_catalog = self.work.write("old-catalog", catalog_for(old_streams, ["users"], mode=old_mode))
            old_p_conf = self.work.write("old-proxy-config", old_config(proxy))
            old_l_conf = self.work.write("old-live-config", old_config(fauna))
            self.notes.append(f"old connector read `users` in {old_mode} mode without state")

        log("recording (proxy in record mode, forwarding to the live local Fauna)")
        proxy.record(new_floor=True)
        self.recorded("driver loop", lambda: self.driver("driver loop (record pass)", "record", proxy, proxy.endpoint, "users", n))
        self.recorded("driver loop + JSON values", lambda: self.driver("driver loop + JSON values (record pass)", "record", proxy, proxy.endpoint, "users", n, convert=True))
        run, _ = self.recorded("connector first sync", lambda: self.source("connector first sync (record pass)", "record", proxy, connector_command("read", p_conf, inc_catalog), n))
        self.replay_state = run.final_state()
        if not args.skip_full_refresh_mode:
            self.recorded("connector full_refresh mode", lambda: self.source("connector full_refresh mode (record pass)", "record", proxy, connector_command("read", p_conf, fr_catalog), n))
        if small_catalog:
            self.recorded("connector first sync, small", lambda: self.source("connector small (record pass)", "record", proxy, connector_command("read", p_conf, small_catalog), args.small_docs))
        if old:
            self.recorded("old connector", lambda: self.source("old connector 0.1.10 (record pass)", "record", proxy, old_command("read", old_p_conf, old_catalog), n))
        proxy.replay()
        self.replay_check("record")

        rounds = []
        for r in range(args.repeat):
            log(f"replay round {r + 1} of {args.repeat}")
            entry: Dict[str, Any] = {}
            entry["driver"] = self.driver("driver loop", "replay", proxy, proxy.endpoint, "users", n)
            entry["convert"] = self.driver("driver loop + JSON values", "replay", proxy, proxy.endpoint, "users", n, convert=True)
            _, entry["connector"] = self.source("connector first sync (snapshot)", "replay", proxy, connector_command("read", p_conf, inc_catalog), n)
            self.replay_check("connector first sync")
            if r == 0 and not args.skip_full_refresh_mode:
                _, entry["full_refresh"] = self.source("connector full_refresh mode", "replay", proxy, connector_command("read", p_conf, fr_catalog), n)
            if r == 0 and small_catalog:
                _, entry["small"] = self.source(f"connector first sync, {args.small_docs:,} docs", "replay", proxy, connector_command("read", p_conf, small_catalog), args.small_docs)
            if old:
                _, entry["old"] = self.source("old connector 0.1.10", "replay", proxy, old_command("read", old_p_conf, old_catalog), n)
            self.replay_check(f"round {r + 1}")
            rounds.append(entry)
        self.rounds = rounds
        if args.profile:
            self.profile()

        log("live (straight to the local Fauna, no proxy)")
        live: Dict[str, Any] = {}
        live["driver"] = self.driver("driver loop", "live", fauna, fauna.endpoint, "users", n)
        live["convert"] = self.driver("driver loop + JSON values", "live", fauna, fauna.endpoint, "users", n, convert=True)
        run, live["connector"] = self.source("connector first sync (snapshot)", "live", fauna, connector_command("read", l_conf, inc_catalog), n)
        self.live_state = run.final_state()
        if small_catalog:
            _, live["small"] = self.source(f"connector first sync, {args.small_docs:,} docs", "live", fauna, connector_command("read", l_conf, small_catalog), args.small_docs)
        if old:
            _, live["old"] = self.source("old connector 0.1.10", "live", fauna, old_command("read", old_l_conf, old_catalog), n)
            if live["old"]["returncode"]:
                self.notes.append(f"old connector exited {live['old']['returncode']} after {live['old']['records']:,} records: {'; '.join(live['old']['errors'])}")
        self.live = live

    def incremental_phase(self) -> None:
        args, fauna, proxy = self.args, self.fauna, self.proxy
        n = args.docs
        client = client_for(fauna)
        started = time.monotonic()
        touched = touch_all(client, "users")
        log(f"updated every document of users ({touched:,}) in {time.monotonic() - started:.1f} s")
        p_conf = self.config_file(proxy, "proxy-config")
        l_conf = self.config_file(fauna, "live-config")
        catalog = self.work.write("catalog-users", catalog_for(self.streams, ["users"]))
        replay_state = self.work.write("state-replay", self.replay_state)
        live_state = self.work.write("state-live", self.live_state)

        proxy.record(new_floor=True)
        run, _ = self.recorded("connector incremental after a full change", lambda: self.source("incremental, all changed (record pass)", "record", proxy, connector_command("read", p_conf, catalog, replay_state), n))
        unchanged_state = self.work.write("state-replay-2", run.final_state())
        proxy.replay()
        self.replay_check("record")
        self.inc_vs_full = []
        for r in range(args.repeat):
            _, row = self.source("incremental, every document changed", "replay", proxy, connector_command("read", p_conf, catalog, replay_state), n)
            self.replay_check("incremental")
            # The first sync again (its answers were recorded before the change), right after: a ratio of
            # neighbours, so a machine that slows down during the run does not skew it.
            _, full = self.source("connector first sync, beside each incremental", "replay", proxy, connector_command("read", p_conf, catalog), n)
            self.replay_check("first sync beside the incremental")
            self.inc_vs_full.append(ratio(row["docs_per_s"], full["docs_per_s"]))
        run, self.inc_live = self.source("incremental, every document changed", "live", fauna, connector_command("read", l_conf, catalog, live_state), n)
        live_unchanged_state = self.work.write("state-live-2", run.final_state())

        proxy.record(new_floor=True)
        self.recorded("connector incremental, nothing changed", lambda: self.source("incremental, nothing changed (record pass)", "record", proxy, connector_command("read", p_conf, catalog, unchanged_state), 0))
        proxy.replay()
        self.replay_check("record")
        _, self.unchanged = self.source("incremental, nothing changed", "replay", proxy, connector_command("read", p_conf, catalog, unchanged_state), 0)
        self.replay_check("incremental, nothing changed")
        _, self.unchanged_live = self.source("incremental, nothing changed", "live", fauna, connector_command("read", l_conf, catalog, live_unchanged_state), 0)

    def latency_settings(self) -> Dict[str, Dict[str, Any]]:
        """Configs of the latency test: one partition, several collections, one collection partitioned, defaults."""
        args = self.args
        options = [k for k, v in self.spec_properties.items() if re.search(r"partition|split", k, re.I) and v.get("type") == "integer"]
        self.partition_option = options[0] if options else None
        single = {self.partition_option: 1} if self.partition_option else {}
        settings = {
            "one": dict(max_parallel_streams=1, **single),
            "many": dict(max_parallel_streams=args.parallel, **single),
        }
        if self.partition_option:
            settings["partitioned"] = {"max_parallel_streams": args.parallel, self.partition_option: args.parallel}
            settings["default"] = {}
        return settings

    def latency_reads(self, server: Server, target: str, tag: str, page: int, names: List[str], settings: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
        args = self.args
        one = self.work.write("catalog-lat0", catalog_for(self.streams, names[:1]))
        many = self.work.write("catalog-lat", catalog_for(self.streams, names))
        results: Dict[str, Any] = {}
        endpoint = server.endpoint
        results["driver"] = self.driver(f"driver loop lat0, pages of {page}, {tag}", target, server, endpoint, "lat0", args.latency_docs, page_size=page)
        for kind, extra in settings.items():
            conf = self.config_file(server, f"lat-{kind}", page, **extra)
            catalog, expected = (many, args.latency_docs * len(names)) if kind == "many" else (one, args.latency_docs)
            label = {
                "one": f"connector lat0, one partition, pages of {page}, {tag}",
                "many": f"connector {len(names)} collections at once, {tag}",
                "partitioned": f"connector lat0, {self.partition_option}={args.parallel}, {tag}",
                "default": f"connector lat0, default partitioning, pages of {page}, {tag}",
            }[kind]
            run, row = self.source(label, target, server, connector_command("read", conf, catalog), expected, keep=True, settings=extra)
            row["duplicates"] = duplicates(run)
            results[kind] = row
        return results

    def latency_phase(self) -> None:
        """Latency-bound reads: 20 ms per request, pages of 100."""
        args, proxy = self.args, self.proxy
        page = args.latency_page_size
        names = [f"lat{i}" for i in range(args.parallel)]
        settings = self.latency_settings()
        self.latency: Dict[str, Any] = {"partition_option": self.partition_option, "settings": settings}
        if not self.partition_option:
            self.notes.append(
                "the connector's spec offers no intra-collection partitioning (its parallelism is `max_parallel_streams`, across "
                "collections and windows); the latency test compares one collection with several read at once"
            )
        proxy.record(new_floor=True)
        many = self.work.write("catalog-lat", catalog_for(self.streams, names))
        one = self.work.write("catalog-lat0", catalog_for(self.streams, names[:1]))
        for kind, extra in settings.items():
            if kind == "one":
                continue  # the same requests as lat0's share of `many`
            conf = self.config_file(proxy, f"lat-{kind}", page, **extra)
            catalog, expected = (many, args.latency_docs * len(names)) if kind == "many" else (one, args.latency_docs)
            self.recorded(f"connector {kind}, pages of {page}", lambda: self.source(f"latency {kind} (record pass)", "record", proxy, connector_command("read", conf, catalog), expected))
        self.recorded(f"driver loop, pages of {page}", lambda: self.driver(f"driver loop, pages of {page} (record pass)", "record", proxy, proxy.endpoint, "lat0", args.latency_docs, page_size=page))
        for latency in (0, args.latency_ms):
            proxy.control("mode", mode="replay", clock_floor=proxy.control("stats")["clock_floor"], latency_ms=latency)
            self.latency[f"replay {latency} ms"] = self.latency_reads(proxy, "replay", f"{latency} ms", page, names, settings)
            self.replay_check(f"latency {latency} ms")
        proxy.control("mode", mode="replay", clock_floor=proxy.control("stats")["clock_floor"], latency_ms=0)
        if args.live_latency:
            fauna = self.fauna
            fauna.admin("POST", "latency", {"ms": args.latency_ms})
            try:
                self.latency[f"live {args.latency_ms} ms"] = self.latency_reads(fauna, "live", f"{args.latency_ms} ms", page, names, settings)
            finally:
                fauna.admin("POST", "latency", {"ms": 0})

    def old_ready(self) -> bool:
        python = OLD_VENV / "bin" / "python"
        if not python.exists():
            log("installing airbyte-source-fauna==0.1.10 into its own venv (.tmp/old-source-fauna-venv)")
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(OLD_VENV)], check=True)
            done = subprocess.run([str(python), "-m", "pip", "install", "-q", "airbyte-source-fauna==0.1.10"], capture_output=True, text=True)
            if done.returncode != 0:
                self.notes.append(f"old connector not measured: pip install failed: {done.stderr[-500:]}")
                return False
        return True

    def profile(self) -> None:
        """Where the connector's time goes: py-spy samples the first sync against the replay."""
        proxy = self.proxy
        conf = self.config_file(proxy, "proxy-config")
        catalog = self.work.write("catalog-users", catalog_for(self.streams, ["users"]))
        out = self.work.path / "profile.txt"
        if not PY_SPY.exists():
            log("installing py-spy into .tmp/pyspy")
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(PY_SPY.parent.parent), "py-spy"], capture_output=True)
        command = [str(PY_SPY), "record", "--rate", "100", "--nonblocking", "--format", "raw", "--threads", "--output", str(out), "--", *connector_command("read", conf, catalog)]
        run = measure.run_source(command, cwd=str(ROOT))
        # Not a row of the table: the measured child is py-spy, and sampling slows the connector.
        log(f"  profiled the connector's first sync: {run.records:,} records in {run.wall:.1f} s under py-spy")
        self.replay_check("profile")
        if not out.exists():
            self.notes.append(f"py-spy produced no profile: {run.stderr_tail[-500:]}")
            self.profile_summary = None
            return
        self.profile_summary = summarize_profile(out.read_text())
        shutil.copy(out, self.results_dir() / "profile-collapsed.txt")

    def results_dir(self) -> Path:
        path = HERE / "results"
        path.mkdir(exist_ok=True)
        return path

    # -- report

    def median_of_rounds(self, key: str, values: List[Optional[float]]) -> Optional[float]:
        """The median of one ratio's per-round values, which are kept for the report: their spread is the noise."""
        self.per_round[key] = values
        return median(values)

    def compute(self) -> None:
        r = self.ratios
        rounds = self.rounds
        r["throughput_vs_driver"] = self.median_of_rounds("throughput_vs_driver", [ratio(e["connector"]["docs_per_s"], e["driver"]["docs_per_s"]) for e in rounds])
        r["throughput_vs_driver_json"] = median([ratio(e["connector"]["docs_per_s"], e["convert"]["docs_per_s"]) for e in rounds])
        r["cpu_per_doc_vs_driver"] = median([ratio(e["connector"]["cpu_per_100k"], e["driver"]["cpu_per_100k"]) for e in rounds])
        r["steady_cpu_per_doc_vs_driver"] = self.median_of_rounds("steady_cpu_per_doc_vs_driver", [ratio(e["connector"].get("steady_cpu_per_100k"), e["driver"].get("steady_cpu_per_100k")) for e in rounds])
        r["cpu_per_doc_vs_driver_json"] = median([ratio(e["connector"]["cpu_per_100k"], e["convert"]["cpu_per_100k"]) for e in rounds])
        if rounds and "old" in rounds[0]:
            r["throughput_vs_old"] = self.median_of_rounds("throughput_vs_old", [ratio(e["connector"]["docs_per_s"], e["old"]["docs_per_s"]) for e in rounds])
            r["cpu_per_doc_vs_old"] = median([ratio(e["connector"]["cpu_per_100k"], e["old"]["cpu_per_100k"]) for e in rounds])
            r["live_throughput_vs_old"] = ratio(self.live["connector"]["docs_per_s"], self.live["old"]["docs_per_s"])
        r["live_throughput_vs_driver"] = ratio(self.live["connector"]["docs_per_s"], self.live["driver"]["docs_per_s"])
        r["live_cpu_per_doc_vs_driver"] = ratio(self.live["connector"]["cpu_per_100k"], self.live["driver"]["cpu_per_100k"])
        r["live_steady_cpu_per_doc_vs_driver"] = ratio(self.live["connector"].get("steady_cpu_per_100k"), self.live["driver"].get("steady_cpu_per_100k"))
        if hasattr(self, "inc_vs_full"):
            r["incremental_changed_vs_full"] = self.median_of_rounds("incremental_changed_vs_full", self.inc_vs_full)
            r["live_incremental_changed_vs_full"] = ratio(self.inc_live["docs_per_s"], self.live["connector"]["docs_per_s"])
            r["incremental_unchanged_wall_s"] = self.unchanged["wall_s"]
            # Start-up (imports, manifest, discovery queries) is about what a read of nothing costs; net of it,
            # the connector's CPU per document is comparable at any N (the driver's ~0.2 s start-up is left in).
            startup_cpu = self.unchanged["cpu_s"]
            r["startup_cpu_s"] = startup_cpu
            r["cpu_per_doc_vs_driver_net_of_startup"] = median(
                [ratio((e["connector"]["cpu_s"] - startup_cpu) / e["connector"]["records"], e["driver"]["cpu_s"] / e["driver"]["records"]) for e in rounds if e["connector"]["records"]]
            )
            r["live_incremental_unchanged_wall_s"] = self.unchanged_live["wall_s"]
        small = rounds[0].get("small")
        if small:
            big = max(e["connector"]["max_rss_mb"] for e in rounds)
            r["rss_mb_small"] = small["max_rss_mb"]
            r["rss_mb_n"] = big
            r["rss_n_vs_small"] = big / small["max_rss_mb"]
        lat = getattr(self, "latency", {})
        slow, fast, live = lat.get(f"replay {self.args.latency_ms} ms"), lat.get("replay 0 ms"), lat.get(f"live {self.args.latency_ms} ms")
        if slow and fast:
            r["latency_one_vs_no_latency"] = ratio(slow["one"]["docs_per_s"], fast["one"]["docs_per_s"])
            r["latency_many_collections_vs_one"] = ratio(slow["many"]["docs_per_s"], slow["one"]["docs_per_s"])
            r["latency_many_collections_vs_no_latency"] = ratio(slow["many"]["docs_per_s"], fast["many"]["docs_per_s"])
            if "partitioned" in slow:
                r["latency_partitioned_vs_one_partition"] = ratio(slow["partitioned"]["docs_per_s"], slow["one"]["docs_per_s"])
                r["latency_partitioned_vs_no_latency_one_partition"] = ratio(slow["partitioned"]["docs_per_s"], fast["one"]["docs_per_s"])
                r["latency_partitioned_vs_no_latency_partitioned"] = ratio(slow["partitioned"]["docs_per_s"], fast["partitioned"]["docs_per_s"])
                r["latency_default_vs_one_partition"] = ratio(slow["default"]["docs_per_s"], slow["one"]["docs_per_s"])
                r["latency_default_vs_no_latency_one_partition"] = ratio(slow["default"]["docs_per_s"], fast["one"]["docs_per_s"])
        if live:
            r["live_latency_many_collections_vs_one"] = ratio(live["many"]["docs_per_s"], live["one"]["docs_per_s"])
            if "partitioned" in live:
                r["live_latency_partitioned_vs_one_partition"] = ratio(live["partitioned"]["docs_per_s"], live["one"]["docs_per_s"])
                r["live_latency_default_vs_one_partition"] = ratio(live["default"]["docs_per_s"], live["one"]["docs_per_s"])
        r["server_share_replay_connector"] = median([e["connector"]["server_share"] for e in rounds])
        r["server_share_live_connector"] = self.live["connector"]["server_share"]

    def print_report(self) -> None:
        args = self.args
        print()
        print(f"source-fauna benchmark — N = {args.docs:,} documents of ~{self.doc_bytes} bytes on the wire, page size 1000, "
              f"{args.repeat} replay round(s); {os.cpu_count()} cores; load average before {self.load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
        print()
        header = "| setup | against | docs | docs/s steady | CPU s / 100k docs | steady CPU s / 100k | peak RSS MB | start-up s | wall s | server CPU share | × ceiling | × old |"
        print(header)
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        driver = {t: median([row["docs_per_s"] for row in self.rows if row["label"] == "driver loop" and row["target"] == t]) for t in ("replay", "live")}
        old = {t: median([row["docs_per_s"] for row in self.rows if row["label"] == "old connector 0.1.10" and row["target"] == t]) for t in ("replay", "live")}
        seen = set()
        for row in self.rows:
            if row["target"] == "record":
                continue
            key = (row["label"], row["target"])
            group = [x for x in self.rows if (x["label"], x["target"]) == key]
            if key in seen:
                continue
            seen.add(key)
            rate = median([x["docs_per_s"] for x in group])
            cpu = median([x["cpu_per_100k"] for x in group])
            steady_cpu = median([x.get("steady_cpu_per_100k") for x in group])
            rss = max(x["max_rss_mb"] for x in group)
            startup = median([x["startup_s"] for x in group])
            wall = median([x["wall_s"] for x in group])
            share = median([x["server_share"] for x in group])
            vs_ceiling = ratio(rate, driver.get(row["target"])) if row.get("expected") == args.docs and "settings" not in row else None
            vs_old = ratio(rate, old.get(row["target"])) if vs_ceiling is not None else None
            records = f"{row['records']:,}" + ("" if row.get("expected") in (None, row["records"]) else f" (of {row['expected']:,})")
            if row.get("returncode"):
                records += f" exit {row['returncode']}"
            if row.get("duplicates"):
                records += f" dup {row['duplicates']}"
            print(
                f"| {row['label']} | {row['target']} | {records} | {fmt(rate, ',.0f')} | {fmt(cpu, '.2f')} | {fmt(steady_cpu, '.2f')} | {fmt(rss, '.0f')} | "
                f"{fmt(startup, '.2f')} | {fmt(wall, '.2f')} | {fmt(share and share * 100, '.1f')} % | {fmt(vs_ceiling, '.2f')} | {fmt(vs_old, '.2f')} |"
            )
        print()
        print("Ratios (replay rows: median of the per-round ratios; each ratio within this run):")
        for key, value in self.ratios.items():
            print(f"  {key:<42} {fmt(value, '.3f')}")
        print("Per round:")
        for key, values in self.per_round.items():
            print(f"  {key:<42} {', '.join(fmt(value, '.2f') for value in values)}")
        print()
        print("Requests per stream (counted by the proxy while recording; live runs send the same requests):")
        for name, counts in self.requests.items():
            per = ", ".join(f"{stream}: {count}" for stream, count in sorted(counts["per_stream"].items()))
            print(f"  {name:<46} {counts['total']:>5} requests ({per}); {counts['bytes'] / 1e6:.1f} MB answered")
        if self.notes:
            print()
            print("Notes:")
            for note in self.notes:
                print(f"  - {note}")
        if getattr(self, "profile_summary", None):
            print()
            print("Profile of the connector's first sync against the replay (py-spy samples, all threads):")
            print(self.profile_summary["text"])

    def run(self) -> Dict[str, Any]:
        self.load_before = os.getloadavg()
        started = time.time()
        # The connector measured is the working tree's; say so when it differs from the commit.
        self.dirty = subprocess.run(["git", "status", "--short", "source_fauna"], capture_output=True, text=True, cwd=ROOT).stdout.split("\n")
        self.dirty = [line for line in self.dirty if line.strip()]
        try:
            self.setup()
            self.full_phase()
            if not self.args.skip_incremental:
                self.incremental_phase()
            if not self.args.skip_latency:
                self.latency_phase()
            self.compute()
        finally:
            for server in [self.proxy, self.fauna, *self.extra_servers]:
                if server is not None:
                    server.stop()
        self.print_report()
        result = {
            "meta": {
                "started": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
                "seconds": time.time() - started,
                "docs": self.args.docs,
                "doc_bytes": self.doc_bytes,
                "args": vars(self.args),
                "cpus": os.cpu_count(),
                "load_before": self.load_before,
                "load_after": os.getloadavg(),
                "python": platform.python_version(),
                "commit": subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip(),
                "uncommitted_connector_files": self.dirty,
            },
            "ratios": self.ratios,
            "per_round": self.per_round,
            "requests": self.requests,
            "rows": self.rows,
            "latency": getattr(self, "latency", None),
            "seeding": self.seeding,
            "notes": self.notes,
            "profile": getattr(self, "profile_summary", None),
        }
        path = Path(self.args.json) if self.args.json else self.results_dir() / f"bench-{time.strftime('%Y%m%dT%H%M%S')}-{self.args.docs}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2, default=str))
        print(f"\nresults written to {path}")
        shutil.rmtree(self.work.path, ignore_errors=True)
        return result


def wire_size_of_first(server: Server, collection: str) -> int:
    """Bytes of one rendered document as Fauna sends it (without the `{"resource": …}` envelope)."""
    from faunadb._json import to_json

    body = to_json(q.get(q.select(0, q.select("data", q.paginate(q.documents(q.collection(collection)), size=1))))).encode()
    request = urllib.request.Request(f"{server.endpoint}/", data=body, method="POST", headers={"Authorization": f"Bearer {SECRET}", "X-FaunaDB-API-Version": "4"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return len(response.read()) - len('{"resource":}')


def duplicates(run: measure.SourceRun) -> int:
    seen: Counter = Counter()
    for line in run.record_lines or ():
        record = orjson.loads(line)["record"]
        seen[(record["stream"], record["data"].get("ref"))] += 1
    return sum(count - 1 for count in seen.values() if count > 1)


def fmt(value: Optional[float], spec: str) -> str:
    return "–" if value is None else format(value, spec)


def summarize_profile(collapsed: str, top: int = 22) -> Dict[str, Any]:
    """py-spy's collapsed stacks → share of samples per thread, and self / inclusive time per function,
    for the whole process and for the read alone (samples under an import, i.e. start-up, left out)."""
    whole = _profile_counts(collapsed, lambda frames: True)
    reading = _profile_counts(collapsed, lambda frames: not any("_find_and_load" in f or f.startswith("<module>") and "run.py" not in f for f in frames))
    total, read_total = whole["total"] or 1, reading["total"] or 1
    lines = [
        f"  {whole['total']} samples, {reading['total']} of them after start-up (not under an import); "
        "by thread: " + ", ".join(f"{t} {c * 100 / total:.0f} %" for t, c in whole["threads"].most_common(6)),
        "  after start-up, self time (top functions, % of the samples after start-up):",
    ]
    lines += [f"    {c * 100 / read_total:5.1f} %  {name}" for name, c in reading["own"].most_common(top)]
    lines.append("  after start-up, inclusive time:")
    lines += [f"    {c * 100 / read_total:5.1f} %  {name}" for name, c in reading["inclusive"].most_common(top + 18)]
    return {
        "samples": whole["total"],
        "samples_after_startup": reading["total"],
        "threads": whole["threads"].most_common(),
        "self_after_startup": reading["own"].most_common(80),
        "inclusive_after_startup": reading["inclusive"].most_common(120),
        "self_whole": whole["own"].most_common(40),
        "text": "\n".join(lines),
    }


def _profile_counts(collapsed: str, keep) -> Dict[str, Any]:
    own: Counter = Counter()
    inclusive: Counter = Counter()
    threads: Counter = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if not keep(frames[1:]):
            continue
        samples = int(count)
        total += samples
        threads[re.sub(r"\(\d+\)", "", frames[0]).strip()] += samples
        if len(frames) > 1:
            own[_short(frames[-1])] += samples
        for name in {_short(frame) for frame in frames[1:]}:
            inclusive[name] += samples
    return {"total": total, "own": own, "inclusive": inclusive, "threads": threads}


def _short(frame: str) -> str:
    # py-spy frames look like `function (path/to/module.py:123)`; keep the function and the module's tail.
    match = re.match(r"(.*) \((.*?):\d+\)$", frame)
    if not match:
        return frame
    function, path = match.groups()
    parts = path.split("/")
    tail = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{function} ({tail})"


def main() -> None:
    parser = argparse.ArgumentParser(description="source-fauna benchmark (issue 6)")
    parser.add_argument("--docs", type=int, default=100_000, help="documents in the main collection (default 100,000; up to 1,000,000)")
    parser.add_argument("--small-docs", type=int, default=10_000, help="documents of the small collection for the second RSS figure")
    parser.add_argument("--repeat", type=int, default=5, help="replay rounds of driver loop / connector (ratios are per round)")
    parser.add_argument("--json", help="where to write the results (default bench/results/bench-<time>-<N>.json)")
    parser.add_argument("--old-connector", action="store_true", help="also run airbyte-source-fauna 0.1.10 from its own venv")
    parser.add_argument("--profile", action="store_true", help="sample the connector's first sync with py-spy and summarise")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--latency-page-size", type=int, default=100)
    parser.add_argument("--latency-docs", type=int, default=20_000, help="documents per collection of the latency test")
    parser.add_argument("--parallel", type=int, default=4, help="collections (or partitions) read at once in the latency test")
    parser.add_argument("--no-live-latency", dest="live_latency", action="store_false", help="skip the latency test against the live local Fauna")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--skip-full-refresh-mode", action="store_true", help="skip the row with the stream configured full_refresh")
    args = parser.parse_args()
    Bench(args).run()


if __name__ == "__main__":
    main()
