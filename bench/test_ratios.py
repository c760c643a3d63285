"""The ratios are taken from the phases' rows under the names the report and the README's targets read; a ratio
taken in rounds is the median of its per-round values, which are kept beside it; a phase that did not run adds none."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from first_sync import FirstSync  # noqa: E402
from incremental import Incremental  # noqa: E402
from ratios import compute  # noqa: E402


def row(docs_per_s: float, cpu_s: float = 2.0, records: int = 1000) -> dict:
    return {
        "docs_per_s": docs_per_s,
        "cpu_s": cpu_s,
        "records": records,
        "cpu_per_100k": cpu_s / records * 100_000,
        "steady_cpu_per_100k": cpu_s / records * 50_000,
        "max_rss_mb": 100.0,
        "wall_s": records / docs_per_s,
        "server_share": 0.1,
    }


def first_sync(connector_rates: list) -> FirstSync:
    rounds = [{"driver": row(1000.0), "convert": row(800.0), "connector": row(rate)} for rate in connector_rates]
    live = {"driver": row(1000.0), "convert": row(800.0), "connector": row(900.0)}
    return FirstSync(rounds=rounds, live=live, replay_state=[], live_state=[], profile=None)


def test_first_sync_alone_gives_the_ratios_of_its_rows_and_keeps_the_rounds() -> None:
    ratios, per_round = compute(20, first_sync([500.0, 1500.0, 1200.0]), None, None, None, None)

    assert per_round["throughput_vs_driver"] == [0.5, 1.5, 1.2]
    assert ratios["throughput_vs_driver"] == 1.2
    assert ratios["throughput_vs_driver_json"] == 1.5
    assert ratios["live_throughput_vs_driver"] == 0.9
    assert set(ratios) == {
        "throughput_vs_driver",
        "throughput_vs_driver_json",
        "cpu_per_doc_vs_driver",
        "steady_cpu_per_doc_vs_driver",
        "cpu_per_doc_vs_driver_json",
        "live_throughput_vs_driver",
        "live_cpu_per_doc_vs_driver",
        "live_steady_cpu_per_doc_vs_driver",
        "server_share_replay_connector",
        "server_share_live_connector",
    }


def test_the_other_phases_add_their_ratios_under_the_names_the_targets_read() -> None:
    incremental = Incremental(changed_vs_full=[0.9, 1.1, 1.0], changed_live=row(450.0), unchanged=row(0.5, cpu_s=1.0), unchanged_live=row(0.5))
    internals = {"with every internal": [row(1000.0, cpu_s=2.0)], "without slice_hash": [row(800.0, cpu_s=3.0)]}
    slices = {("even", "pool"): [row(1000.0)], ("even", "static"): [row(600.0)], ("even", "static_all_at_once"): [row(900.0)]}
    latency = {
        "replay 0 ms": {"one": row(1000.0), "many": row(3000.0)},
        "replay 20 ms": {"one": row(250.0), "many": row(750.0)},
    }

    ratios, per_round = compute(20, first_sync([1000.0]), incremental, latency, internals, slices)

    assert ratios["incremental_changed_vs_full"] == 1.0
    assert per_round["incremental_changed_vs_full"] == [0.9, 1.1, 1.0]
    assert ratios["live_incremental_changed_vs_full"] == 0.5
    assert ratios["startup_cpu_s"] == 1.0
    assert ratios["without_slice_hash_cpu"] == 1.5
    assert ratios["without_slice_hash_throughput"] == 0.8
    assert ratios["static_slices_vs_reader_pool_even_ids"] == 0.6
    assert ratios["static_slices_all_at_once_vs_reader_pool_even_ids"] == 0.9
    assert ratios["latency_one_vs_no_latency"] == 0.25
    assert ratios["latency_many_collections_vs_one"] == 3.0
    assert "latency_default_vs_one_partition" not in ratios  # no partitioned reads without a partition option
    assert "live_latency_many_collections_vs_one" not in ratios  # no live latency rows in this run


def with_rss(mb: float) -> dict:
    return {**row(1000.0), "max_rss_mb": mb}


def test_reader_memory_gives_what_readers_cost_and_what_each_internal_saves_within_each_round() -> None:
    reader_memory = {
        "1 reader": [with_rss(100.0), with_rss(110.0)],
        "4 readers": [with_rss(105.0), with_rss(121.0)],
        "4 readers without record_queue": [with_rss(115.5), with_rss(121.0)],
    }

    ratios, per_round = compute(20, first_sync([1000.0]), None, None, None, None, reader_memory)

    assert per_round["rss_readers_vs_one_reader"] == pytest.approx([1.05, 1.1])
    assert ratios["rss_readers_vs_one_reader"] == pytest.approx(1.075)
    assert per_round["rss_readers_without_record_queue"] == pytest.approx([1.1, 1.0])
    assert "rss_readers_without_malloc_tuning" not in ratios  # not measured in this run
