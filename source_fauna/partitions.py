"""Reading one snapshot in several parts at once, so a remote node's latency does not cap a sync.

One reader pages at one page per round trip: at 20 ms per page of 100 documents that is 5,000
documents per second whatever the machine. The snapshot is therefore split into ranges of
document ids (a collection's documents are ordered by id as a 64-bit number, and each range is
paged from its first id until the next range begins), all read at the same snapshot time.

Readers are added only while they pay. The calling thread reads the ranges itself, one after
another; helper threads join (each taking the next range not yet started) when, while the calling
thread waited for its pages, the process left the CPU mostly idle: the pages are waiting on the
network. Against a near node the CPU is the limit, and extra readers would only add thread
switching and memory (measured on 200,000 documents: 4 readers from the start took about a fifth more CPU
per document and 35 MB more memory than one). Memory stays bounded by about 2 × readers pages.
"""

import collections
import logging
import math
import queue
import threading
import time
from typing import Any, Callable, Iterator, List, Optional, Tuple

IdRange = Tuple[Optional[int], Optional[int]]  # [first, end): None = unbounded
_DONE = object()
logger = logging.getLogger("airbyte")


def split_id_range(first: int, last: int, parts: int) -> List[IdRange]:
    """Splits the ids [first, last] into `parts` ranges of equal width (at least one id each)."""
    parts = max(1, min(parts, last - first + 1))
    width = (last - first + 1) / parts
    cuts = [first + round(width * index) for index in range(1, parts)]
    starts: List[Optional[int]] = [None] + cuts
    ends: List[Optional[int]] = cuts + [None]
    return list(zip(starts, ends))


class CpuHeadroom:
    """Says how many more readers this process's CPU could feed while a reader waits for a page.

    Only the time spent fetching (between `resume` and `pause`) counts, so a consumer held up
    downstream (a slow destination) is not mistaken for a slow node. Python runs one thread at a
    time, so a process well below one full CPU while it fetches is waiting on the network: if
    `n` readers keep it `share` busy, about `n × busy / share` readers would keep it `busy` busy.
    """

    def __init__(
        self,
        busy: float = 0.6,
        interval: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
    ) -> None:
        self._busy = busy
        self._interval = interval
        self._clock = clock
        self._cpu = cpu
        self._started: Optional[Tuple[float, float]] = None
        self._elapsed = self._used = 0.0
        self.last_share = 0.0

    def resume(self) -> None:
        self._started = (self._clock(), self._cpu())

    def pause(self) -> None:
        if self._started is not None:
            since, used = self._started
            self._elapsed += self._clock() - since
            self._used += self._cpu() - used
            self._started = None

    def more_readers(self, readers: int) -> int:
        if self._elapsed < self._interval:  # too short to judge
            return 0
        self.last_share = self._used / self._elapsed
        self._elapsed = self._used = 0.0
        if self.last_share >= self._busy:
            return 0
        return max(1, math.ceil(readers * self._busy / max(self.last_share, 0.01)) - readers)


def read_in_parallel(
    ranges: List[IdRange],
    read_range: Callable[[IdRange, threading.Event], Iterator[Any]],
    headroom: Optional[CpuHeadroom] = None,
    what: str = "the snapshot",
) -> Iterator[Any]:
    """Reads every range and yields what the reads produce, as it comes.

    The calling thread reads ranges itself, one after another; helper threads join (each taking
    the next range not yet started, until none is left) while the CPU has headroom. Without
    helpers this is exactly a sequential read: no thread switch per page. A failure in any range
    stops the others and is raised here; so does closing this generator.
    """
    headroom = headroom or CpuHeadroom()
    pending = collections.deque(ranges)
    pending_lock = threading.Lock()
    # Each helper may leave one page here and hold one more while it waits: bounded memory.
    results: "queue.Queue[Any]" = queue.Queue(maxsize=max(1, len(ranges) - 1))
    stop = threading.Event()
    helpers: List[threading.Thread] = []
    finished = 0

    def next_range() -> Optional[IdRange]:
        with pending_lock:
            return pending.popleft() if pending else None

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def help(id_range: Optional[IdRange]) -> None:
        try:
            while id_range is not None:
                for item in read_range(id_range, stop):
                    if not put(item):
                        return
                id_range = next_range()
            put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            put(error)

    def handed_over(block: bool) -> Iterator[Any]:
        nonlocal finished
        while True:
            try:
                item = results.get(timeout=0.1) if block else results.get_nowait()
            except queue.Empty:
                if block:
                    continue
                return
            if item is _DONE:
                finished += 1
                if finished == len(helpers):
                    return
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item

    try:
        id_range = next_range()
        while id_range is not None:
            items = read_range(id_range, stop)
            while True:
                headroom.resume()
                item = next(items, _DONE)
                headroom.pause()
                if item is _DONE:
                    break
                yield item
                yield from handed_over(block=False)
                more = min(len(pending), headroom.more_readers(len(helpers) + 1))
                if more:
                    for _ in range(more):
                        helper = threading.Thread(target=help, args=(next_range(),), daemon=True, name=f"fauna-range-{len(helpers) + 1}")
                        helpers.append(helper)
                        helper.start()
                    logger.info(
                        f"Reading {what} with {len(helpers) + 1} parallel readers (at most {len(ranges)}): "
                        f"the process used {headroom.last_share:.0%} of a CPU while it waited for pages, so they were waiting on the network."
                    )
            id_range = next_range()
        if finished < len(helpers):
            yield from handed_over(block=True)
    finally:
        stop.set()
        for helper in helpers:
            helper.join(timeout=30)
