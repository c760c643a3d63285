"""The benchmark's phases: seeding, the replayed and live reads of a first sync, incremental reads, the
latency rows, static slices against the reader pool (on evenly spread and on skewed ids), and what each CDK
internal buys; then the ratios."""

import argparse
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from fauna_local.testing import LocalFauna

import measure
from child_databases import measure_discover
from commands import (
    OLD_VENV,
    ROOT,
    Command,
    Workdir,
    baseline_command,
    catalog_for,
    connector_command,
    connector_config,
    discover,
    driver_command,
    export_tree,
    old_command,
    old_config,
    spec_properties,
    variant_command,
)
from dataset import create_collection, seed, seed_skewed, touch_all, wire_size_of_first
from pyspy_profile import summarize_profile
from rows import driver_row, duplicates, median, ratio, readers_summary, row_of
from servers import ReplayProxy, Server, server_cpu, start_local_fauna
from variant import INTERNALS

HERE = Path(__file__).resolve().parent
PY_SPY = ROOT / ".tmp" / "pyspy" / "bin" / "py-spy"
BASELINE_TREE = ROOT / ".tmp" / "bench-baseline"
RESULTS = HERE / "results"
SEED_TIMEOUT_SECONDS = 300
SKEWED = "latskew"  # the collection of the static-slices rounds whose ids are skewed (dataset.seed_skewed)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


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
        self.proxy: Optional[ReplayProxy] = None
        self.seeding: Dict[str, Any] = {}
        # Another commit's connector, measured in the same rounds (before/after a change).
        self.baseline: Optional[Path] = None
        self.baseline_label = f"connector at {args.baseline}" if args.baseline else ""

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

    def source(self, label: str, target: str, server: Server, command: Command, expected: Optional[int], keep: bool = False, **extra: Any) -> tuple:
        before = server_cpu(server)
        run = measure.run_source(command.argv, keep_records=keep, cwd=command.cwd)
        row = self.add(row_of(run, label, target, expected, server_cpu(server) - before, **extra))
        return run, row

    def driver(self, label: str, target: str, server: Server, endpoint: str, collection: str, expected: int, convert: bool = False, page_size: int = 1000) -> Dict[str, Any]:
        command = driver_command(endpoint, collection, page_size, convert)
        before = server_cpu(server)
        run = measure.run_source(command.argv, cwd=command.cwd)
        return self.add(driver_row(run, label, target, expected, server_cpu(server) - before))

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
        if args.baseline:
            self.baseline = export_tree(args.baseline, BASELINE_TREE)
        log(f"starting the local Fauna and the replay proxy (N = {args.docs:,})")
        self.fauna = start_local_fauna()
        self.proxy = ReplayProxy(self.fauna.endpoint)
        client = self.fauna.client(timeout=SEED_TIMEOUT_SECONDS)
        self.collections = {"users": args.docs}
        if args.small_docs and args.small_docs != args.docs:
            self.collections["small"] = args.small_docs
        if not args.skip_latency:
            for i in range(args.parallel):
                self.collections[f"lat{i}"] = args.latency_docs
            if args.slices_repeat:
                self.collections[SKEWED] = args.latency_docs
        for name in self.collections:
            create_collection(client, name)
        for name, count in self.collections.items():
            if name == SKEWED:
                seconds = seed_skewed(client, name, count)
            else:
                seconds = seed(client, name, count, start=0 if name == "users" else 10_000_000)
            log(f"seeded {name}: {count:,} documents in {seconds:.1f} s ({count / seconds:,.0f} docs/s)")
            self.seeding[name] = {"docs": count, "seconds": seconds}
        self.doc_bytes = wire_size_of_first(self.fauna.endpoint, self.fauna.secret, "users")
        self.streams = discover(self.work, connector_config(self.fauna))
        missing = [name for name in self.collections if name not in self.streams]
        if missing:
            raise RuntimeError(f"discover did not offer streams {missing}: {sorted(self.streams)}")
        self.spec_properties = spec_properties()

    def full_phase(self) -> None:
        """Pre-change data: ceiling, first sync, full_refresh mode, small size, old connector."""
        args, fauna, proxy = self.args, self.fauna, self.proxy
        n = args.docs
        p_conf = self.config_file(proxy, "proxy-config")
        l_conf = self.config_file(fauna, "live-config")
        inc_catalog = self.work.write("catalog-users", catalog_for(self.streams, ["users"]))
        fr_catalog = self.work.write("catalog-users-fr", catalog_for(self.streams, ["users"], mode="full_refresh"))
        small_catalog = self.work.write("catalog-small", catalog_for(self.streams, ["small"])) if "small" in self.collections else None
        typed = not args.skip_typed_mode
        if typed:  # schema mode `typed`: the columns discover samples, the records that fill them
            t_conf = self.config_file(proxy, "proxy-config-typed", schema_mode="typed")
            t_live_conf = self.config_file(fauna, "live-config-typed", schema_mode="typed")
            typed_catalog = self.work.write("catalog-users-typed", catalog_for(discover(self.work, connector_config(fauna, schema_mode="typed")), ["users"]))
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
        if typed:
            self.recorded("connector first sync, typed", lambda: self.source("connector first sync, typed (record pass)", "record", proxy, connector_command("read", t_conf, typed_catalog), n))
        if small_catalog:
            self.recorded("connector first sync, small", lambda: self.source("connector small (record pass)", "record", proxy, connector_command("read", p_conf, small_catalog), args.small_docs))
        if old:
            self.recorded("old connector", lambda: self.source("old connector 0.1.10 (record pass)", "record", proxy, old_command("read", old_p_conf, old_catalog), n))
        if self.baseline:
            self.source(f"{self.baseline_label} first sync (record pass)", "record", proxy, baseline_command(self.baseline, "read", p_conf, inc_catalog), n)
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
            if typed:
                _, entry["typed"] = self.source("connector first sync, schema mode typed", "replay", proxy, connector_command("read", t_conf, typed_catalog), n)
                self.replay_check("connector first sync, typed")
            if r == 0 and not args.skip_full_refresh_mode:
                _, entry["full_refresh"] = self.source("connector full_refresh mode", "replay", proxy, connector_command("read", p_conf, fr_catalog), n)
            if r == 0 and small_catalog:
                _, entry["small"] = self.source(f"connector first sync, {args.small_docs:,} docs", "replay", proxy, connector_command("read", p_conf, small_catalog), args.small_docs)
            if old:
                _, entry["old"] = self.source("old connector 0.1.10", "replay", proxy, old_command("read", old_p_conf, old_catalog), n)
            if self.baseline:
                _, entry["baseline"] = self.source(f"{self.baseline_label} first sync (snapshot)", "replay", proxy, baseline_command(self.baseline, "read", p_conf, inc_catalog), n)
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
        if typed:
            _, live["typed"] = self.source("connector first sync, schema mode typed", "live", fauna, connector_command("read", t_live_conf, typed_catalog), n)
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
        client = fauna.client(timeout=SEED_TIMEOUT_SECONDS)
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
            fauna.set_latency(args.latency_ms)
            try:
                self.latency[f"live {args.latency_ms} ms"] = self.latency_reads(fauna, "live", f"{args.latency_ms} ms", page, names, settings)
            finally:
                fauna.set_latency(0)

    def internals_phase(self) -> None:
        """What each CDK internal buys: the first sync against the replay with it and without it, in alternating order."""
        args, proxy = self.args, self.proxy
        conf = self.config_file(proxy, "proxy-config")
        catalog = self.work.write("catalog-users", catalog_for(self.streams, ["users"]))
        variants = {"with every internal": connector_command("read", conf, catalog)}
        variants.update({f"without {name}": variant_command([name], "read", conf, catalog) for name in INTERNALS})
        variants["without any"] = variant_command(list(INTERNALS), "read", conf, catalog)
        if self.baseline:
            variants[self.baseline_label] = baseline_command(self.baseline, "read", conf, catalog)
        names = list(variants)
        self.internals: Dict[str, List[Dict[str, Any]]] = {name: [] for name in names}
        for r in range(args.ab_repeat):
            log(f"internals round {r + 1} of {args.ab_repeat}")
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                _, row = self.source(f"connector first sync, {name}", "replay", proxy, variants[name], args.docs)
                self.internals[name].append(row)
            self.replay_check(f"internals round {r + 1}")

    def slices_phase(self) -> None:
        """The reader pool against static id-range slices run by the CDK's concurrency (static_slices.py), at the
        latency rows' delay and page size, in alternating rounds, on evenly spread ids (lat0) and on skewed ids:
        the pool with default settings; as many slices as the pool's readers (`partitions_per_collection`), read
        at the CDK's default concurrency (`max_parallel_streams`); and the same slices all read at once."""
        args, proxy = self.args, self.proxy
        page = args.latency_page_size
        readers = self.spec_properties.get(self.partition_option, {}).get("default", 8) if self.partition_option else 8
        kinds = {
            "pool": "reader pool, default settings",
            "static": f"static slices, {readers} slices, default settings",
            "static_all_at_once": f"static slices, {readers} slices, {readers} at once",
        }
        setups: Dict[tuple, Command] = {}
        for ids, collection in (("even", "lat0"), ("skewed", SKEWED)):
            catalog = self.work.write(f"catalog-{collection}", catalog_for(self.streams, [collection]))
            setups[ids, "pool"] = connector_command("read", self.config_file(proxy, "pool", page), catalog)
            setups[ids, "static"] = variant_command([], "read", self.config_file(proxy, "static", page), catalog, static_slices=readers)
            wide = self.config_file(proxy, "static-all-at-once", page, max_parallel_streams=readers)
            setups[ids, "static_all_at_once"] = variant_command([], "read", wide, catalog, static_slices=readers)
        labels = {key: f"{'lat0' if key[0] == 'even' else SKEWED} {kinds[key[1]]}" for key in setups}
        proxy.record(new_floor=True)
        for key, command in setups.items():
            self.recorded(labels[key], lambda: self.source(f"{labels[key]} (record pass)", "record", proxy, command, args.latency_docs))
        proxy.replay(latency_ms=args.latency_ms)
        self.replay_check("record")
        keys = list(setups)
        self.slices: Dict[tuple, List[Dict[str, Any]]] = {key: [] for key in keys}
        for r in range(args.slices_repeat):
            log(f"static slices round {r + 1} of {args.slices_repeat}")
            for key in keys if r % 2 == 0 else keys[::-1]:
                run, row = self.source(f"{labels[key]}, pages of {page}, {args.latency_ms} ms", "replay", proxy, setups[key], args.latency_docs, keep=True)
                row["duplicates"] = duplicates(run)
                self.slices[key].append(row)
            self.replay_check(f"static slices round {r + 1}")
        proxy.replay()

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
        command = [str(PY_SPY), "record", "--rate", "100", "--nonblocking", "--format", "raw", "--threads", "--output", str(out), "--", *connector_command("read", conf, catalog).argv]
        run = measure.run_source(command, cwd=str(ROOT))
        # Not a row of the table: the measured child is py-spy, and sampling slows the connector.
        log(f"  profiled the connector's first sync: {run.records:,} records in {run.wall:.1f} s under py-spy")
        self.replay_check("profile")
        if not out.exists():
            self.notes.append(f"py-spy produced no profile: {run.stderr_tail[-500:]}")
            self.profile_summary = None
            return
        self.profile_summary = summarize_profile(out.read_text())
        RESULTS.mkdir(exist_ok=True)
        shutil.copy(out, RESULTS / "profile-collapsed.txt")

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
        if rounds and "typed" in rounds[0]:
            r["typed_throughput_vs_schemaless"] = self.median_of_rounds(
                "typed_throughput_vs_schemaless", [ratio(e["typed"]["docs_per_s"], e["connector"]["docs_per_s"]) for e in rounds]
            )
            r["typed_cpu_per_doc_vs_schemaless"] = median([ratio(e["typed"]["cpu_per_100k"], e["connector"]["cpu_per_100k"]) for e in rounds])
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
        if rounds and "baseline" in rounds[0]:
            r["baseline_throughput_vs_driver"] = self.median_of_rounds(
                "baseline_throughput_vs_driver", [ratio(e["baseline"]["docs_per_s"], e["driver"]["docs_per_s"]) for e in rounds]
            )
            r["baseline_steady_cpu_per_doc_vs_driver"] = median([ratio(e["baseline"].get("steady_cpu_per_100k"), e["driver"].get("steady_cpu_per_100k")) for e in rounds])
            r["throughput_vs_baseline"] = self.median_of_rounds("throughput_vs_baseline", [ratio(e["connector"]["docs_per_s"], e["baseline"]["docs_per_s"]) for e in rounds])
            r["cpu_vs_baseline"] = median([ratio(e["connector"]["cpu_s"], e["baseline"]["cpu_s"]) for e in rounds])
            if "old" in rounds[0]:
                r["baseline_throughput_vs_old"] = median([ratio(e["baseline"]["docs_per_s"], e["old"]["docs_per_s"]) for e in rounds])
        internals = getattr(self, "internals", {})
        for name, rows in internals.items():
            if name == "with every internal":
                continue
            reference = internals["with every internal"]
            key = name.replace("without ", "without_").replace(" ", "_") if name.startswith("without") else "baseline_in_internals_rounds"
            # > 1: the internal saves that share of the sync's CPU (or wall time) against the CDK's own way.
            r[f"{key}_cpu"] = self.median_of_rounds(f"{key}_cpu", [ratio(row["cpu_s"], ref["cpu_s"]) for row, ref in zip(rows, reference)])
            r[f"{key}_wall"] = median([ratio(row["wall_s"], ref["wall_s"]) for row, ref in zip(rows, reference)])
            r[f"{key}_rss"] = median([ratio(row["max_rss_mb"], ref["max_rss_mb"]) for row, ref in zip(rows, reference)])
            r[f"{key}_throughput"] = median([ratio(row["docs_per_s"], ref["docs_per_s"]) for row, ref in zip(rows, reference)])
        slices = getattr(self, "slices", {})
        for ids, kind in slices:
            if kind != "pool":  # below 0.9 the reader pool stays (bench/README.md, Targets)
                key = f"static_slices{kind[len('static'):]}_vs_reader_pool_{ids}_ids"
                pool = slices[ids, "pool"]
                r[key] = self.median_of_rounds(key, [ratio(s["docs_per_s"], p["docs_per_s"]) for s, p in zip(slices[ids, kind], pool)])
        r["server_share_replay_connector"] = median([e["connector"]["server_share"] for e in rounds])
        r["server_share_live_connector"] = self.live["connector"]["server_share"]

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
                if self.args.slices_repeat:
                    self.slices_phase()
            if self.args.ab_repeat:
                self.internals_phase()
            if self.args.child_databases:
                log(f"discover of {self.args.child_databases} child databases")
                self.child_databases = measure_discover(self.args.child_databases, collections=5, repeat=self.args.repeat)
            self.compute()
        finally:
            for server in [self.proxy, self.fauna]:
                if server is not None:
                    server.stop()
            self.work.remove()
        return {
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
            "child_databases": getattr(self, "child_databases", None),
        }
