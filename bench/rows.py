"""One row of the benchmark's table from a measured process, and the arithmetic the report does on rows."""

import json
import re
import statistics
from collections import Counter
from typing import Any, Dict, List, Optional

import orjson

import measure


def row_of(run: measure.SourceRun, label: str, target: str, expected: Optional[int], server_cpu: float, **extra: Any) -> Dict[str, Any]:
    """One row of the table, from a measured process."""
    row: Dict[str, Any] = dict(
        label=label,
        target=target,
        records=run.records,
        expected=expected,
        returncode=run.returncode,
        errors=run.errors[:3],
        docs_per_s=run.steady_rate,
        wall_s=run.wall,
        startup_s=run.startup,
        cpu_s=run.cpu,
        cpu_user_s=run.cpu_user,
        cpu_sys_s=run.cpu_sys,
        cpu_per_100k=(run.cpu / run.records * 100_000) if run.records else None,
        steady_cpu_per_100k=run.steady_cpu_per_record * 100_000 if run.steady_cpu_per_record is not None else None,
        max_rss_mb=run.max_rss_mb,
        server_cpu_s=server_cpu,
        server_share=server_cpu / (server_cpu + run.cpu) if (server_cpu + run.cpu) else None,
    )
    row.update(extra)
    if run.reader_logs:
        row["reader_logs"] = run.reader_logs
    if run.returncode != 0 or run.errors:
        row["stderr_tail"] = run.stderr_tail[-1500:]
    return row


def readers_summary(messages: List[str]) -> str:
    """`2, back to 1, 2, kept 2, 4, back to 3` from the connector's messages as parallel readers joined, stayed and stopped."""
    steps = []
    for message in messages:
        joined = re.search(r" with (\d+) parallel readers", message)
        left = re.match(r"Back to (one|\d+) readers? ", message)
        kept = re.match(r"Keeping (\d+) parallel readers", message)
        if joined:
            steps.append(joined.group(1))
        elif left:
            steps.append(f"back to {left.group(1).replace('one', '1')}")
        elif kept:
            steps.append(f"kept {kept.group(1)}")
        else:
            steps.append(message[:60])
    return ", ".join(steps)


def driver_row(run: measure.SourceRun, label: str, target: str, expected: int, server_cpu: float, **extra: Any) -> Dict[str, Any]:
    """The driver loop prints its own counts and page times on stderr (its stdout stays empty)."""
    lines = [line for line in run.stderr_tail.strip().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    row = row_of(run, label, target, expected, server_cpu, **extra)
    documents = result.get("documents", 0)
    row["records"] = documents
    row["cpu_per_100k"] = run.cpu / documents * 100_000 if documents else None
    if result.get("last") and result["last"] > result["first"]:
        row["docs_per_s"] = (documents - result["first_page"]) / (result["last"] - result["first"])
        if result.get("cpu_first") is not None:
            row["steady_cpu_per_100k"] = (result["cpu_last"] - result["cpu_first"]) / (documents - result["first_page"]) * 100_000
        row["startup_s"] = result["first"] - run.started
    row["pages"] = result.get("pages")
    if not result:
        row["stderr_tail"] = run.stderr_tail[-1500:]
    return row


def median(values: List[Optional[float]]) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def duplicates(run: measure.SourceRun) -> int:
    seen: Counter = Counter()
    for line in run.record_lines or ():
        record = orjson.loads(line)["record"]
        seen[(record["stream"], record["data"].get("ref"))] += 1
    return sum(count - 1 for count in seen.values() if count > 1)


def fmt(value: Optional[float], spec: str) -> str:
    return "–" if value is None else format(value, spec)
