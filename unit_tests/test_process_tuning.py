"""How a sync tunes the process (source_fauna/process_tuning.py), checked in a fresh interpreter each time."""

import subprocess
import sys

# Frees a 1 MiB block, which raises glibc's threshold to 1 MiB unless it is pinned, then holds a block of
# 512 KiB and prints whether glibc served it by mmap (mallinfo2's count of mmapped blocks went up).
_HOLD_A_PAGE_BODY = """
import ctypes, sys
from source_fauna import process_tuning

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2
if sys.argv[1] == "pinned":
    assert process_tuning.pin_mmap_threshold()
del_me = bytes(1 << 20)
del del_me
before = mallinfo2().hblks
held = bytes(512 << 10)
print(mallinfo2().hblks > before)
"""


def _served_by_mmap(setting: str) -> bool:
    result = subprocess.run([sys.executable, "-c", _HOLD_A_PAGE_BODY, setting], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() == "True"


def test_with_the_threshold_pinned_a_page_body_is_mmapped_and_handed_back_when_freed():
    assert _served_by_mmap("pinned")


def test_glibc_left_alone_serves_it_from_a_heap_once_a_larger_block_was_freed():
    # What pinning prevents; were glibc to stop raising its threshold, pinning would no longer buy anything.
    assert not _served_by_mmap("default")
