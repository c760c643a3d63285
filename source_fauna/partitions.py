"""Reading one snapshot in several parts at once, so a remote node's latency does not cap a sync.

One reader pages at one page per round trip: at 20 ms per page of 100 documents that is 5,000
documents per second whatever the machine. Several readers therefore share the collection's ids
(documents are ordered by id as a 64-bit number), all reading at the same snapshot time.

Readers are added only while they pay. The calling thread starts alone on every id; helper
threads join when, while the read waited for its pages, the process left a fifth of the CPU or
more idle: the pages are waiting on the network, or on the node. Helpers join on trial: unless pages
then come faster, they hand their ids back and leave. Against a near node the CPU is the limit,
and extra readers would only add thread switching and memory (measured on 200,000 documents: 4
readers from the start took about a fifth more CPU per document and 35 MB more memory than one).
Memory stays bounded by about 2 × readers pages (readers running, not allowed).

Work is shared by splitting, not by fixed ranges: a reader that joins, or that has finished its
ids, takes the far half of the range with the most pages still ahead. Fauna's ids grow with creation
time, so a collection that grew over years has most of its documents among its newest ids; ranges
of equal width fixed up front would leave one reader with most of the work, while halving what is
left keeps every reader busy until the end, whatever the ids' spread.
"""

import logging
import math
import queue
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, Iterator, List, NamedTuple, Optional, Tuple

_DONE = object()
logger = logging.getLogger("airbyte")


class IdRange:
    """Ids [start, end) that one reader pages through; `None` is unbounded (such a range is never split).

    The reader reports where its next page begins (`reached`) and learns in the same step where it
    must stop; `split` hands the far half of what is left to another reader. Both happen under
    one lock, so each id is read by exactly one reader, even when a page was in flight across the
    new boundary (the reader drops what lies at or past `end`).

    Ids are not spread evenly (they grow with creation time, in bursts), so a range's width says
    little about how many documents it holds; the ids its reader's last page spanned say how many
    a page holds there. A range is split only while at least two such pages lie ahead, so that each
    half has a page's worth: split finer, the reader's page in flight reaches past the new end and
    the new reader fetches those documents again. Before this rule, readers that ran out of ids
    split ranges with less than a page left, and a third of the documents fetched by 8 readers at
    20 ms were dropped so (29,700 fetched for 20,000).
    """

    def __init__(self, start: Optional[int], end: Optional[int], lock: Optional[threading.Lock] = None, page_ids: Optional[int] = None) -> None:
        self.start = start
        self.end = end
        self._lock = lock or threading.Lock()
        self._page_ids = page_ids  # ids the last page spanned; None until a page was read

    def reached(self, next_id: Optional[int]) -> Optional[int]:
        """Records that ids below `next_id` are read (`None`: all of them); answers where to stop."""
        with self._lock:
            if next_id is not None and self.start is not None and next_id > self.start:
                self._page_ids = next_id - self.start
            self.start = self.end if next_id is None else next_id
            return self.end

    def left(self) -> int:
        """How many ids are still ahead of the reader (0 for an unbounded range)."""
        with self._lock:
            return self._ahead()

    def pages_left(self) -> float:
        """About how many pages are still ahead, at the density of the last page (ids ahead before the first)."""
        with self._lock:
            return self._pages_ahead()

    def can_split(self) -> bool:
        with self._lock:
            return self._pages_ahead() >= 2

    def split(self) -> Optional["IdRange"]:
        """Moves this range's end to the middle of what is left and answers the far half, if each half has a page's worth."""
        with self._lock:
            if self._pages_ahead() < 2:
                return None
            assert self.start is not None and self.end is not None  # bounded: nothing is ahead otherwise
            middle = self.start + (self.end - self.start) // 2
            far = IdRange(middle, self.end, self._lock, self._page_ids)
            self.end = middle
            return far

    def _ahead(self) -> int:
        return 0 if self.start is None or self.end is None else max(0, self.end - self.start)

    def _pages_ahead(self) -> float:
        return self._ahead() / (self._page_ids or 1)

    def __repr__(self) -> str:
        return f"IdRange({self.start}, {self.end})"


class CpuHeadroom:
    """Says how many more readers this process's CPU could feed while the read waits for a page.

    Only the time spent waiting for a page (between `resume` and `pause`: the calling thread's own
    fetch, or once helpers read, its wait for theirs) counts, so a consumer held up downstream (a
    slow destination) is not mistaken for a slow node. Python runs one thread at a time, so a
    process well below one full CPU while it waits for pages is waiting on the network: if
    `n` readers keep it `share` busy, about `n × busy / share` readers would keep it `busy` busy.
    Readers are added only after two intervals in a row found the CPU idle: one slow answer (the
    machine paused, the node busy for a moment) says nothing about the network, and a reader once
    added stays to the end of the read, with its pages in memory (readers were added to a replayed
    read of 1,000,000 documents, where every answer takes under a millisecond).
    """

    # Readers join until the process is 80 % busy while it waits; the rest is left to pauses of the
    # machine and the node. At 60 %, reads at 20 ms kept a fifth to a quarter of a core idle (5
    # alternating runs: a median of 12,000 against 13,150 documents/s, 4-5 readers against 6-8).
    def __init__(
        self,
        busy: float = 0.8,
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


class _Trial(NamedTuple):
    readers: int  # readers running once the helpers joined
    rate_before: float  # pages per second before they joined
    started: int  # pages handed over when they joined


class PayCheck:
    """Tells whether the first helpers that joined a read made pages come faster; the caller retires them if not.

    An idle CPU while a reader waits says the wait is not this process's own; it does not say that
    another reader will shorten it. A node that is itself the limit (a busy node on the same small
    machine) answers two readers no faster than one. Through the bench's recording proxy, 2 of 10
    reads of 100,000 documents took on helpers this way and took 10 s instead of 8, each helper
    keeping two pages in memory to the end of the read.

    So the first helpers join on trial. Once every reader has handed over a page, pages must come
    at least `faster` times as fast as before, however many helpers joined: more readers than two
    may find this process's own CPU the limit, and a node that is the limit gives no gain at all.
    Both rates are taken over two pages per reader, at least 8, so that one slow page does not
    decide. Once a trial has paid, the node is known to serve readers side by side, and later
    helpers join without one. A failed trial makes the next one wait `wait_pages` pages, twice as
    many after each failure, so a node that was slow for a moment is tried again later.
    """

    def __init__(self, faster: float = 1.5, wait_pages: int = 32, clock: Callable[[], float] = time.monotonic) -> None:
        self._faster = faster
        self._wait_pages = wait_pages
        self._clock = clock
        self._handed: Deque[float] = deque(maxlen=65)  # when the last pages were handed over
        self._pages = 0
        self._trial: Optional[_Trial] = None
        self._measured_from: Optional[Tuple[int, float]] = None  # pages and time once every reader handed over one
        self._next_trial = 0
        self._failures = 0
        self.paid = False  # a trial has paid: later helpers need none
        self.last_rates = (0.0, 0.0)  # pages per second before and during the last trial

    def page(self) -> None:
        self._pages += 1
        if self._pages > 1:  # the first page also paid for the read's start (and the CDK's first record)
            self._handed.append(self._clock())
        if self._trial is not None and self._measured_from is None and self._pages - self._trial.started >= self._trial.readers:
            self._measured_from = (self._pages, self._handed[-1])  # every reader's first page, thread start included, is not measured

    def may_try(self) -> bool:
        return self._trial is None and self._pages >= self._next_trial and len(self._handed) >= 2

    def start(self, readers_before: int, readers_after: int) -> None:
        self._trial = _Trial(readers_after, self._rate(self._measured_pages(readers_before)), self._pages)
        self._measured_from = None

    def verdict(self) -> Optional[bool]:
        """None while no trial has been measured yet; then whether the helpers paid, which ends the trial."""
        if self._trial is None:
            return None
        if self._measured_from is None or self._pages - self._measured_from[0] < self._measured_pages(self._trial.readers):
            return None
        rate_before = self._trial.rate_before
        pages, since = self._measured_from
        rate = (self._pages - pages) / max(self._handed[-1] - since, 1e-9)
        self.last_rates = (rate_before, rate)
        self._trial = None
        if rate >= rate_before * self._faster:
            self.paid = True
            return True
        self._failures += 1
        self._next_trial = self._pages + self._wait_pages * 2**self._failures
        return False

    @staticmethod
    def _measured_pages(readers: int) -> int:
        return max(8, 2 * readers)

    def _rate(self, pages: int) -> float:
        """Pages per second over the last `pages` pages handed over (at least two)."""
        recent = list(self._handed)[-max(2, pages + 1) :]
        span = recent[-1] - recent[0]
        return (len(recent) - 1) / span if span > 0 else math.inf


def read_in_parallel(
    whole: IdRange,
    read_range: Callable[[IdRange, threading.Event], Iterator[Any]],
    max_readers: int,
    headroom: Optional[CpuHeadroom] = None,
    what: str = "the snapshot",
    pay: Optional[PayCheck] = None,
) -> Iterator[Any]:
    """Reads every id of `whole` with up to `max_readers` readers; yields what the reads produce, as it comes.

    The calling thread reads alone first: without helpers this is exactly a sequential read, with
    no thread switch per page. When helpers join, the calling thread hands the rest of its own
    range to one of them too and from then on only hands their pages on. Were it to go on reading,
    every page the helpers brought would wait while it waited for its own. Every reader that runs
    out of ids takes a range a retired helper left, or else half of the range with the most pages
    ahead. Once every helper has left or finished, the calling thread reads what they left behind
    alone again. A failure in any range stops the others and is raised here; so does closing this
    generator.

    `read_range` yields pages, and tells its range where the next page begins (`IdRange.reached`)
    before it yields one, so that a reader leaving after a page leaves exactly the ids not yet read.
    """
    headroom = headroom or CpuHeadroom()
    pay = pay or PayCheck()
    reading: List[IdRange] = [whole]  # ranges some reader is on
    left_behind: List[IdRange] = []  # ranges of retired helpers, for the next reader that looks for work
    reading_lock = threading.Lock()
    results: "queue.SimpleQueue[Any]" = queue.SimpleQueue()
    # One slot per running helper: a helper may leave one page in `results` and hold one more
    # while it waits for a slot, so pages in memory grow with the helpers running, not the allowed.
    slots = threading.Semaphore(0)
    stop = threading.Event()
    helpers: List[threading.Thread] = []
    retired: List[threading.Event] = []  # one per helper: set to make it leave after its page
    on_trial: List[int] = []  # the helpers that joined in the running trial
    finished = 0

    def take(done: Optional[IdRange]) -> Optional[IdRange]:
        """Leaves `done` and answers a range left behind or the far half of the fullest range, if any is left."""
        with reading_lock:
            if done is not None:
                reading.remove(done)
            if left_behind:
                far = left_behind.pop()
                reading.append(far)
                return far
            for fullest in sorted(reading, key=IdRange.pages_left, reverse=True):
                far = fullest.split()
                if far is not None:
                    reading.append(far)
                    return far
            return None

    def leave(id_range: IdRange) -> None:
        """Leaves the rest of a retired helper's range to the next reader that looks for work."""
        with reading_lock:
            reading.remove(id_range)
            if id_range.left() > 0:
                left_behind.append(id_range)

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

    def help(id_range: Optional[IdRange], retire: threading.Event) -> None:
        try:
            while id_range is not None:
                for item in read_range(id_range, stop):
                    if not put(item):
                        return
                    if retire.is_set():
                        leave(id_range)
                        # Gives its slot back, so that pages in memory stay bounded by the helpers running.
                        while not slots.acquire(timeout=0.1):
                            if stop.is_set():
                                return
                        id_range = None
                        break
                else:
                    id_range = take(id_range)
            put(_DONE, page=False)
        except BaseException as error:  # handed to the consumer, which raises it
            put(error, page=False)

    def helping() -> int:
        return sum(helper.is_alive() and not retire.is_set() for helper, retire in zip(helpers, retired))

    def ranges_for_new_readers(readers: int) -> List[IdRange]:
        """As many ranges as the CPU could feed more readers, split off the ranges being read."""
        more = min(max_readers - readers, headroom.more_readers(readers))
        ranges: List[IdRange] = []
        while len(ranges) < more and (far := take(None)) is not None:
            ranges.append(far)
        return ranges

    def start_helpers(ranges: List[IdRange], readers_before: int) -> None:
        started = []
        for id_range in ranges:
            retire = threading.Event()
            helper = threading.Thread(target=help, args=(id_range, retire), daemon=True, name=f"fauna-range-{len(helpers) + 1}")
            started.append(len(helpers))
            helpers.append(helper)
            retired.append(retire)
            slots.release()
            helper.start()
        if not pay.paid:
            on_trial.extend(started)
            pay.start(readers_before, helping())
        logger.info(
            f"Reading {what} with {helping()} parallel readers (at most {max_readers}): "
            f"the process used {headroom.last_share:.0%} of a CPU while it waited for pages, "
            "so they were waiting on the network or the node."
        )

    def judge_trial() -> None:
        paid = pay.verdict()
        if paid is False:
            for helper in on_trial:
                retired[helper].set()
            before, during = pay.last_rates
            logger.info(
                f"Back to one reader of {what} after {len(on_trial)} parallel readers: pages came no faster "
                f"({during:.1f} pages/s against {before:.1f} before), so the node, not the network, is the limit."
            )
        if paid is not None:
            on_trial.clear()

    def read_alone(id_range: IdRange) -> Iterator[Any]:
        """Reads `id_range` on the calling thread; returns whether helpers joined and took it over."""
        items = read_range(id_range, stop)
        try:
            while True:
                headroom.resume()
                item = next(items, _DONE)
                headroom.pause()
                if item is _DONE:
                    return False
                pay.page()
                yield item
                if pay.may_try() and splittable():
                    ranges = ranges_for_new_readers(1)
                    if ranges:
                        items.close()  # before a helper goes on with this range where it stopped
                        start_helpers(ranges + [id_range], 1)
                        return True
        finally:
            items.close()

    def hand_on() -> Iterator[Any]:
        """Yields the helpers' pages until every helper has finished or left."""
        nonlocal finished
        while finished < len(helpers):
            headroom.resume()
            try:
                item = results.get(timeout=0.1)
            except queue.Empty:
                continue
            finally:
                headroom.pause()
            if item is _DONE:
                finished += 1
            elif isinstance(item, BaseException):
                raise item
            else:
                slots.release()
                pay.page()
                yield item
                if on_trial:
                    judge_trial()
                elif pay.may_try() and splittable():
                    readers = helping()
                    ranges = ranges_for_new_readers(readers)
                    if ranges:
                        start_helpers(ranges, readers)

    try:
        id_range: Optional[IdRange] = whole
        while id_range is not None:
            if (yield from read_alone(id_range)):
                yield from hand_on()
                id_range = take(None)
            else:
                id_range = take(id_range)
    finally:
        stop.set()
        for helper in helpers:
            helper.join(timeout=30)
