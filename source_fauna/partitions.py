"""Reading one snapshot in several parts at once, so a remote node's latency does not cap a sync.

One reader pages at one page per round trip: at 20 ms per page of 100 documents that is 5,000
documents per second whatever the machine. The snapshot is therefore split into ranges of
document ids (a collection's documents are ordered by id as a 64-bit number, and each range is
paged from its first id until the next range begins), all read at the same snapshot time by a
few threads. Pages are handed over as they arrive through a bounded queue, so memory stays
bounded by (partitions + queue) × page size.
"""

import queue
import threading
from typing import Any, Callable, Iterator, List, Optional, Tuple

IdRange = Tuple[Optional[int], Optional[int]]  # [first, end): None = unbounded
_DONE = object()


def split_id_range(first: int, last: int, parts: int) -> List[IdRange]:
    """Splits the ids [first, last] into `parts` ranges of equal width (at least one id each)."""
    parts = max(1, min(parts, last - first + 1))
    width = (last - first + 1) / parts
    cuts = [first + round(width * index) for index in range(1, parts)]
    starts: List[Optional[int]] = [None] + cuts
    ends: List[Optional[int]] = cuts + [None]
    return list(zip(starts, ends))


def read_in_parallel(ranges: List[IdRange], read_range: Callable[[IdRange, threading.Event], Iterator[Any]], queue_size: int) -> Iterator[Any]:
    """Runs `read_range` for every range on its own thread and yields what they produce, as it comes.

    A failure in any range stops the others and is raised here; so does closing this generator.
    """
    results: "queue.Queue[Any]" = queue.Queue(maxsize=queue_size)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work(id_range: IdRange) -> None:
        try:
            for item in read_range(id_range, stop):
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            put(error)

    threads = [threading.Thread(target=work, args=(id_range,), daemon=True, name=f"fauna-range-{i}") for i, id_range in enumerate(ranges)]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            item = results.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
