"""The malloc tuning `source-fauna` applies before any thread starts (cdk_internals.tune_malloc)."""

import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from source_fauna import cdk_internals

ROOT = Path(__file__).resolve().parent.parent

# Reports what glibc does with its arenas and mmap threshold, with the tuning or without:
# a 512 KiB block freed and taken again, then 8 threads that each allocate while all are alive.
PROBE = textwrap.dedent(
    """
    import ctypes, sys, threading
    from source_fauna import cdk_internals

    if sys.argv[1] == "tuned":
        assert cdk_internals.tune_malloc()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]

    class Mallinfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc.mallinfo2.restype = Mallinfo2
    size = 512 * 1024
    libc.free(libc.malloc(size))
    mapped_before = libc.mallinfo2().hblkhd
    block = libc.malloc(size)
    print("mapped" if libc.mallinfo2().hblkhd - mapped_before >= size else "in an arena")
    libc.free(block)

    all_alive = threading.Barrier(8)

    def allocate():
        all_alive.wait()
        libc.free(libc.malloc(64))
        all_alive.wait()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc.malloc_stats()  # one "Arena N:" paragraph per arena, on stderr
    """
)


def probe(mode: str) -> tuple:
    """What the probe saw: (where the second 512 KiB block went, how many arenas the threads used)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, timeout=60, check=True)
    return result.stdout.strip(), sum(line.startswith("Arena ") for line in result.stderr.splitlines())


def test_on_glibc_the_threads_share_two_arenas_and_large_blocks_stay_mapped():
    # Detected apart from the code under test: the connector's image and this machine run glibc.
    assert platform.libc_ver()[0] == "glibc", "the connector's image runs on glibc; this test checks glibc's behaviour"
    assert cdk_internals.glibc_version().startswith("glibc ")

    assert probe("tuned") == ("mapped", cdk_internals.MALLOC_ARENAS)
    # What the tuning changes: glibc's defaults give every thread an arena and take the block from one.
    where, arenas = probe("default")
    assert where == "in an arena"
    assert arenas > cdk_internals.MALLOC_ARENAS


def test_elsewhere_the_tuning_does_nothing(monkeypatch):
    def no_glibc(name: str) -> str:
        raise ValueError(f"unrecognized configuration name {name!r}")  # as on musl and macOS

    def no_libc_call(*args: object) -> None:
        raise AssertionError("the C library must not be called where it is not glibc")

    monkeypatch.setattr(cdk_internals.os, "confstr", no_glibc)
    monkeypatch.setattr(cdk_internals.ctypes, "CDLL", no_libc_call)
    assert cdk_internals.glibc_version() == ""
    assert cdk_internals.tune_malloc() is False


def test_the_connector_tunes_malloc_before_it_builds_the_source(monkeypatch):
    from source_fauna import run

    calls = []
    monkeypatch.setattr(cdk_internals, "tune_malloc", lambda: calls.append("malloc") or True)
    monkeypatch.setattr(run, "_source", lambda args: calls.append("source") or None)
    monkeypatch.setattr(sys, "argv", ["source-fauna", "spec"])
    with pytest.raises(SystemExit):
        run.run()
    assert calls == ["malloc", "source"]
