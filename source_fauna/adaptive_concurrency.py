"""When a snapshot read adds readers (adaptive concurrency), decided from the CPU and the page rate.

Both policies are pure: the clocks are injected, so tests drive them without threads or sleeps.
"""

import math
import time
from collections import deque
from typing import Callable, Deque, NamedTuple, Optional, Tuple


class CpuHeadroom:
    """Says how many more readers this process's CPU could feed while the read waits for a page.

    Only the time spent waiting for a page (between `resume` and `pause`: the calling thread's own
    fetch, or once workers read, its wait for theirs) counts, so a consumer held up downstream (a
    slow destination) is not mistaken for a slow node. Python runs one thread at a time, so a
    process well below one full CPU while it waits for pages is waiting on the network: if
    `n` readers keep it `share` busy, about `n × busy / share` readers would keep it `busy` busy.
    Readers are added only after two intervals in a row found the CPU idle: one slow answer (the
    machine paused, the node busy for a moment) says nothing about the network, and a reader once
    added stays to the end of the read, with its pages in memory.
    """

    # Readers join until the process is 80 % busy while it waits; the rest is left to pauses of the
    # machine and the node.
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
    readers: int  # readers running once the workers joined
    rate_before: float  # pages per second before they joined
    started: int  # pages handed over when they joined
    needed: float  # how many times as fast pages must come for the workers to stay


class ScaleUpTrial:
    """Tells whether the workers that just joined a read made pages come faster; the caller stops them if not.

    An idle CPU while a reader waits says the wait is not this process's own; it does not say that
    another reader will shorten it: a node that is itself the limit (a busy node on the same small
    machine) answers more readers no faster than fewer, and each reader keeps pages in memory.

    So every worker joins on trial, the first ones and those that join readers already proven.
    Once every reader has handed over a page, pages must come faster by half of what the added
    readers would bring were the wait all network (2 → 3 readers: 1.25 ×, 4 → 5: 1.125 ×), but
    never more than `faster` times as fast, however many joined: several readers may find this
    process's own CPU the limit. The rate during a trial is taken over four pages per reader, at
    least 16, as readers hand pages over in bursts; the rate before, over up to 32 pages handed by
    the readers then running. So neither a slow stretch before nor a burst during lets readers stay
    that do not help. A failed trial makes the next one wait `wait_pages` pages, twice as many after
    each failure, so a node that was slow for a moment is tried again later.
    """

    _BEFORE_PAGES = 32

    def __init__(self, max_readers: int, faster: float = 1.5, wait_pages: int = 32, clock: Callable[[], float] = time.monotonic) -> None:
        self._faster = faster
        self._wait_pages = wait_pages
        self._clock = clock
        # When the last pages were handed over: enough for the rate before a trial, whatever the readers then.
        self._handed: Deque[float] = deque(maxlen=max(self._BEFORE_PAGES, self._measured_pages(max_readers)) + 1)
        self._pages = 0
        self._trial: Optional[_Trial] = None
        self._measured_from: Optional[Tuple[int, float]] = None  # pages and time once every reader handed over one
        self._next_trial = 0
        self._failures = 0
        self._readers_since = 0  # pages handed over when the readers now running last changed
        self.last_rates = (0.0, 0.0)  # pages per second before and during the last trial

    def page(self) -> None:
        self._pages += 1
        if self._pages > 1:  # the first page also paid for the read's start (and the CDK's first record)
            self._handed.append(self._clock())
        if self._trial is not None and self._measured_from is None and self._pages - self._trial.started >= self._trial.readers:
            self._measured_from = (self._pages, self._handed[-1])  # every reader's first page, thread start included, is not measured

    def may_start(self) -> bool:
        return self._trial is None and self._pages >= self._next_trial and len(self._handed) >= 2

    def start(self, readers_before: int, readers_after: int) -> None:
        needed = 1 + min(self._faster - 1, (readers_after - readers_before) / (2 * readers_before))
        before = max(self._measured_pages(readers_before), min(self._BEFORE_PAGES, self._pages - self._readers_since))
        self._trial = _Trial(readers_after, self._rate(before), self._pages, needed)
        self._measured_from = None

    def outcome(self) -> Optional[bool]:
        """None while the running trial is not measured yet; then whether the workers made pages faster, which ends it."""
        if self._trial is None:
            return None
        if self._measured_from is None or self._pages - self._measured_from[0] < self._measured_pages(self._trial.readers):
            return None
        pages, since = self._measured_from
        rate = (self._pages - pages) / max(self._handed[-1] - since, 1e-9)
        trial, self._trial = self._trial, None
        self._readers_since = self._pages
        self.last_rates = (trial.rate_before, rate)
        if rate >= trial.rate_before * trial.needed:
            return True
        self._failures += 1
        self._next_trial = self._pages + self._wait_pages * 2**self._failures
        return False

    @staticmethod
    def _measured_pages(readers: int) -> int:
        return max(16, 4 * readers)

    def _rate(self, pages: int) -> float:
        """Pages per second over the last `pages` pages handed over (at least two)."""
        recent = list(self._handed)[-max(2, pages + 1) :]
        span = recent[-1] - recent[0]
        return (len(recent) - 1) / span if span > 0 else math.inf
