"""py-spy's collapsed stacks of the connector's first sync, summarised: share per thread, self and inclusive time per function."""

import re
from collections import Counter
from typing import Any, Dict


def summarize_profile(collapsed: str, top: int = 22) -> Dict[str, Any]:
    """py-spy's collapsed stacks → share of samples per thread, and self / inclusive time per function,
    for the whole process and for the read alone (samples under an import, i.e. start-up, left out)."""
    whole = _profile_counts(collapsed, lambda frames: True)
    reading = _profile_counts(collapsed, lambda frames: not any("_find_and_load" in f or f.startswith("<module>") and "run.py" not in f for f in frames))
    total, read_total = whole["total"] or 1, reading["total"] or 1
    lines = [
        f"  {whole['total']} samples, {reading['total']} of them after start-up (not under an import); "
        "by thread: " + ", ".join(f"{t} {c * 100 / total:.0f} %" for t, c in whole["threads"].most_common(6)),
        "  after start-up, self time (top functions, % of the samples after start-up):",
    ]
    lines += [f"    {c * 100 / read_total:5.1f} %  {name}" for name, c in reading["own"].most_common(top)]
    lines.append("  after start-up, inclusive time:")
    lines += [f"    {c * 100 / read_total:5.1f} %  {name}" for name, c in reading["inclusive"].most_common(top + 18)]
    return {
        "samples": whole["total"],
        "samples_after_startup": reading["total"],
        "threads": whole["threads"].most_common(),
        "self_after_startup": reading["own"].most_common(80),
        "inclusive_after_startup": reading["inclusive"].most_common(120),
        "self_whole": whole["own"].most_common(40),
        "text": "\n".join(lines),
    }


def _profile_counts(collapsed: str, keep) -> Dict[str, Any]:
    own: Counter = Counter()
    inclusive: Counter = Counter()
    threads: Counter = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if not keep(frames[1:]):
            continue
        samples = int(count)
        total += samples
        threads[re.sub(r"\(\d+\)", "", frames[0]).strip()] += samples
        if len(frames) > 1:
            own[_short(frames[-1])] += samples
        for name in {_short(frame) for frame in frames[1:]}:
            inclusive[name] += samples
    return {"total": total, "own": own, "inclusive": inclusive, "threads": threads}


def _short(frame: str) -> str:
    # py-spy frames look like `function (path/to/module.py:123)`; keep the function and the module's tail.
    match = re.match(r"(.*) \((.*?):\d+\)$", frame)
    if not match:
        return frame
    function, path = match.groups()
    parts = path.split("/")
    tail = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{function} ({tail})"
