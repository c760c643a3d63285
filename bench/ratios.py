"""The ratios the report and the targets read, each taken within one run from the phases' rows; a replayed ratio is
the median of its per-round values, which are kept beside it."""

from typing import Any, Dict, List, Optional, Tuple

from first_sync import FirstSync
from incremental import Incremental
from rows import median, ratio


def median_of_rounds(per_round: Dict[str, List[Optional[float]]], key: str, values: List[Optional[float]]) -> Optional[float]:
    """The median of one ratio's per-round values, which are kept for the report: their spread is the noise."""
    per_round[key] = values
    return median(values)


def compute(
    latency_ms: int,
    first: FirstSync,
    incremental: Optional[Incremental],
    latency: Optional[Dict[str, Any]],
    internals: Optional[Dict[str, List[Dict[str, Any]]]],
    slices: Optional[Dict[tuple, List[Dict[str, Any]]]],
    reader_memory: Optional[Dict[str, List[Dict[str, Any]]]] = None,
) -> Tuple[Dict[str, Any], Dict[str, List[Optional[float]]]]:
    """The ratios by name, and the per-round values of those that are a median of rounds. A phase that did not run is None."""
    r: Dict[str, Any] = {}
    per_round: Dict[str, List[Optional[float]]] = {}
    rounds = first.rounds
    r["throughput_vs_driver"] = median_of_rounds(per_round, "throughput_vs_driver", [ratio(e["connector"]["docs_per_s"], e["driver"]["docs_per_s"]) for e in rounds])
    r["throughput_vs_driver_json"] = median([ratio(e["connector"]["docs_per_s"], e["convert"]["docs_per_s"]) for e in rounds])
    r["cpu_per_doc_vs_driver"] = median([ratio(e["connector"]["cpu_per_100k"], e["driver"]["cpu_per_100k"]) for e in rounds])
    r["steady_cpu_per_doc_vs_driver"] = median_of_rounds(per_round, "steady_cpu_per_doc_vs_driver", [ratio(e["connector"].get("steady_cpu_per_100k"), e["driver"].get("steady_cpu_per_100k")) for e in rounds])
    r["cpu_per_doc_vs_driver_json"] = median([ratio(e["connector"]["cpu_per_100k"], e["convert"]["cpu_per_100k"]) for e in rounds])
    if rounds and "old" in rounds[0]:
        r["throughput_vs_old"] = median_of_rounds(per_round, "throughput_vs_old", [ratio(e["connector"]["docs_per_s"], e["old"]["docs_per_s"]) for e in rounds])
        r["cpu_per_doc_vs_old"] = median([ratio(e["connector"]["cpu_per_100k"], e["old"]["cpu_per_100k"]) for e in rounds])
        r["live_throughput_vs_old"] = ratio(first.live["connector"]["docs_per_s"], first.live["old"]["docs_per_s"])
    if rounds and "typed" in rounds[0]:
        r["typed_throughput_vs_schemaless"] = median_of_rounds(
            per_round, "typed_throughput_vs_schemaless", [ratio(e["typed"]["docs_per_s"], e["connector"]["docs_per_s"]) for e in rounds]
        )
        r["typed_cpu_per_doc_vs_schemaless"] = median([ratio(e["typed"]["cpu_per_100k"], e["connector"]["cpu_per_100k"]) for e in rounds])
    r["live_throughput_vs_driver"] = ratio(first.live["connector"]["docs_per_s"], first.live["driver"]["docs_per_s"])
    r["live_cpu_per_doc_vs_driver"] = ratio(first.live["connector"]["cpu_per_100k"], first.live["driver"]["cpu_per_100k"])
    r["live_steady_cpu_per_doc_vs_driver"] = ratio(first.live["connector"].get("steady_cpu_per_100k"), first.live["driver"].get("steady_cpu_per_100k"))
    if incremental is not None:
        r["incremental_changed_vs_full"] = median_of_rounds(per_round, "incremental_changed_vs_full", incremental.changed_vs_full)
        r["live_incremental_changed_vs_full"] = ratio(incremental.changed_live["docs_per_s"], first.live["connector"]["docs_per_s"])
        r["incremental_unchanged_wall_s"] = incremental.unchanged["wall_s"]
        # Start-up (imports, manifest, discovery queries) is about what a read of nothing costs; net of it,
        # the connector's CPU per document is comparable at any N (the driver's ~0.2 s start-up is left in).
        startup_cpu = incremental.unchanged["cpu_s"]
        r["startup_cpu_s"] = startup_cpu
        r["cpu_per_doc_vs_driver_net_of_startup"] = median(
            [ratio((e["connector"]["cpu_s"] - startup_cpu) / e["connector"]["records"], e["driver"]["cpu_s"] / e["driver"]["records"]) for e in rounds if e["connector"]["records"]]
        )
        r["live_incremental_unchanged_wall_s"] = incremental.unchanged_live["wall_s"]
    small = rounds[0].get("small")
    if small:
        big = max(e["connector"]["max_rss_mb"] for e in rounds)
        r["rss_mb_small"] = small["max_rss_mb"]
        r["rss_mb_n"] = big
        r["rss_n_vs_small"] = big / small["max_rss_mb"]
    lat = latency or {}
    slow, fast, live = lat.get(f"replay {latency_ms} ms"), lat.get("replay 0 ms"), lat.get(f"live {latency_ms} ms")
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
        r["baseline_throughput_vs_driver"] = median_of_rounds(
            per_round, "baseline_throughput_vs_driver", [ratio(e["baseline"]["docs_per_s"], e["driver"]["docs_per_s"]) for e in rounds]
        )
        r["baseline_steady_cpu_per_doc_vs_driver"] = median([ratio(e["baseline"].get("steady_cpu_per_100k"), e["driver"].get("steady_cpu_per_100k")) for e in rounds])
        r["throughput_vs_baseline"] = median_of_rounds(per_round, "throughput_vs_baseline", [ratio(e["connector"]["docs_per_s"], e["baseline"]["docs_per_s"]) for e in rounds])
        r["cpu_vs_baseline"] = median([ratio(e["connector"]["cpu_s"], e["baseline"]["cpu_s"]) for e in rounds])
        if "old" in rounds[0]:
            r["baseline_throughput_vs_old"] = median([ratio(e["baseline"]["docs_per_s"], e["old"]["docs_per_s"]) for e in rounds])
    internals = internals or {}
    for name, rows in internals.items():
        if name == "with every internal":
            continue
        reference = internals["with every internal"]
        key = name.replace("without ", "without_").replace(" ", "_") if name.startswith("without") else "baseline_in_internals_rounds"
        # > 1: the internal saves that share of the sync's CPU (or wall time) against the CDK's own way.
        r[f"{key}_cpu"] = median_of_rounds(per_round, f"{key}_cpu", [ratio(row["cpu_s"], ref["cpu_s"]) for row, ref in zip(rows, reference)])
        r[f"{key}_wall"] = median([ratio(row["wall_s"], ref["wall_s"]) for row, ref in zip(rows, reference)])
        r[f"{key}_rss"] = median([ratio(row["max_rss_mb"], ref["max_rss_mb"]) for row, ref in zip(rows, reference)])
        r[f"{key}_throughput"] = median([ratio(row["docs_per_s"], ref["docs_per_s"]) for row, ref in zip(rows, reference)])
    slices = slices or {}
    for ids, kind in slices:
        if kind != "pool":  # below 0.9 the reader pool stays (bench/README.md, Targets)
            key = f"static_slices{kind[len('static'):]}_vs_reader_pool_{ids}_ids"
            pool = slices[ids, "pool"]
            r[key] = median_of_rounds(per_round, key, [ratio(s["docs_per_s"], p["docs_per_s"]) for s, p in zip(slices[ids, kind], pool)])
    if reader_memory:
        one, *held = reader_memory  # "1 reader", "N readers", "N readers without NAME"…
        many = held[0]
        rss = {name: [row["max_rss_mb"] for row in rows] for name, rows in reader_memory.items()}
        # Peak RSS, each ratio taken within one round: what N readers cost over one, and (> 1) what each internal saves.
        r["rss_readers_vs_one_reader"] = median_of_rounds(per_round, "rss_readers_vs_one_reader", [ratio(m, o) for m, o in zip(rss[many], rss[one])])
        for name in held[1:]:
            key = f"rss_readers_without_{name.split(' without ')[1]}"
            r[key] = median_of_rounds(per_round, key, [ratio(w, m) for w, m in zip(rss[name], rss[many])])
    r["server_share_replay_connector"] = median([e["connector"]["server_share"] for e in rounds])
    r["server_share_live_connector"] = first.live["connector"]["server_share"]
    return r, per_round
