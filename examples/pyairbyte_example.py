"""Read a Fauna database into PyAirbyte's default DuckDB cache, then query it with SQL.

PyAirbyte (the `airbyte` Python package) runs the installed `source-fauna` command as a subprocess,
exactly as the Airbyte platform runs the connector's image, and writes the records to a local
DuckDB file. With `--schema-mode typed`, each top-level field of the documents' `data` is a typed
column of its own (an integer field is a BIGINT column there).

Install (PyAirbyte is large, so it is an extra of its own; Python 3.10–3.12):

    pip install -e '.[pyairbyte]'

Run against a node of your own, with a config file as for `source-fauna check --config`:

    python examples/pyairbyte_example.py --config secrets/config.json

or, in a checkout of this repository, against the local Fauna of the tests with sample data:

    python examples/pyairbyte_example.py --local

The cache lands in `.cache/default_cache/default_cache.duckdb` under the current directory
(`--cache-root DIR`, or the `AIRBYTE_CACHE_ROOT` variable, moves it). The script runs offline: it
tells PyAirbyte not to look the connector up in Airbyte's registry and not to send telemetry. It
prints one JSON line at the end: per stream, its table, the row count, the first rows by `ts` and the
DuckDB type of each column. With `child_databases` in the config, each collection of a child database is a
stream of its own, named `<database path>/<collection>`, and lands in a table of its own.
"""

import argparse
import json
import os
import shutil
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Dict


def offline_environment(cache_root: Path) -> None:
    """PyAirbyte reads these when it is imported: set them first."""
    os.environ["AIRBYTE_OFFLINE_MODE"] = "true"  # no registry lookup needed for a local executable; no telemetry
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["AIRBYTE_CACHE_ROOT"] = str(cache_root)
    os.environ.setdefault("AIRBYTE_PROJECT_DIR", str(cache_root))


def connector_executable() -> Path:
    """The `source-fauna` script installed next to this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("source-fauna")
    if beside.exists():
        return beside
    found = shutil.which("source-fauna")
    if found is None:
        raise SystemExit("source-fauna is not installed: run `pip install -e .` first.")
    return Path(found)


def sync_and_query(config: Dict[str, Any]) -> Dict[str, Any]:
    import airbyte as ab  # imported here, after offline_environment()

    source = ab.get_source("source-fauna", config=config, local_executable=connector_executable())
    source.check()
    source.select_all_streams()
    cache = ab.get_default_cache()  # DuckDB
    result = source.read(cache=cache)

    summary: Dict[str, Any] = {"cache": str(cache.db_path), "streams": {}}
    for stream in sorted(result.streams):
        table = f"{cache.schema_name}.{cache.processor.get_sql_table_name(stream)}"
        count = cache.run_sql_query(f"SELECT count(*) AS n FROM {table}")[0]["n"]
        first = cache.run_sql_query(f"SELECT ref, ts FROM {table} ORDER BY ts, ref LIMIT 3")
        columns = cache.run_sql_query(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = '{cache.schema_name}' AND table_name = '{cache.processor.get_sql_table_name(stream)}'"
        )
        summary["streams"][stream] = {
            "table": cache.processor.get_sql_table_name(stream),
            "rows": count,
            "first": [{"ref": row["ref"], "ts": row["ts"]} for row in first],
            "columns": {row["column_name"]: row["data_type"] for row in columns},
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="connector config (JSON) of your Fauna node")
    where.add_argument("--local", action="store_true", help="start the repository's local Fauna with sample data")
    parser.add_argument("--schema-mode", choices=["schemaless", "typed"], help="sets the config's `schema_mode`")
    parser.add_argument("--cache-root", type=Path, default=Path.cwd() / ".cache", help="where the DuckDB cache goes")
    args = parser.parse_args()
    offline_environment(args.cache_root.absolute())

    with ExitStack() as stack:
        if args.local:
            # The local Fauna is a development package of this repository (`pip install ./fauna-local`).
            from fauna_local.testing import LocalFauna

            fauna = stack.enter_context(LocalFauna.start(seed="sample"))
            config = fauna.config()
        else:
            config = json.loads(args.config.read_text())
        if args.schema_mode:
            config = {**config, "schema_mode": args.schema_mode}
        summary = sync_and_query(config)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
