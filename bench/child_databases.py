"""Discover with many child databases: its time, and the queries it sends per database.

    .venv/bin/python bench/child_databases.py [--databases 200] [--collections 5] [--repeat 3]

Starts its own local Fauna, creates the child databases (`LocalFauna.create_child_databases`), and runs
`source-fauna discover` with `child_databases: all` through an admin key made with CreateKey, `--repeat` times.
Prints the median wall time and the queries per database (from the local Fauna's `/_local/stats`); `bench/run.py`
runs it too and puts the figures in its report.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from commands import Workdir, connector_command  # noqa: E402
from servers import start_local_fauna  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q


def measure_discover(databases: int, collections: int, repeat: int) -> Dict[str, Any]:
    fauna = start_local_fauna()
    work = Workdir()
    try:
        fauna.create_child_databases(databases, collections)
        key = fauna.client().query(q.create_key({"role": "admin"}))["secret"]
        config = work.write("child-databases-config", {**fauna.config(secret=key), "child_databases": {"mode": "all"}})
        command = connector_command("discover", config)
        seconds, queries, streams = [], [], 0
        for _ in range(repeat):
            before = fauna.stats()["per_path"].get("POST /", 0)
            started = time.monotonic()
            done = subprocess.run(command.argv, cwd=command.cwd, capture_output=True, text=True, check=True)
            seconds.append(time.monotonic() - started)
            queries.append(fauna.stats()["per_path"]["POST /"] - before)
            catalogs = [json.loads(line)["catalog"] for line in done.stdout.splitlines() if line.startswith('{"type":"CATALOG"')]
            streams = len(catalogs[0]["streams"]) if catalogs else 0
        return {
            "databases": databases + 1,
            "collections_per_database": collections,
            "streams": streams,
            "seconds": statistics.median(seconds),
            "seconds_per_round": seconds,
            "queries": max(queries),
            "queries_per_database": max(queries) / (databases + 1),
        }
    finally:
        work.remove()
        fauna.stop()


def render(result: Dict[str, Any]) -> str:
    return (
        f"Discover of {result['databases'] - 1} child databases with {result['collections_per_database']} collections each "
        f"(and the top database): {result['streams']:,} streams in {result['seconds']:.1f} s (median of "
        f"{', '.join(f'{s:.1f}' for s in result['seconds_per_round'])}), {result['queries']} queries, "
        f"{result['queries_per_database']:.2f} per database."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", type=int, default=200)
    parser.add_argument("--collections", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(render(measure_discover(args.databases, args.collections, args.repeat)))


if __name__ == "__main__":
    main()
