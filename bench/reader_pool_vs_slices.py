"""The connector's reader pool against static id-range slices read by the CDK's concurrency (static_slices.py)."""

from typing import Any, Dict, List

from commands import Command, catalog_for, connector_command, variant_command
from context import SKEWED, RunContext, log
from latency import partition_option
from rows import duplicates


def slices_phase(ctx: RunContext) -> Dict[tuple, List[Dict[str, Any]]]:
    """The reader pool against static id-range slices run by the CDK's concurrency (static_slices.py), at the
    latency rows' delay and page size, in alternating rounds, on evenly spread ids (lat0) and on skewed ids:
    the pool with default settings; as many slices as the pool's readers (`partitions_per_collection`), read
    at the CDK's default concurrency (`max_parallel_streams`); and the same slices all read at once. The rows of
    each (ids, kind), one per round."""
    args, proxy = ctx.args, ctx.proxy
    page = args.latency_page_size
    option = partition_option(ctx.spec_properties)
    readers = ctx.spec_properties.get(option, {}).get("default", 8) if option else 8
    kinds = {
        "pool": "reader pool, default settings",
        "static": f"static slices, {readers} slices, default settings",
        "static_all_at_once": f"static slices, {readers} slices, {readers} at once",
    }
    setups: Dict[tuple, Command] = {}
    for ids, collection in (("even", "lat0"), ("skewed", SKEWED)):
        catalog = ctx.work.write(f"catalog-{collection}", catalog_for(ctx.streams, [collection]))
        setups[ids, "pool"] = connector_command("read", ctx.config_file(proxy, "pool", page), catalog)
        setups[ids, "static"] = variant_command([], "read", ctx.config_file(proxy, "static", page), catalog, static_slices=readers)
        wide = ctx.config_file(proxy, "static-all-at-once", page, max_parallel_streams=readers)
        setups[ids, "static_all_at_once"] = variant_command([], "read", wide, catalog, static_slices=readers)
    labels = {key: f"{'lat0' if key[0] == 'even' else SKEWED} {kinds[key[1]]}" for key in setups}
    proxy.record(new_floor=True)
    for key, command in setups.items():
        ctx.recorded(labels[key], lambda: ctx.source(f"{labels[key]} (record pass)", "record", proxy, command, args.latency_docs))
    proxy.replay(latency_ms=args.latency_ms)
    ctx.replay_check("record")
    keys = list(setups)
    slices: Dict[tuple, List[Dict[str, Any]]] = {key: [] for key in keys}
    for r in range(args.slices_repeat):
        log(f"static slices round {r + 1} of {args.slices_repeat}")
        for key in keys if r % 2 == 0 else keys[::-1]:
            run, row = ctx.source(f"{labels[key]}, pages of {page}, {args.latency_ms} ms", "replay", proxy, setups[key], args.latency_docs, keep=True)
            row["duplicates"] = duplicates(run)
            slices[key].append(row)
        ctx.replay_check(f"static slices round {r + 1}")
    proxy.replay()
    return slices

