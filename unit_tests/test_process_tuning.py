"""How a sync tunes the process (source_fauna/process_tuning.py), checked in a fresh interpreter each time."""

import subprocess
import sys

# Four threads allocate at once, then glibc's malloc_stats() prints one "Arena N:" block per arena to stderr.
_THREADS_ALLOCATING = """
import ctypes, sys, threading
from source_fauna import process_tuning

if sys.argv[1] == "shared":
    assert process_tuning.share_one_malloc_arena()
together = threading.Barrier(4)
held = []

def allocate():
    together.wait()
    held.append([bytes(64 << 10) for _ in range(8)])  # blocks below the mmap threshold: from an arena
    together.wait()

threads = [threading.Thread(target=allocate) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()
"""


def _arenas(setting: str) -> int:
    result = subprocess.run([sys.executable, "-c", _THREADS_ALLOCATING, setting], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return sum(line.startswith("Arena ") for line in result.stderr.splitlines())


def test_with_one_shared_arena_threads_allocating_at_once_use_the_main_arena():
    assert _arenas("shared") == 1


def test_glibc_left_alone_gives_threads_arenas_of_their_own():
    # What sharing prevents; were glibc to stop doing this, sharing would no longer buy anything.
    assert _arenas("default") > 1
