"""The context of a benchmark run: its arguments, the local Fauna and the replay proxy in front of it, the seeded
collections and the streams discover offers, and what the phases collect (the rows, the requests per stream,
the notes). Its helpers run one measured process, add its row, and record or check the proxy's requests."""

import argparse
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from fauna_local.testing import LocalFauna

import measure
from commands import ROOT, Command, Workdir, connector_config, discover, driver_command, export_tree, spec_properties
from dataset import create_collection, seed, seed_skewed, wire_size_of_first
from rows import driver_row, readers_summary, row_of
from servers import ReplayProxy, Server, server_cpu, start_local_fauna

HERE = Path(__file__).resolve().parent
BASELINE_TREE = ROOT / ".tmp" / "bench-baseline"
RESULTS = HERE / "results"
SEED_TIMEOUT_SECONDS = 300
SKEWED = "latskew"  # the collection of the static-slices rounds whose ids are skewed (dataset.seed_skewed)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class RunContext:
    """What every phase reads and adds to; `setup` starts the servers and seeds the collections."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: List[Dict[str, Any]] = []
        self.requests: Dict[str, Dict[str, Any]] = {}
        self.notes: List[str] = []
        self.work = Workdir()
        self.fauna: Optional[LocalFauna] = None
        self.proxy: Optional[ReplayProxy] = None
        self.seeding: Dict[str, Any] = {}
        self.collections: Dict[str, int] = {}  # the seeded collections and their documents
        self.doc_bytes = 0  # the wire size of one document of `users`
        self.streams: Dict[str, Dict[str, Any]] = {}  # what discover offers, by stream name
        self.spec_properties: Dict[str, Any] = {}
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

    def alternating_rounds(
        self,
        what: str,
        rounds: int,
        setups: Dict[str, Command],
        measure_one: Callable[[str, Command], Dict[str, Any]],
        after_round: Optional[Callable[[int], None]] = None,
    ) -> Dict[str, List[Dict[str, Any]]]:
        """Each setup measured once per round, the order shifted by one each round so that none always runs first;
        the rows of each setup, one per round."""
        names = list(setups)
        rows: Dict[str, List[Dict[str, Any]]] = {name: [] for name in names}
        for r in range(rounds):
            log(f"{what} round {r + 1} of {rounds}")
            shift = r % len(names)
            for name in names[shift:] + names[:shift]:
                rows[name].append(measure_one(name, setups[name]))
            if after_round is not None:
                after_round(r)
        return rows

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
