"""The latency rows: reads bound by the time per request (injected by the replay, then by the live local Fauna),
with one collection alone, several collections at once, one collection partitioned, and default settings."""

import re
from typing import Any, Dict, List, Optional

from commands import catalog_for, connector_command
from context import RunContext
from rows import duplicates
from servers import Server


def partition_option(spec_properties: Dict[str, Any]) -> Optional[str]:
    """The spec's option that splits one collection among parallel readers, if it offers one."""
    options = [k for k, v in spec_properties.items() if re.search(r"partition|split", k, re.I) and v.get("type") == "integer"]
    return options[0] if options else None


def latency_settings(parallel: int, option: Optional[str]) -> Dict[str, Dict[str, Any]]:
    """Configs of the latency test: one partition, several collections, one collection partitioned, defaults."""
    single = {option: 1} if option else {}
    settings = {
        "one": dict(max_parallel_streams=1, **single),
        "many": dict(max_parallel_streams=parallel, **single),
    }
    if option:
        settings["partitioned"] = {"max_parallel_streams": parallel, option: parallel}
        settings["default"] = {}
    return settings


def latency_reads(ctx: RunContext, server: Server, target: str, tag: str, page: int, names: List[str], settings: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    args = ctx.args
    one = ctx.work.write("catalog-lat0", catalog_for(ctx.streams, names[:1]))
    many = ctx.work.write("catalog-lat", catalog_for(ctx.streams, names))
    results: Dict[str, Any] = {}
    endpoint = server.endpoint
    results["driver"] = ctx.driver(f"driver loop lat0, pages of {page}, {tag}", target, server, endpoint, "lat0", args.latency_docs, page_size=page)
    for kind, extra in settings.items():
        conf = ctx.config_file(server, f"lat-{kind}", page, **extra)
        catalog, expected = (many, args.latency_docs * len(names)) if kind == "many" else (one, args.latency_docs)
        label = {
            "one": f"connector lat0, one partition, pages of {page}, {tag}",
            "many": f"connector {len(names)} collections at once, {tag}",
            "partitioned": f"connector lat0, {partition_option(ctx.spec_properties)}={args.parallel}, {tag}",
            "default": f"connector lat0, default partitioning, pages of {page}, {tag}",
        }[kind]
        run, row = ctx.source(label, target, server, connector_command("read", conf, catalog), expected, keep=True, settings=extra)
        row["duplicates"] = duplicates(run)
        results[kind] = row
    return results


def latency_phase(ctx: RunContext) -> Dict[str, Any]:
    """Latency-bound reads: 20 ms per request, pages of 100. By setup ("replay 0 ms", "replay 20 ms", "live 20 ms"),
    the row of each kind of read ("driver", "one", "many", "partitioned", "default")."""
    args, proxy = ctx.args, ctx.proxy
    page = args.latency_page_size
    names = [f"lat{i}" for i in range(args.parallel)]
    option = partition_option(ctx.spec_properties)
    settings = latency_settings(args.parallel, option)
    latency: Dict[str, Any] = {"partition_option": option, "settings": settings}
    if not option:
        ctx.notes.append(
            "the connector's spec offers no intra-collection partitioning (its parallelism is `max_parallel_streams`, across "
            "collections and windows); the latency test compares one collection with several read at once"
        )
    proxy.record(new_floor=True)
    many = ctx.work.write("catalog-lat", catalog_for(ctx.streams, names))
    one = ctx.work.write("catalog-lat0", catalog_for(ctx.streams, names[:1]))
    for kind, extra in settings.items():
        if kind == "one":
            continue  # the same requests as lat0's share of `many`
        conf = ctx.config_file(proxy, f"lat-{kind}", page, **extra)
        catalog, expected = (many, args.latency_docs * len(names)) if kind == "many" else (one, args.latency_docs)
        ctx.recorded(f"connector {kind}, pages of {page}", lambda: ctx.source(f"latency {kind} (record pass)", "record", proxy, connector_command("read", conf, catalog), expected))
    ctx.recorded(f"driver loop, pages of {page}", lambda: ctx.driver(f"driver loop, pages of {page} (record pass)", "record", proxy, proxy.endpoint, "lat0", args.latency_docs, page_size=page))
    for delay in (0, args.latency_ms):
        proxy.control("mode", mode="replay", clock_floor=proxy.control("stats")["clock_floor"], latency_ms=delay)
        latency[f"replay {delay} ms"] = latency_reads(ctx, proxy, "replay", f"{delay} ms", page, names, settings)
        ctx.replay_check(f"latency {delay} ms")
    proxy.control("mode", mode="replay", clock_floor=proxy.control("stats")["clock_floor"], latency_ms=0)
    if args.live_latency:
        fauna = ctx.fauna
        fauna.set_latency(args.latency_ms)
        try:
            latency[f"live {args.latency_ms} ms"] = latency_reads(ctx, fauna, "live", f"{args.latency_ms} ms", page, names, settings)
        finally:
            fauna.set_latency(0)
    return latency

