"""The incremental rows: a read from the first sync's state after every document changed, beside the first sync
again in each round, and a read from that read's state with nothing changed; replayed and live."""

import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from commands import catalog_for, connector_command
from context import SEED_TIMEOUT_SECONDS, RunContext, log
from dataset import touch_all
from first_sync import FirstSync
from rows import ratio


@dataclass(frozen=True)
class Incremental:
    """What the ratios read of this phase."""

    changed_vs_full: List[Optional[float]]  # per replay round: every document changed ÷ the first sync beside it
    changed_live: Dict[str, Any]  # the rows of the live reads
    unchanged: Dict[str, Any]
    unchanged_live: Dict[str, Any]


def incremental_phase(ctx: RunContext, first: FirstSync) -> Incremental:
    args, fauna, proxy = ctx.args, ctx.fauna, ctx.proxy
    n = args.docs
    client = fauna.client(timeout=SEED_TIMEOUT_SECONDS)
    started = time.monotonic()
    touched = touch_all(client, "users")
    log(f"updated every document of users ({touched:,}) in {time.monotonic() - started:.1f} s")
    p_conf = ctx.config_file(proxy, "proxy-config")
    l_conf = ctx.config_file(fauna, "live-config")
    catalog = ctx.work.write("catalog-users", catalog_for(ctx.streams, ["users"]))
    replay_state = ctx.work.write("state-replay", first.replay_state)
    live_state = ctx.work.write("state-live", first.live_state)

    proxy.record(new_floor=True)
    run, _ = ctx.recorded("connector incremental after a full change", lambda: ctx.source("incremental, all changed (record pass)", "record", proxy, connector_command("read", p_conf, catalog, replay_state), n))
    unchanged_state = ctx.work.write("state-replay-2", run.final_state())
    proxy.replay()
    ctx.replay_check("record")
    changed_vs_full: List[Optional[float]] = []
    for r in range(args.repeat):
        _, row = ctx.source("incremental, every document changed", "replay", proxy, connector_command("read", p_conf, catalog, replay_state), n)
        ctx.replay_check("incremental")
        # The first sync again (its answers were recorded before the change), right after: a ratio of
        # neighbours, so a machine that slows down during the run does not skew it.
        _, full = ctx.source("connector first sync, beside each incremental", "replay", proxy, connector_command("read", p_conf, catalog), n)
        ctx.replay_check("first sync beside the incremental")
        changed_vs_full.append(ratio(row["docs_per_s"], full["docs_per_s"]))
    run, changed_live = ctx.source("incremental, every document changed", "live", fauna, connector_command("read", l_conf, catalog, live_state), n)
    live_unchanged_state = ctx.work.write("state-live-2", run.final_state())

    proxy.record(new_floor=True)
    ctx.recorded("connector incremental, nothing changed", lambda: ctx.source("incremental, nothing changed (record pass)", "record", proxy, connector_command("read", p_conf, catalog, unchanged_state), 0))
    proxy.replay()
    ctx.replay_check("record")
    _, unchanged = ctx.source("incremental, nothing changed", "replay", proxy, connector_command("read", p_conf, catalog, unchanged_state), 0)
    ctx.replay_check("incremental, nothing changed")
    _, unchanged_live = ctx.source("incremental, nothing changed", "live", fauna, connector_command("read", l_conf, catalog, live_unchanged_state), 0)
    return Incremental(changed_vs_full, changed_live, unchanged, unchanged_live)

