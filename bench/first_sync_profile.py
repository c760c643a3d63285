"""Where the connector's time goes: py-spy samples the first sync against the replay (summarised by pyspy_profile.py)."""

import shutil
import subprocess
import sys
from typing import Any, Dict, Optional

import measure
from commands import ROOT, catalog_for, connector_command
from context import RESULTS, RunContext, log
from pyspy_profile import summarize_profile

PY_SPY = ROOT / ".tmp" / "pyspy" / "bin" / "py-spy"


def profile(ctx: RunContext) -> Optional[Dict[str, Any]]:
    """Where the connector's time goes: py-spy samples the first sync against the replay."""
    proxy = ctx.proxy
    conf = ctx.config_file(proxy, "proxy-config")
    catalog = ctx.work.write("catalog-users", catalog_for(ctx.streams, ["users"]))
    out = ctx.work.path / "profile.txt"
    if not PY_SPY.exists():
        log("installing py-spy into .tmp/pyspy")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(PY_SPY.parent.parent), "py-spy"], capture_output=True)
    command = [str(PY_SPY), "record", "--rate", "100", "--nonblocking", "--format", "raw", "--threads", "--output", str(out), "--", *connector_command("read", conf, catalog).argv]
    run = measure.run_source(command, cwd=str(ROOT))
    # Not a row of the table: the measured child is py-spy, and sampling slows the connector.
    log(f"  profiled the connector's first sync: {run.records:,} records in {run.wall:.1f} s under py-spy")
    ctx.replay_check("profile")
    if not out.exists():
        ctx.notes.append(f"py-spy produced no profile: {run.stderr_tail[-500:]}")
        return None
    summary = summarize_profile(out.read_text())
    RESULTS.mkdir(exist_ok=True)
    shutil.copy(out, RESULTS / "profile-collapsed.txt")
    return summary

