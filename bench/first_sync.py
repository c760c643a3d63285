"""The first sync's rows, on the data before any change: the driver loop's ceiling (with and without JSON values),
the connector's first sync (also in schema mode typed, as full_refresh and on the small collection), the old
connector and another commit's; each recorded once through the proxy, replayed in rounds, then read live."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from commands import baseline_command, catalog_for, connector_command, connector_config, discover, old_command, old_config
from context import RunContext, log
from first_sync_profile import profile
from old_venv import old_ready


@dataclass(frozen=True)
class FirstSync:
    """What the incremental phase and the ratios read of this phase."""

    rounds: List[Dict[str, Any]]  # per replay round, the row of each setup by key ("driver", "connector", "old", …)
    live: Dict[str, Any]  # the rows read straight from the local Fauna, by the same keys
    replay_state: List[Dict[str, Any]]  # the state the recorded first sync ended with: the replayed incremental starts there
    live_state: List[Dict[str, Any]]  # the state the live first sync ended with
    profile: Optional[Dict[str, Any]]  # with --profile: where the first sync's time went (first_sync_profile.py)


def full_phase(ctx: RunContext) -> FirstSync:
    """Pre-change data: ceiling, first sync, full_refresh mode, small size, old connector."""
    args, fauna, proxy = ctx.args, ctx.fauna, ctx.proxy
    n = args.docs
    p_conf = ctx.config_file(proxy, "proxy-config")
    l_conf = ctx.config_file(fauna, "live-config")
    inc_catalog = ctx.work.write("catalog-users", catalog_for(ctx.streams, ["users"]))
    fr_catalog = ctx.work.write("catalog-users-fr", catalog_for(ctx.streams, ["users"], mode="full_refresh"))
    small_catalog = ctx.work.write("catalog-small", catalog_for(ctx.streams, ["small"])) if "small" in ctx.collections else None
    typed = not args.skip_typed_mode
    if typed:  # schema mode `typed`: the columns discover samples, the records that fill them
        t_conf = ctx.config_file(proxy, "proxy-config-typed", schema_mode="typed")
        t_live_conf = ctx.config_file(fauna, "live-config-typed", schema_mode="typed")
        typed_catalog = ctx.work.write("catalog-users-typed", catalog_for(discover(ctx.work, connector_config(fauna, schema_mode="typed")), ["users"]))
    old = args.old_connector and old_ready(ctx)
    if old:
        old_streams = discover(ctx.work, old_config(fauna), old=True)
        old_mode = "incremental" if "incremental" in old_streams["users"]["supported_sync_modes"] else "full_refresh"
        old_catalog = ctx.work.write("old-catalog", catalog_for(old_streams, ["users"], mode=old_mode))
        old_p_conf = ctx.work.write("old-proxy-config", old_config(proxy))
        old_l_conf = ctx.work.write("old-live-config", old_config(fauna))
        ctx.notes.append(f"old connector read `users` in {old_mode} mode without state")

    log("recording (proxy in record mode, forwarding to the live local Fauna)")
    proxy.record(new_floor=True)
    ctx.recorded("driver loop", lambda: ctx.driver("driver loop (record pass)", "record", proxy, proxy.endpoint, "users", n))
    ctx.recorded("driver loop + JSON values", lambda: ctx.driver("driver loop + JSON values (record pass)", "record", proxy, proxy.endpoint, "users", n, convert=True))
    run, _ = ctx.recorded("connector first sync", lambda: ctx.source("connector first sync (record pass)", "record", proxy, connector_command("read", p_conf, inc_catalog), n))
    replay_state = run.final_state()
    if not args.skip_full_refresh_mode:
        ctx.recorded("connector full_refresh mode", lambda: ctx.source("connector full_refresh mode (record pass)", "record", proxy, connector_command("read", p_conf, fr_catalog), n))
    if typed:
        ctx.recorded("connector first sync, typed", lambda: ctx.source("connector first sync, typed (record pass)", "record", proxy, connector_command("read", t_conf, typed_catalog), n))
    if small_catalog:
        ctx.recorded("connector first sync, small", lambda: ctx.source("connector small (record pass)", "record", proxy, connector_command("read", p_conf, small_catalog), args.small_docs))
    if old:
        ctx.recorded("old connector", lambda: ctx.source("old connector 0.1.10 (record pass)", "record", proxy, old_command("read", old_p_conf, old_catalog), n))
    if ctx.baseline:
        ctx.source(f"{ctx.baseline_label} first sync (record pass)", "record", proxy, baseline_command(ctx.baseline, "read", p_conf, inc_catalog), n)
    proxy.replay()
    ctx.replay_check("record")

    rounds = []
    for r in range(args.repeat):
        log(f"replay round {r + 1} of {args.repeat}")
        entry: Dict[str, Any] = {}
        entry["driver"] = ctx.driver("driver loop", "replay", proxy, proxy.endpoint, "users", n)
        entry["convert"] = ctx.driver("driver loop + JSON values", "replay", proxy, proxy.endpoint, "users", n, convert=True)
        _, entry["connector"] = ctx.source("connector first sync (snapshot)", "replay", proxy, connector_command("read", p_conf, inc_catalog), n)
        ctx.replay_check("connector first sync")
        if typed:
            _, entry["typed"] = ctx.source("connector first sync, schema mode typed", "replay", proxy, connector_command("read", t_conf, typed_catalog), n)
            ctx.replay_check("connector first sync, typed")
        if r == 0 and not args.skip_full_refresh_mode:
            _, entry["full_refresh"] = ctx.source("connector full_refresh mode", "replay", proxy, connector_command("read", p_conf, fr_catalog), n)
        if r == 0 and small_catalog:
            _, entry["small"] = ctx.source(f"connector first sync, {args.small_docs:,} docs", "replay", proxy, connector_command("read", p_conf, small_catalog), args.small_docs)
        if old:
            _, entry["old"] = ctx.source("old connector 0.1.10", "replay", proxy, old_command("read", old_p_conf, old_catalog), n)
        if ctx.baseline:
            _, entry["baseline"] = ctx.source(f"{ctx.baseline_label} first sync (snapshot)", "replay", proxy, baseline_command(ctx.baseline, "read", p_conf, inc_catalog), n)
        ctx.replay_check(f"round {r + 1}")
        rounds.append(entry)
    profile_summary = profile(ctx) if args.profile else None

    log("live (straight to the local Fauna, no proxy)")
    live: Dict[str, Any] = {}
    live["driver"] = ctx.driver("driver loop", "live", fauna, fauna.endpoint, "users", n)
    live["convert"] = ctx.driver("driver loop + JSON values", "live", fauna, fauna.endpoint, "users", n, convert=True)
    run, live["connector"] = ctx.source("connector first sync (snapshot)", "live", fauna, connector_command("read", l_conf, inc_catalog), n)
    live_state = run.final_state()
    if typed:
        _, live["typed"] = ctx.source("connector first sync, schema mode typed", "live", fauna, connector_command("read", t_live_conf, typed_catalog), n)
    if small_catalog:
        _, live["small"] = ctx.source(f"connector first sync, {args.small_docs:,} docs", "live", fauna, connector_command("read", l_conf, small_catalog), args.small_docs)
    if old:
        _, live["old"] = ctx.source("old connector 0.1.10", "live", fauna, old_command("read", old_l_conf, old_catalog), n)
        if live["old"]["returncode"]:
            ctx.notes.append(f"old connector exited {live['old']['returncode']} after {live['old']['records']:,} records: {'; '.join(live['old']['errors'])}")
    return FirstSync(rounds, live, replay_state, live_state, profile_summary)

