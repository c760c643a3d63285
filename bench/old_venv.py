"""airbyte-source-fauna 0.1.10, the connector this one replaces, in its own venv: installed from PyPI on first use."""

import subprocess
import sys

from commands import OLD_VENV
from context import RunContext, log


def old_ready(ctx: RunContext) -> bool:
    python = OLD_VENV / "bin" / "python"
    if not python.exists():
        log("installing airbyte-source-fauna==0.1.10 into its own venv (.tmp/old-source-fauna-venv)")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(OLD_VENV)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "airbyte-source-fauna==0.1.10"], capture_output=True, text=True)
        if done.returncode != 0:
            ctx.notes.append(f"old connector not measured: pip install failed: {done.stderr[-500:]}")
            return False
    return True

