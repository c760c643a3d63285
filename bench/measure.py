"""Measuring one process: its stdout through a pipe, its CPU and peak RSS, and another process's CPU.

`run_source` starts a command whose stdout carries Airbyte messages, reads the pipe in large
chunks as the platform would (without parsing every message, so the reader costs the machine
little), and reports when the first and last record arrived, how many records came, the state
messages, error traces, and the child's own user+sys CPU and peak RSS from `os.wait4` (exactly
that process and what it waited for, not the benchmark's other children).
"""

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import orjson

RECORD_MARK = b'{"type":"RECORD"'
RECORD_MARK_SPACED = b'{"type": "RECORD"'
READERS_MARK = b"parallel readers"  # the connector's log lines when readers join or stop
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class SourceRun:
    command: List[str]
    returncode: int
    started: float  # monotonic time the process was started
    wall: float  # start of the process to its exit
    startup: Optional[float]  # start of the process to the first record
    first: Optional[float]  # monotonic times of the read that brought the first / last record
    last: Optional[float]
    records: int
    records_in_first_read: int
    cpu_at_first: Optional[float]  # the process's CPU seconds when its first record arrived
    cpu_user: float
    cpu_sys: float
    max_rss_mb: float
    rusage_maxrss_mb: float
    states: List[Dict[str, Any]] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    stderr_tail: str = ""
    record_lines: Optional[List[bytes]] = None
    reader_logs: List[str] = field(default_factory=list)  # what the connector logged about its parallel readers

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_sys

    @property
    def steady_cpu_per_record(self) -> Optional[float]:
        """CPU seconds per record after the first record arrived: start-up (imports, discovery) left out."""
        if self.cpu_at_first is None or self.records <= self.records_in_first_read:
            return None
        return (self.cpu - self.cpu_at_first) / (self.records - self.records_in_first_read)

    @property
    def steady_rate(self) -> Optional[float]:
        """Records per second between the read that brought the first record and the one that brought the last."""
        if self.first is None or self.last is None or self.last <= self.first:
            return None
        return (self.records - self.records_in_first_read) / (self.last - self.first)

    def final_state(self) -> List[Dict[str, Any]]:
        """The last state message of each stream, in the shape `--state` takes."""
        by_stream: Dict[str, Dict[str, Any]] = {}
        for state in self.states:
            stream = state.get("stream", {}).get("stream_descriptor", {}).get("name", "")
            by_stream[stream] = state
        return list(by_stream.values())


def run_source(
    command: Sequence[str],
    env: Optional[Dict[str, str]] = None,
    keep_records: bool = False,
    cwd: Optional[str] = None,
    timeout: float = 3600,
) -> SourceRun:
    """Runs `command`, reading its stdout through a pipe, and measures it (see the module docstring)."""
    started = time.monotonic()
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, bufsize=0
    )
    hwm = _HighWaterMark(process.pid)
    stdout = process.stdout.fileno()
    os.set_blocking(process.stderr.fileno(), False)
    stderr_chunks: List[bytes] = []
    records = 0
    first = last = None
    cpu_at_first = None
    in_first = 0
    leftover = b""
    special: List[bytes] = []
    kept: Optional[List[bytes]] = [] if keep_records else None
    while True:
        chunk = os.read(stdout, 1 << 20)
        now = time.monotonic()
        if not chunk:
            break
        data = leftover + chunk if leftover else chunk
        cut = data.rfind(b"\n") + 1
        complete, leftover = data[:cut], data[cut:]
        # Messages start with their type: `{"type":"RECORD"` (orjson) or `{"type": "RECORD"` (pydantic v1).
        count = complete.count(RECORD_MARK) + complete.count(RECORD_MARK_SPACED)
        if count:
            if first is None:
                first = now
                in_first = count
                cpu_at_first = process_cpu(process.pid)
            last = now
            records += count
        if now - started > timeout:
            process.kill()
            break
        # Whole lines are split only for non-record messages (state, trace) and when records are kept.
        if keep_records or b'"STATE"' in complete or b'"TRACE"' in complete or READERS_MARK in complete:
            for line in complete.splitlines():
                kind = _kind(line)
                if kind == "RECORD":
                    if kept is not None:
                        kept.append(line)
                elif _special(kind, line):
                    special.append(line)
        try:
            err = os.read(process.stderr.fileno(), 1 << 16)
            if err:
                stderr_chunks.append(err)
                del stderr_chunks[:-8]
        except BlockingIOError:
            pass
    for line in leftover.splitlines():
        if _special(_kind(line), line):
            special.append(line)
    hwm.stop()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    ended = time.monotonic()
    os.set_blocking(process.stderr.fileno(), True)
    stderr_chunks.append(process.stderr.read() or b"")
    process.stdout.close()
    process.stderr.close()
    states, errors, reader_logs = [], [], []
    for line in special:
        message = orjson.loads(line)
        if message["type"] == "STATE":
            states.append(message["state"])
        elif message["type"] == "LOG":
            reader_logs.append(message["log"]["message"])
        elif message.get("trace", {}).get("type") == "ERROR":
            error = message["trace"]["error"]
            internal = error.get("internal_message")
            errors.append(error.get("message", "") + (f" ({internal})" if internal else ""))
    return SourceRun(
        command=list(command),
        returncode=process.returncode,
        started=started,
        wall=ended - started,
        startup=(first - started) if first is not None else None,
        first=first,
        last=last,
        records=records,
        records_in_first_read=in_first,
        cpu_at_first=cpu_at_first,
        cpu_user=usage.ru_utime,
        cpu_sys=usage.ru_stime,
        # ru_maxrss of a forked child starts at the parent's RSS at fork (the kernel carries the old mm's
        # high-water mark across exec), so the exec'd program's own VmHWM, polled, is the figure.
        max_rss_mb=(hwm.peak_kb or usage.ru_maxrss) / 1024.0,
        rusage_maxrss_mb=usage.ru_maxrss / 1024.0,
        states=states,
        errors=errors,
        reader_logs=reader_logs,
        stderr_tail=b"".join(stderr_chunks)[-3000:].decode("utf-8", "replace"),
        record_lines=kept,
    )


class _HighWaterMark:
    """Polls /proc/PID/status for VmHWM (the process's peak RSS since its exec) until stopped."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, args=(interval,), daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                        return
        except (OSError, ValueError):
            pass

    def _poll(self, interval: float) -> None:
        while not self._done.is_set():
            self._read()
            self._done.wait(interval)

    def stop(self) -> None:
        self._read()  # a zombie has no VmHWM; the last read while alive stands
        self._done.set()
        self._thread.join()


def _special(kind: str, line: bytes) -> bool:
    """Messages kept besides records: states, traces (errors) and the connector's lines about its readers."""
    return kind in ("STATE", "TRACE") or (kind == "LOG" and READERS_MARK in line)


def _kind(line: bytes) -> str:
    if line.startswith(b'{"type":'):
        rest = line[8:].lstrip()
        return rest[1 : rest.find(b'"', 1)].decode("ascii", "replace")
    return ""


def process_cpu(pid: int) -> float:
    """User+sys CPU seconds a running process has used so far (from /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_tree_cpu(pid: int) -> float:
    """CPU of a process plus its live children (a launcher script may fork the real server)."""
    total = process_cpu(pid)
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except OSError:
        children = []
    return total + sum(process_tree_cpu(int(child)) for child in children)


def load_average() -> List[float]:
    return list(os.getloadavg())
