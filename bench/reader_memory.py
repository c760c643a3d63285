"""What parallel readers cost in memory, and what each internal that bounds it saves (variant.py `--readers`)."""

from typing import Any, Dict, List

from commands import catalog_for, variant_command
from context import RunContext

# The internals that bound what readers working ahead hold: records waiting to be written, and their threads' arenas.
MEMORY_INTERNALS = ("record_queue", "malloc_tuning")


def reader_memory_phase(ctx: RunContext) -> Dict[str, List[Dict[str, Any]]]:
    """The first sync against the live local Fauna with the reader pool held at one reader and at `--memory-readers`,
    with every internal and without each of MEMORY_INTERNALS, in alternating order. The rows of each setup, one per round.

    Live, not replayed: readers held at a number split the ids where they find them, so their requests are not those
    of any recording."""
    args, fauna = ctx.args, ctx.fauna
    many = args.memory_readers
    conf = ctx.config_file(fauna, "memory-config", partitions_per_collection=many)
    catalog = ctx.work.write("catalog-users", catalog_for(ctx.streams, ["users"]))
    setups = {"1 reader": variant_command([], "read", conf, catalog, readers=1), f"{many} readers": variant_command([], "read", conf, catalog, readers=many)}
    setups.update({f"{many} readers without {name}": variant_command([name], "read", conf, catalog, readers=many) for name in MEMORY_INTERNALS})
    return ctx.alternating_rounds(
        "reader memory",
        args.memory_repeat,
        setups,
        lambda name, command: ctx.source(f"connector first sync, {name}", "live", fauna, command, args.docs)[1],
    )
