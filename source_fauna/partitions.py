"""Reading one snapshot in several parts at once, so a remote node's latency does not cap a sync.

One reader pages at one page per round trip: at 20 ms per page of 100 documents that is 5,000
documents per second whatever the machine. Several readers therefore share the collection's ids
(documents are ordered by id as a 64-bit number), all reading at the same snapshot time.

Readers are added only while they pay. The calling thread starts alone on every id; a helper
thread joins when, while the calling thread waited for its pages, the process left the CPU mostly
idle: the pages are waiting on the network. Against a near node the CPU is the limit, and extra
readers would only add thread switching and memory (measured on 200,000 documents: 4 readers from
the start took about a fifth more CPU per document and 35 MB more memory than one). Memory stays
bounded by about 2 × readers pages (readers running, not allowed).

Work is shared by splitting, not by fixed ranges: a reader that joins, or that has finished its
ids, takes the far half of the widest range still being read. Fauna's ids grow with creation
time, so a collection that grew over years has most of its documents among its newest ids; ranges
of equal width fixed up front would leave one reader with most of the work, while halving what is
left keeps every reader busy until the end, whatever the ids' spread.
"""

import logging
import math
import queue
import threading
import time
from typing import Any, Callable, Iterator, List, Optional, Tuple

_DONE = object()
logger = logging.getLogger("airbyte")


class IdRange:
    """Ids [start, end) that one reader pages through; `None` is unbounded (such a range is never split).

    The reader reports where its next page begins (`reached`) and learns in the same step where it
    must stop; `split` hands the far half of what is left to another reader. Both happen under
    one lock, so each id is read by exactly one reader, even when a page was in flight across the
    new boundary (the reader drops what lies at or past `end`).
    """

    def __init__(self, start: Optional[int], end: Optional[int], lock: Optional[threading.Lock] = None) -> None:
        self.start = start
        self.end = end
        self._lock = lock or threading.Lock()

    def reached(self, next_id: Optional[int]) -> Optional[int]:
        """Records that ids below `next_id` are read (`None`: all of them); answers where to stop."""
        with self._lock:
            self.start = self.end if next_id is None else next_id
            return self.end

    def left(self) -> int:
        """How many ids are still ahead of the reader (0 for an unbounded range)."""
        with self._lock:
            return self._ahead()

    def can_split(self) -> bool:
        with self._lock:
            return self._ahead() >= 2

    def split(self) -> Optional["IdRange"]:
        """Moves this range's end to the middle of what is left and answers the far half, if there is one."""
        with self._lock:
            if self._ahead() < 2:
                return None
            assert self.start is not None and self.end is not None  # bounded: _ahead() is 0 otherwise
            middle = self.start + (self.end - self.start) // 2
            far = IdRange(middle, self.end, self._lock)
            self.end = middle
            return far

    def _ahead(self) -> int:
        return 0 if self.start is None or self.end is None else max(0, self.end - self.start)

    def __repr__(self) -> str:
        return f"IdRange({self.start}, {self.end})"


class CpuHeadroom:
    """Says how many more readers this process's CPU could feed while a reader waits for a page.

    Only the time spent fetching (between `resume` and `pause`) counts, so a consumer held up
    downstream (a slow destination) is not mistaken for a slow node. Python runs one thread at a
    time, so a process well below one full CPU while it fetches is waiting on the network: if
    `n` readers keep it `share` busy, about `n × busy / share` readers would keep it `busy` busy.
    Readers are added only after two intervals in a row found the CPU idle: one slow answer (the
    machine paused, the node busy for a moment) says nothing about the network, and a reader once
    added stays to the end of the read, with its pages in memory (readers were added to a replayed
    read of 1,000,000 documents, where every answer takes under a millisecond).
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
        self._idle_before = False
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
        idle = self.last_share < self._busy
        idle_before, self._idle_before = self._idle_before, idle
        if not (idle and idle_before):
            return 0
        return max(1, math.ceil(readers * self._busy / max(self.last_share, 0.01)) - readers)


def read_in_parallel(
    whole: IdRange,
    read_range: Callable[[IdRange, threading.Event], Iterator[Any]],
    max_readers: int,
    headroom: Optional[CpuHeadroom] = None,
    what: str = "the snapshot",
) -> Iterator[Any]:
    """Reads every id of `whole` with up to `max_readers` readers; yields what the reads produce, as it comes.

    The calling thread reads first; helper threads join while the CPU has headroom, and every
    reader that runs out of ids takes half of the widest range still being read. Without helpers
    this is exactly a sequential read: no thread switch per page. A failure in any range stops the
    others and is raised here; so does closing this generator.
    """
    headroom = headroom or CpuHeadroom()
    reading: List[IdRange] = []  # ranges some reader is on
    reading_lock = threading.Lock()
    results: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
    # One slot per running helper: a helper may leave one page in `results` and hold one more
    # while it waits for a slot, so pages in memory grow with the helpers running, not the allowed.
    slots = threading.Semaphore(0)
    stop = threading.Event()
    helpers: List[threading.Thread] = []
    finished = 0

    def take(done: Optional[IdRange]) -> Optional[IdRange]:
        """Leaves `done` and answers the far half of the range with the most ids ahead, if any is left."""
        with reading_lock:
            if done is not None:
                reading.remove(done)
            for widest in sorted(reading, key=IdRange.left, reverse=True):
                far = widest.split()
                if far is not None:
                    reading.append(far)
                    return far
            return None

    def splittable() -> bool:
        with reading_lock:
            return any(id_range.can_split() for id_range in reading)

    def put(item: Any, page: bool = True) -> bool:
        while page and not slots.acquire(timeout=0.1):
            if stop.is_set():
                return False
        if stop.is_set():
            return False
        results.put(item)
        return True

    def help(id_range: Optional[IdRange]) -> None:
        try:
            while id_range is not None:
                for item in read_range(id_range, stop):
                    if not put(item):
                        return
                id_range = take(id_range)
            put(_DONE, page=False)
        except BaseException as error:  # handed to the consumer, which raises it
            put(error, page=False)

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
                slots.release()
                yield item

    try:
        id_range: Optional[IdRange] = whole
        reading.append(whole)
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
                if len(helpers) + 1 < max_readers and splittable():
                    more = min(max_readers - len(helpers) - 1, headroom.more_readers(len(helpers) + 1))
                    started = 0
                    while started < more and (far := take(None)) is not None:
                        helper = threading.Thread(target=help, args=(far,), daemon=True, name=f"fauna-range-{len(helpers) + 1}")
                        helpers.append(helper)
                        slots.release()
                        helper.start()
                        started += 1
                    if started:
                        logger.info(
                            f"Reading {what} with {len(helpers) + 1} parallel readers (at most {max_readers}): "
                            f"the process used {headroom.last_share:.0%} of a CPU while it waited for pages, so they were waiting on the network."
                        )
            id_range = take(id_range)
        if finished < len(helpers):
            yield from handed_over(block=True)
    finally:
        stop.set()
        for helper in helpers:
            helper.join(timeout=30)
