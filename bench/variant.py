"""The connector of this tree with some of its CDK internals switched off, or with static slices instead of its reader pool.

    python bench/variant.py [--without NAME,NAME] [--static-slices N] -- read --config C --catalog K

Each NAME puts back what the CDK or the interpreter does without the connector's change, so the
benchmark can measure what each buys, against the same replayed answers:
  batched_output   the CDK's own `launch` (one write per message)
  slice_hash       the CDK's StreamSlice hashed again for every record
  gc_tuning        the cyclic garbage collector's defaults
`--static-slices N` reads snapshots as N id ranges the CDK runs concurrently (bench/static_slices.py).
"""

import argparse
import gc
import sys
from pathlib import Path
from typing import Any, List

import yaml
from airbyte_cdk.entrypoint import launch as cdk_launch

from source_fauna import cdk_internals
from source_fauna import run as connector
from source_fauna.source import SourceFauna

INTERNALS = ("batched_output", "slice_hash", "gc_tuning")


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def switch_off(names: List[str]) -> None:
    unknown = set(names) - set(INTERNALS)
    if unknown:
        raise SystemExit(f"unknown internals {sorted(unknown)}; choose among {INTERNALS}")
    if "batched_output" in names:
        cdk_internals.launch = cdk_launch
    if "slice_hash" in names:
        cdk_internals.SliceWithCachedHash = lambda stream_slice: stream_slice
    if "gc_tuning" in names:
        gc.freeze = gc.set_threshold = _nothing


def use_static_slices(slices: int) -> None:
    import static_slices

    def read_manifest(self: Any, path: str) -> dict:
        with open(Path(connector.__file__).with_name(path)) as file:
            return static_slices.with_static_slices(yaml.safe_load(file), slices)

    SourceFauna._read_and_parse_yaml_file = read_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--without", default="", help="comma-separated internals to switch off")
    parser.add_argument("--static-slices", type=int, default=0)
    parser.add_argument("source_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    switch_off([name for name in args.without.split(",") if name])
    if args.static_slices:
        use_static_slices(args.static_slices)
    sys.argv = ["source-fauna", *[arg for arg in args.source_args if arg != "--"]]
    connector.run()


if __name__ == "__main__":
    main()
