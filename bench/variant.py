"""The connector of this tree with some of its CDK internals switched off, static slices instead of its reader pool, or its pool held at N readers.

    python bench/variant.py [--without NAME,NAME] [--static-slices N] [--readers N] -- read --config C --catalog K

Each NAME puts back what the CDK or the interpreter does without the connector's change, so the
benchmark can measure what each buys, against the same replayed answers:
  batched_output   the CDK's own `launch` (one write per message)
  slice_hash       the CDK's StreamSlice hashed again for every record
  gc_tuning        the cyclic garbage collector's defaults
  record_queue     records queued without waiting for the writer, up to the CDK's 10,000
  malloc_tuning    glibc's own arenas, one per thread that allocates
`--static-slices N` reads snapshots as N id ranges the CDK runs concurrently (bench/static_slices.py).
`--readers N` makes the reader pool of each snapshot start N readers at once and keep them, whatever
the CPU and the page rate say, so that memory can be compared at a given number of readers.
"""

import argparse
import gc
import sys
from pathlib import Path
from typing import Any, List

import yaml
from airbyte_cdk.entrypoint import launch as cdk_launch

from source_fauna import adaptive_concurrency, cdk_internals, process_tuning
from source_fauna import run as connector
from source_fauna.source import SourceFauna

INTERNALS = ("batched_output", "slice_hash", "gc_tuning", "record_queue", "malloc_tuning")


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
    if "record_queue" in names:
        cdk_internals.bound_record_queue = cdk_internals.records_waiting = _nothing
    if "malloc_tuning" in names:
        process_tuning.share_one_malloc_arena = _nothing


def hold_readers(readers: int) -> None:
    """Every snapshot read starts `readers` readers at once (within its cap) and keeps them."""
    judge = adaptive_concurrency.ScaleUpTrial.outcome

    def kept(self: Any) -> Any:
        return None if judge(self) is None else True  # measured as always, so the log shows the rates

    adaptive_concurrency.CpuHeadroom.more_readers = lambda self, running: max(0, readers - running)  # type: ignore[method-assign]
    adaptive_concurrency.ScaleUpTrial.outcome = kept  # type: ignore[method-assign]


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
    parser.add_argument("--readers", type=int, default=0, help="hold each snapshot's reader pool at this many readers")
    parser.add_argument("source_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    switch_off([name for name in args.without.split(",") if name])
    if args.static_slices:
        use_static_slices(args.static_slices)
    if args.readers:
        hold_readers(args.readers)
    sys.argv = ["source-fauna", *[arg for arg in args.source_args if arg != "--"]]
    connector.run()


if __name__ == "__main__":
    main()
