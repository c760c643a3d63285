"""How the connector tunes the interpreter and its allocator for a sync: settings of the process, not of the CDK or the driver.

Each buys a measured share of a sync's CPU or memory (bench/README.md, "What each internal buys").
"""

import ctypes
import gc
import sys

# glibc's malloc.h: the parameter, and the threshold glibc starts at.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


def tune_garbage_collector() -> None:
    """Keeps the cyclic garbage collector off the objects that live for the whole sync while pages are decoded.

    The CDK leaves many long-lived objects after start-up, which the collector would walk again at
    every collection while pages allocate tens of thousands of objects each; freezing them keeps them
    out, and since records are acyclic (freed by reference counting once written) collections can
    run far less often. The benchmark measures what it buys (bench/variant.py `gc_tuning`).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def pin_mmap_threshold() -> bool:
    """Keeps glibc serving every block of 128 KiB or more (a page's body, say) by mmap, handed back to the system when
    freed; answers whether it could.

    glibc starts at that threshold but raises it to the size of every such block freed, so from the
    first page on, page bodies come from the heap (arena) of the reader thread that fetched them,
    and each reader's arena keeps its peak for the rest of the sync. Setting the threshold fixes it.
    Other C libraries (musl, macOS) are left as they are.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1)
