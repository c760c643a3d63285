"""What each internal the connector relies on buys (cdk_internals.py, process_tuning.py): the first sync with each switched off (variant.py)."""

from typing import Any, Dict, List

from commands import baseline_command, catalog_for, connector_command, variant_command
from context import RunContext
from variant import INTERNALS


def internals_phase(ctx: RunContext) -> Dict[str, List[Dict[str, Any]]]:
    """What each internal buys: the first sync against the replay with it and without it, in alternating order.
    The rows of each setup ("with every internal", "without NAME", the baseline's label), one per round."""
    args, proxy = ctx.args, ctx.proxy
    conf = ctx.config_file(proxy, "proxy-config")
    catalog = ctx.work.write("catalog-users", catalog_for(ctx.streams, ["users"]))
    variants = {"with every internal": connector_command("read", conf, catalog)}
    variants.update({f"without {name}": variant_command([name], "read", conf, catalog) for name in INTERNALS})
    variants["without any"] = variant_command(list(INTERNALS), "read", conf, catalog)
    if ctx.baseline:
        variants[ctx.baseline_label] = baseline_command(ctx.baseline, "read", conf, catalog)
    return ctx.alternating_rounds(
        "internals",
        args.ab_repeat,
        variants,
        lambda name, command: ctx.source(f"connector first sync, {name}", "replay", proxy, command, args.docs)[1],
        lambda r: ctx.replay_check(f"internals round {r + 1}"),
    )
