"""The benchmark's report, rendered from a run's results (the JSON `bench/run.py` writes): the table of rows,
the ratios with their per-round values, what each internal buys, requests per stream, notes, profile."""

from typing import Any, Dict, List

import child_databases
from rows import fmt, median, ratio

TABLE_HEADER = (
    "| setup | against | docs | docs/s steady | CPU s / 100k docs | steady CPU s / 100k | peak RSS MB | start-up s | wall s "
    "| server CPU share | × ceiling | × old |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _busy_loops(count: int) -> str:
    return f"{count} busy loop{'s' if count > 1 else ''} beside it, " if count else ""


def render(result: Dict[str, Any]) -> str:
    """The whole report as Markdown."""
    meta = result["meta"]
    sections = [
        f"N = {meta['docs']:,} documents of ~{meta['doc_bytes']} bytes on the wire, page size 1000, {meta['args']['repeat']} replay "
        f"round(s); {meta['cpus']} cores, Python {meta['python']}; "
        f"{_busy_loops(meta['args'].get('busy_loops', 0))}load average {meta['load_before'][0]:.2f} before, "
        f"{meta['load_after'][0]:.2f} after; started {meta['started'][:16].replace('T', ' ')} UTC, {meta['seconds'] / 60:.0f} min; "
        f"commit {meta['commit'][:7]}{' with uncommitted connector changes' if meta['uncommitted_connector_files'] else ''}.",
        table(result),
        ratios(result),
        internals(result),
        requests(result),
        child_databases.render(result["child_databases"]) if result.get("child_databases") else "",
    ]
    if result.get("notes"):
        sections.append("Notes:\n\n" + "\n".join(f"- {note}" for note in result["notes"]))
    if result.get("profile"):
        sections.append("Profile of the connector's first sync against the replay (py-spy samples, all threads):\n\n```\n" + result["profile"]["text"] + "\n```")
    return "\n\n".join(section for section in sections if section) + "\n"


def table(result: Dict[str, Any]) -> str:
    rows, docs = result["rows"], result["meta"]["docs"]
    driver = {t: median([row["docs_per_s"] for row in rows if row["label"] == "driver loop" and row["target"] == t]) for t in ("replay", "live")}
    old = {t: median([row["docs_per_s"] for row in rows if row["label"] == "old connector 0.1.10" and row["target"] == t]) for t in ("replay", "live")}
    lines = [TABLE_HEADER]
    seen = set()
    for row in rows:
        key = (row["label"], row["target"])
        if row["target"] == "record" or key in seen:
            continue
        seen.add(key)
        group = [x for x in rows if (x["label"], x["target"]) == key]
        rate = median([x["docs_per_s"] for x in group])
        vs_ceiling = ratio(rate, driver.get(row["target"])) if row.get("expected") == docs and "settings" not in row else None
        vs_old = ratio(rate, old.get(row["target"])) if vs_ceiling is not None else None
        records = f"{row['records']:,}" + ("" if row.get("expected") in (None, row["records"]) else f" (of {row['expected']:,})")
        if row.get("returncode"):
            records += f" exit {row['returncode']}"
        if row.get("duplicates"):
            records += f" dup {row['duplicates']}"
        share = median([x["server_share"] for x in group])
        cells = [
            row["label"],
            row["target"],
            records,
            fmt(rate, ",.0f"),
            fmt(median([x["cpu_per_100k"] for x in group]), ".2f"),
            fmt(median([x.get("steady_cpu_per_100k") for x in group]), ".2f"),
            fmt(max(x["max_rss_mb"] for x in group), ".0f"),
            fmt(median([x["startup_s"] for x in group]), ".2f"),
            fmt(median([x["wall_s"] for x in group]), ".2f"),
            fmt(share and share * 100, ".1f") + " %",
            fmt(vs_ceiling, ".2f"),
            fmt(vs_old, ".2f"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "Rows measured more than once show their median (peak RSS: the largest).\n\n" + "\n".join(lines)


def ratios(result: Dict[str, Any]) -> str:
    lines = ["Ratios (replay rows: the median of the per-round ratios, each taken within one round; the rounds in brackets):", ""]
    per_round = result.get("per_round", {})
    for key, value in result["ratios"].items():
        rounds = per_round.get(key)
        suffix = f" [{', '.join(fmt(v, '.2f') for v in rounds)}]" if rounds else ""
        lines.append(f"- `{key}`: {fmt(value, '.3f')}{suffix}")
    return "\n".join(lines)


def internals(result: Dict[str, Any]) -> str:
    """Each internal switched off in turn: CPU, wall time and peak RSS of the first sync against it switched on."""
    found = [(key[len("without_"):-len("_cpu")], key) for key in result["ratios"] if key.startswith("without_") and key.endswith("_cpu")]
    if not found:
        return ""
    lines = [
        "What each internal buys (first sync against the replay, with it switched off ÷ with every internal on; "
        "above 1 the internal saves that share):",
        "",
        "| switched off | CPU | wall | peak RSS |",
        "|---|---:|---:|---:|",
    ]
    r = result["ratios"]
    for name, key in found:
        base = key[: -len("_cpu")]
        lines.append(f"| {name} | {fmt(r[key], '.3f')} | {fmt(r.get(base + '_wall'), '.3f')} | {fmt(r.get(base + '_rss'), '.3f')} |")
    return "\n".join(lines)


def requests(result: Dict[str, Any]) -> str:
    lines: List[str] = ["Requests per stream (counted by the proxy while recording; live runs send the same requests):", ""]
    for name, counts in result["requests"].items():
        per = ", ".join(f"{stream}: {count}" for stream, count in sorted(counts["per_stream"].items()))
        lines.append(f"- {name}: {counts['total']} requests ({per}); {counts['bytes'] / 1e6:.1f} MB answered")
    return "\n".join(lines)
