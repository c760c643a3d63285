"""How the connector tunes the interpreter and its allocator for a sync: settings of the process, not of the CDK or the driver.

Each buys a measured share of a sync's CPU or memory (bench/README.md, "What each internal buys").
"""

import ctypes
import gc
import sys

# glibc's malloc.h: the parameter, and how many arenas every thread of the process shares.
M_ARENA_MAX = -8
ARENAS = 1


def tune_garbage_collector() -> None:
    """Keeps the cyclic garbage collector off the objects that live for the whole sync while pages are decoded.

    The CDK leaves many long-lived objects after start-up, which the collector would walk again at
    every collection while pages allocate tens of thousands of objects each; freezing them keeps them
    out, and since records are acyclic (freed by reference counting once written) collections can
    run far less often. The benchmark measures what it buys (bench/variant.py `gc_tuning`).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def share_one_malloc_arena() -> bool:
    """Makes every thread of the process allocate from glibc's one main arena; answers whether it could.

    glibc gives each new thread an arena (heap) of its own, up to eight per core, and an arena keeps
    its peak: every reader thread of a snapshot would hold on to what its largest pages took, for the
    rest of the sync. One arena lets a page freed by one reader serve the next page of any other,
    and costs next to no waiting: threads allocate while they hold the interpreter's lock, one at
    a time. Called before any thread starts. Other C libraries (musl, macOS) are left as they are.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, ARENAS) == 1)
