"""Reading one snapshot with several readers at once, so a remote node's latency does not cap a sync.

One reader fetches one page per round trip, so its rate is capped by the node's latency whatever
the machine. Several readers therefore share the collection's ids (`IdRange`), all reading at the
same snapshot time.

Readers are added only while they help (`adaptive_concurrency`): the calling thread starts alone;
worker threads join when the process leaves CPU idle while it waits for pages, and on trial:
unless pages then come faster, they hand their ids back and leave. Against a near node the CPU is
the limit, and extra readers would only add thread switching and memory. Memory stays bounded by
about one page per reader running (not allowed), and readers working ahead hand on no more than
the writing of records takes: a page waits while a page of records is still queued to be written
(FaunaDocumentsRetriever._wait_for_the_writer).

Work is shared by stealing, not by fixed ranges: a reader that joins, or that has finished its
ids, takes the far half of the range with the most pages still ahead. Fauna's ids grow with creation
time, so a collection that grew over years has most of its documents among its newest ids; ranges
of equal width fixed up front would leave one reader with most of the work, while halving what is
left keeps every reader busy until the end, whatever the ids' spread.
"""

import logging
import queue
import threading
from typing import Any, Callable, Generator, Iterator, List, Optional, Sequence, Tuple

from source_fauna.adaptive_concurrency import CpuHeadroom, ScaleUpTrial
from source_fauna.id_ranges import IdRange

_DONE = object()
logger = logging.getLogger("airbyte")

# Reads one range: yields its pages, and tells the range where the next page begins
# (`IdRange.reached`) before it yields one; stops early once the event is set.
RangeReader = Callable[[IdRange, threading.Event], Generator[Any, None, None]]


class ParallelSnapshotRead:
    """Reads every id of `ranges` with up to `max_readers` readers; `pages()` yields what the reads produce, as it comes.

    The calling thread reads alone first: without workers this is exactly a sequential read, with
    no thread switch per page. When workers join, the calling thread hands the rest of its own
    range to one of them too and from then on only hands their pages on. Were it to go on reading,
    every page the workers brought would wait while it waited for its own. Every reader that runs
    out of ids takes a range a stopped worker left, or else steals half of the range with the most
    pages ahead. Once every worker has left or finished, the calling thread reads what they left
    behind alone again. A failure in any range stops the others and is raised by `pages()`; so does
    closing it.

    Because `read_range` reports where its next page begins before it yields a page, a worker
    leaving after a page leaves exactly the ids not yet read.
    """

    def __init__(
        self,
        ranges: Sequence[IdRange],
        read_range: RangeReader,
        max_readers: int,
        headroom: Optional[CpuHeadroom] = None,
        what: str = "the snapshot",
        trial: Optional[ScaleUpTrial] = None,
    ) -> None:
        self._first = ranges[0] if ranges else None
        self._read_range = read_range
        self._max_readers = max_readers
        self._headroom = headroom or CpuHeadroom()
        self._trial = trial or ScaleUpTrial(max_readers)
        self._what = what
        self._reading: List[IdRange] = list(ranges[:1])  # ranges some reader is on
        # Ranges of stopped workers, or those a resumed snapshot had left, for the next reader that looks for work.
        self._left_behind: List[IdRange] = list(reversed(ranges[1:]))
        self._reading_lock = threading.Lock()
        # What workers hand over, each page with its worker's slot, given back once the page is handed on.
        self._results: "queue.SimpleQueue[Tuple[Any, Optional[threading.Semaphore]]]" = queue.SimpleQueue()
        self._stop = threading.Event()
        self._workers: List[threading.Thread] = []
        self._leave_requests: List[threading.Event] = []  # one per worker: set to make it leave after its page
        self._on_trial: List[int] = []  # the workers that joined in the running trial
        self._finished = 0

    def pages(self) -> Iterator[Any]:
        try:
            id_range: Optional[IdRange] = self._first
            while id_range is not None:
                if (yield from self._read_alone(id_range)):
                    yield from self._hand_on()
                    id_range = self._take(None)
                else:
                    id_range = self._take(id_range)
        finally:
            self._stop.set()
            for worker in self._workers:
                worker.join(timeout=30)

    def _read_alone(self, id_range: IdRange) -> Generator[Any, None, bool]:
        """Reads `id_range` on the calling thread; returns whether workers joined and took it over."""
        items = self._read_range(id_range, self._stop)
        try:
            while True:
                self._headroom.resume()
                item = next(items, _DONE)
                self._headroom.pause()
                if item is _DONE:
                    return False
                self._trial.page()
                yield item
                if self._trial.may_start() and self._splittable():
                    ranges = self._ranges_for_new_readers(1)
                    if ranges:
                        items.close()  # before a worker goes on with this range where it stopped
                        self._start_workers(ranges + [id_range], 1)
                        return True
        finally:
            items.close()

    def _hand_on(self) -> Iterator[Any]:
        """Yields the workers' pages until every worker has finished or left."""
        while self._finished < len(self._workers):
            self._headroom.resume()
            try:
                item, slot = self._results.get(timeout=0.1)
            except queue.Empty:
                continue
            finally:
                self._headroom.pause()
            if item is _DONE:
                self._finished += 1
            elif isinstance(item, BaseException):
                raise item
            else:
                if slot is not None:
                    slot.release()
                self._trial.page()
                yield item
                if self._on_trial:
                    self._judge_trial()
                elif self._trial.may_start() and self._splittable():
                    readers = self._running_workers()
                    ranges = self._ranges_for_new_readers(readers)
                    if ranges:
                        self._start_workers(ranges, readers)

    def _take(self, done: Optional[IdRange]) -> Optional[IdRange]:
        """Leaves `done` and answers a range left behind or the far half of the fullest range, if any is left."""
        with self._reading_lock:
            if done is not None:
                self._reading.remove(done)
            if self._left_behind:
                far = self._left_behind.pop()
                self._reading.append(far)
                return far
            for fullest in sorted(self._reading, key=IdRange.pages_left, reverse=True):
                half = fullest.split()
                if half is not None:
                    self._reading.append(half)
                    return half
            return None

    def _leave(self, id_range: IdRange) -> None:
        """Leaves the rest of a stopped worker's range to the next reader that looks for work."""
        with self._reading_lock:
            self._reading.remove(id_range)
            if id_range.left() > 0:
                self._left_behind.append(id_range)

    def _splittable(self) -> bool:
        with self._reading_lock:
            return any(id_range.can_split() for id_range in self._reading)

    def _wait(self, slot: threading.Semaphore) -> bool:
        """Waits until the worker's last page was handed on; False once the read stops."""
        while not slot.acquire(timeout=0.1):
            if self._stop.is_set():
                return False
        return not self._stop.is_set()

    def _work(self, id_range: Optional[IdRange], leave: threading.Event, slot: threading.Semaphore) -> None:
        """A worker thread: reads ranges until none is left or it is asked to leave.

        It fetches a page only once the consumer has taken its last one (its one `slot`), so each
        worker holds at most one page, and pages in memory grow with the workers running, not the
        allowed, even while the consumer is held up downstream.
        """
        try:
            while id_range is not None:
                pages = self._read_range(id_range, self._stop)
                try:
                    while True:
                        if not self._wait(slot):
                            return
                        if leave.is_set():
                            self._leave(id_range)
                            id_range = None
                            break
                        item = next(pages, _DONE)
                        if item is _DONE:
                            slot.release()
                            id_range = self._take(id_range)
                            break
                        self._results.put((item, slot))
                finally:
                    pages.close()
            self._results.put((_DONE, None))
        except BaseException as error:  # handed to the consumer, which raises it
            self._results.put((error, None))

    def _running_workers(self) -> int:
        return sum(worker.is_alive() and not leave.is_set() for worker, leave in zip(self._workers, self._leave_requests))

    def _ranges_for_new_readers(self, readers: int) -> List[IdRange]:
        """As many ranges as the CPU could feed more readers, split off the ranges being read."""
        more = min(self._max_readers - readers, self._headroom.more_readers(readers))
        ranges: List[IdRange] = []
        while len(ranges) < more and (far := self._take(None)) is not None:
            ranges.append(far)
        return ranges

    def _start_workers(self, ranges: List[IdRange], readers_before: int) -> None:
        started = []
        for id_range in ranges:
            leave = threading.Event()
            worker = threading.Thread(target=self._work, args=(id_range, leave, threading.Semaphore(1)), daemon=True, name=f"fauna-range-{len(self._workers) + 1}")
            started.append(len(self._workers))
            self._workers.append(worker)
            self._leave_requests.append(leave)
            worker.start()
        self._on_trial.extend(started)
        self._trial.start(readers_before, self._running_workers())
        logger.info(
            f"Reading {self._what} with {self._running_workers()} parallel readers (at most {self._max_readers}): "
            f"the process used {self._headroom.last_share:.0%} of a CPU while it waited for pages, "
            "so they were waiting on the network or the node."
        )

    def _judge_trial(self) -> None:
        outcome = self._trial.outcome()
        if outcome is None:  # not measured yet
            return
        before, during = self._trial.last_rates
        if outcome:
            logger.info(
                f"Keeping {self._running_workers()} parallel readers of {self._what}: pages came fast enough "
                f"({during:.1f} pages/s against {before:.1f} before)."
            )
        else:
            for worker in self._on_trial:
                self._leave_requests[worker].set()
            staying = self._running_workers()  # 0 when every worker was on trial: the calling thread reads alone again
            readers = max(1, staying)
            logger.info(
                f"Back to {'one reader' if readers == 1 else f'{readers} readers'} of {self._what} after "
                f"{staying + len(self._on_trial)} parallel readers: pages came too little faster ({during:.1f} pages/s "
                f"against {before:.1f} before), so the node or this process, not the network, is the limit."
            )
        self._on_trial.clear()
