"""The source-fauna benchmark: how close the connector comes to the faunadb driver's ceiling, in one run.

    .venv/bin/python bench/run.py [--docs N] [--json out.json] [--old-connector] [--profile] [--baseline COMMIT]

Starts the local Fauna (as the tests do, `fauna_local.testing.LocalFauna`) and a recording proxy in
front of it (bench/replay.py), seeds N documents of ~460 bytes, and measures side by side, each
ratio taken within this run (bench/README.md explains the rows and columns):

1. the ceiling: the faunadb driver paging through the collection with the connector's query, and
   the same loop converting every document into JSON values;
2. the connector's first sync (snapshot) through the real `source-fauna read`, stdout piped, and
   with `--baseline` the connector of another commit in the same rounds;
3. an incremental read after every document changed, and one with nothing changed;
4. the connector's peak RSS at two sizes, and its CPU (user+sys of that process alone);
5. with 20 ms injected per request and pages of 100: one collection alone, several at once, the
   connector's reader pool, and static id-range slices run by the CDK's concurrency instead, on
   evenly spread and on skewed ids;
6. what each internal the connector relies on buys (source_fauna/cdk_internals.py, process_tuning.py);
7. peak RSS with the reader pool held at one reader and at four, and what the internals that bound it save;
8. discover of 200 child databases of 5 collections: its time and queries per database (child_databases.py);
9. with `--old-connector`: airbyte-source-fauna 0.1.10 in its own venv, on the same data.

Each phase is a function of the run's context (context.py) in a module of its own (first_sync.py,
incremental.py, latency.py, reader_pool_vs_slices.py, internals.py, reader_memory.py); ratios.py takes the ratios from their
rows. Prints the report and writes the results as JSON (bench/results/, or `--json`); `bench/readme.py`
renders them into bench/README.md. No figure is asserted: a benchmark prints, people judge.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import report  # noqa: E402
from child_databases import measure_discover  # noqa: E402
from commands import ROOT  # noqa: E402
from context import RESULTS, RunContext, log  # noqa: E402
from first_sync import full_phase  # noqa: E402
from incremental import incremental_phase  # noqa: E402
from internals import internals_phase  # noqa: E402
from latency import latency_phase  # noqa: E402
from ratios import compute  # noqa: E402
from reader_memory import reader_memory_phase  # noqa: E402
from reader_pool_vs_slices import slices_phase  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="source-fauna benchmark")
    parser.add_argument("--docs", type=int, default=100_000, help="documents in the main collection (default 100,000; up to 1,000,000)")
    parser.add_argument("--small-docs", type=int, default=10_000, help="documents of the small collection for the second RSS figure")
    parser.add_argument("--repeat", type=int, default=5, help="replay rounds of driver loop / connector (ratios are per round)")
    parser.add_argument("--json", help="where to write the results (default bench/results/bench-<time>-<N>.json)")
    parser.add_argument("--old-connector", action="store_true", help="also run airbyte-source-fauna 0.1.10 from its own venv")
    parser.add_argument("--baseline", help="a commit whose connector is measured in the same rounds (e.g. before a change)")
    parser.add_argument("--profile", action="store_true", help="sample the connector's first sync with py-spy and summarise")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--latency-page-size", type=int, default=100)
    parser.add_argument("--latency-docs", type=int, default=20_000, help="documents per collection of the latency test")
    parser.add_argument("--parallel", type=int, default=4, help="collections (or partitions) read at once in the latency test")
    parser.add_argument("--no-live-latency", dest="live_latency", action="store_false", help="skip the latency test against the live local Fauna")
    parser.add_argument("--slices-repeat", type=int, default=3, help="alternating rounds of the reader pool against static slices, on even and on skewed ids (0: skip)")
    parser.add_argument("--ab-repeat", type=int, default=3, help="rounds of the first sync with each CDK internal switched off (0: skip)")
    parser.add_argument("--memory-repeat", type=int, default=2, help="rounds of the first sync with the reader pool held at one and at several readers (0: skip)")
    parser.add_argument("--memory-readers", type=int, default=4, help="the several readers of those rounds")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--skip-typed-mode", action="store_true", help="skip the row with schema mode `typed`")
    parser.add_argument("--skip-full-refresh-mode", action="store_true", help="skip the row with the stream configured full_refresh")
    parser.add_argument("--child-databases", type=int, default=200, help="child databases (5 collections each) of the discover figure (0: skip)")
    parser.add_argument(
        "--busy-loops", type=int, default=0, help="processes spinning on the CPU for the whole run, as other jobs on a shared machine would"
    )
    return parser.parse_args()


def run(args: argparse.Namespace) -> Dict[str, Any]:
    """Runs the phases in order and returns the results as bench/report.py and bench/readme.py read them."""
    ctx = RunContext(args)
    load_before = os.getloadavg()
    started = time.time()
    # The connector measured is the working tree's; say so when it differs from the commit.
    dirty = subprocess.run(["git", "status", "--short", "source_fauna"], capture_output=True, text=True, cwd=ROOT).stdout.split("\n")
    dirty = [line for line in dirty if line.strip()]
    incremental = latency = slices = internals = reader_memory = child_databases = None
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy_loops)]
    try:
        ctx.setup()
        first = full_phase(ctx)
        if not args.skip_incremental:
            incremental = incremental_phase(ctx, first)
        if not args.skip_latency:
            latency = latency_phase(ctx)
            if args.slices_repeat:
                slices = slices_phase(ctx)
        if args.ab_repeat:
            internals = internals_phase(ctx)
        if args.memory_repeat:
            reader_memory = reader_memory_phase(ctx)
        if args.child_databases:
            log(f"discover of {args.child_databases} child databases")
            child_databases = measure_discover(args.child_databases, collections=5, repeat=args.repeat)
        ratios, per_round = compute(args.latency_ms, first, incremental, latency, internals, slices, reader_memory)
    finally:
        for process in busy:
            process.kill()
            process.wait()
        for server in [ctx.proxy, ctx.fauna]:
            if server is not None:
                server.stop()
        ctx.work.remove()
    return {
        "meta": {
            "started": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(),
            "seconds": time.time() - started,
            "docs": args.docs,
            "doc_bytes": ctx.doc_bytes,
            "args": vars(args),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "python": platform.python_version(),
            "commit": subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip(),
            "uncommitted_connector_files": dirty,
        },
        "ratios": ratios,
        "per_round": per_round,
        "requests": ctx.requests,
        "rows": ctx.rows,
        "latency": latency,
        "seeding": ctx.seeding,
        "notes": ctx.notes,
        "profile": first.profile,
        "child_databases": child_databases,
    }


def main() -> None:
    args = parse_args()
    result = run(args)
    print()
    print(report.render(result))
    path = Path(args.json) if args.json else RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%S')}-{args.docs}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
