"""Reading a snapshot's ids with several readers side by side."""

import bisect
import logging
import threading
import time

import pytest

from source_fauna.adaptive_concurrency import CpuHeadroom, ScaleUpTrial
from source_fauna.id_ranges import IdRange
from source_fauna.parallel_snapshot import ParallelSnapshotRead


class _Headroom(CpuHeadroom):
    """A CPU that always (or never) has room for one more reader."""

    def __init__(self, room: bool) -> None:
        super().__init__()
        self.room = room

    def more_readers(self, readers: int) -> int:
        return 1 if self.room else 0


class _Trial(ScaleUpTrial):
    """Workers that always make pages faster (`True`), or that never do (`False`), judged at once; or,
    given a list, the outcomes of the trials in turn, and no trial after the last."""

    def __init__(self, speeds_up=True) -> None:
        super().__init__(max_readers=8)  # its outcomes are given, so its windows do not matter
        self.outcomes = speeds_up if isinstance(speeds_up, list) else None
        self.speeds_up = speeds_up
        self.trials = 0
        self.readers = []  # (before, after) of each trial

    def may_start(self) -> bool:
        if self.outcomes is not None:
            return self.trials < len(self.outcomes)
        return self.speeds_up or self.trials == 0

    def start(self, readers_before: int, readers_after: int) -> None:
        self.trials += 1
        self.readers.append((readers_before, readers_after))

    def outcome(self) -> bool:
        return self.outcomes[self.trials - 1] if self.outcomes is not None else self.speeds_up


def _pager(ids, readers=None, page=3, wait=0.0):
    """Reads sorted `ids` as the collection reader does: page after page from the range's start, telling it where the next page begins."""

    def read(id_range, stop):
        position = 0 if id_range.start is None else bisect.bisect_left(ids, id_range.start)
        while True:
            time.sleep(wait)  # a round trip
            page_ids, position = ids[position : position + page], position + page
            next_id = ids[position] if position < len(ids) else None
            end = id_range.reached(next_id)
            page_ids = [item for item in page_ids if end is None or item < end]
            if readers is not None:
                for item in page_ids:
                    readers.setdefault(item, set()).add(threading.current_thread().name)
            if page_ids:
                yield page_ids
            if next_id is None or (end is not None and next_id >= end):
                return

    return read


def _ids(pages):
    return [item for page in pages for item in page]


def test_without_cpu_headroom_one_reader_reads_everything_in_order_on_the_calling_thread():
    ids, readers = list(range(100)), {}
    pages = list(ParallelSnapshotRead([IdRange(0, 100)], _pager(ids, readers), 4, headroom=_Headroom(False)).pages())
    assert _ids(pages) == ids
    assert {name for names in readers.values() for name in names} == {threading.current_thread().name}


# Fauna's ids grow with creation time: a few old documents, then most of them created recently.
SKEWED = [10, 5_000, 90_000] + list(range(1_000_000, 1_000_600))


def test_with_cpu_headroom_every_id_is_read_once_even_when_most_ids_are_crowded_at_the_end():
    readers = {}
    pages = ParallelSnapshotRead([IdRange(SKEWED[0], SKEWED[-1] + 1)], _pager(SKEWED, readers, wait=0.002), 4, headroom=_Headroom(True), trial=_Trial()).pages()
    assert sorted(_ids(pages)) == SKEWED, "an id was read twice or skipped"
    assert all(len(names) == 1 for names in readers.values())
    me = threading.current_thread().name
    # The first page spanned almost every id (old documents are few): the second showed how dense the rest is.
    assert [item for item in SKEWED if me in readers[item]] == SKEWED[:6], "once workers joined, the calling thread only hands pages on"
    crowded = {next(iter(readers[item])) for item in SKEWED[3:]}
    # Ranges of equal width fixed up front would give the crowded ids to one reader.
    assert len(crowded) > 1, "one reader read every recent document alone"


def test_no_more_readers_than_allowed():
    read, lock, reading, most = _pager(SKEWED, wait=0.001), threading.Lock(), [0], [0]

    def counted(id_range, stop):
        with lock:
            reading[0] += 1
            most[0] = max(most[0], reading[0])
        try:
            yield from read(id_range, stop)
        finally:
            with lock:
                reading[0] -= 1

    pages = ParallelSnapshotRead([IdRange(SKEWED[0], SKEWED[-1] + 1)], counted, 3, headroom=_Headroom(True), trial=_Trial()).pages()
    assert sorted(_ids(pages)) == SKEWED
    assert most[0] == 3


def test_workers_that_do_not_speed_pages_up_leave_their_ids_to_the_calling_thread_and_every_id_is_read_once(caplog):
    ids, readers, trial = list(range(600)), {}, _Trial(False)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        pages = list(ParallelSnapshotRead([IdRange(0, 600)], _pager(ids, readers, wait=0.001), 4, headroom=_Headroom(True), trial=trial, what="users").pages())
    assert sorted(_ids(pages)) == ids, "an id was read twice or skipped"
    logs = [record.getMessage().split(":")[0] for record in caplog.records]
    assert logs == ["Reading users with 2 parallel readers (at most 4)", "Back to one reader of users after 2 parallel readers"], logs
    # A failed trial shows only that more readers did not help: the node or this process is the limit.
    assert caplog.records[-1].getMessage().endswith("so the node or this process, not the network, is the limit.")
    assert all(len(names) == 1 for names in readers.values())
    assert trial.trials == 1
    by_workers = {}
    for item in ids:
        (name,) = readers[item]
        by_workers.setdefault(name, []).append(item)
    me = threading.current_thread().name
    assert by_workers.pop(me)[:3] == [0, 1, 2], "the calling thread reads alone first"
    # One worker took the far half (301 and up), one went on with the calling thread's range
    # (3 and up); each read a few pages and left, and the calling thread read the rest. Before the
    # verdict (at the first page handed on) the workers can hand over no more pages than the slots
    # given out by then (one each, and the one the first page frees); once retired, a worker leaves
    # after the page it was reading. So none reads more than 4 pages of 3 ids, however threads are scheduled.
    assert sorted(worker_ids[0] for worker_ids in by_workers.values()) == [3, 301], by_workers
    assert all(len(worker_ids) <= 12 for worker_ids in by_workers.values()), f"a worker stayed: {by_workers}"


def test_workers_that_join_proven_readers_leave_too_when_they_do_not_speed_pages_up(caplog):
    ids, readers, trial = list(range(900)), {}, _Trial([True, False])
    with caplog.at_level(logging.INFO, logger="airbyte"):
        pages = list(ParallelSnapshotRead([IdRange(0, 900)], _pager(ids, readers, wait=0.001), 4, headroom=_Headroom(True), trial=trial, what="users").pages())
    assert sorted(_ids(pages)) == ids, "an id was read twice or skipped"
    assert all(len(names) == 1 for names in readers.values())
    assert trial.readers == [(1, 2), (2, 3)], "the second trial ran with the two proven workers and one more"
    logs = [record.getMessage() for record in caplog.records]
    assert [line.split(":")[0] for line in logs] == [
        "Reading users with 2 parallel readers (at most 4)",
        "Keeping 2 parallel readers of users",
        "Reading users with 3 parallel readers (at most 4)",
        "Back to 2 readers of users after 3 parallel readers",
    ], logs
    # Once the third worker left, the two proven ones read on: every id they read after its verdict is theirs.
    third = {name for item in ids for name in readers[item]} - {threading.current_thread().name, "fauna-range-1", "fauna-range-2"}
    assert third == {"fauna-range-3"}, third
    assert sum("fauna-range-3" in readers[item] for item in ids) <= 12, "the worker on trial stayed after its verdict"


def test_workers_read_at_most_one_page_ahead_of_the_consumer():
    # Memory: a worker fetches a page only once the one it left for the consumer was taken, however
    # many readers are allowed, so a consumer held up downstream does not pile pages up.
    produced = {}

    def read(id_range, stop):
        for item in range(id_range.start, id_range.end):
            id_range.reached(item + 1)
            produced[threading.current_thread().name] = produced.get(threading.current_thread().name, 0) + 1
            yield item
            if stop.is_set():
                return

    items = ParallelSnapshotRead([IdRange(0, 1_000)], read, 8, headroom=_Headroom(True), trial=_Trial()).pages()
    assert next(items) == 0, "the calling thread reads the first page alone"
    assert next(items) in (1, 500), "then one worker takes ids 500 and up, and one goes on from 1"
    time.sleep(0.3)  # the consumer is busy elsewhere meanwhile
    workers = [name for name in produced if name.startswith("fauna-range")]
    assert len(workers) == 2
    assert sum(produced[name] for name in workers) <= 1 + 2, "workers read more pages than they may hold while nobody takes them"
    items.close()


@pytest.mark.parametrize("failing", ["calling-thread", "worker"])
def test_a_failing_range_stops_the_read_and_raises(failing):
    ids = list(range(100))
    read = _pager(ids, wait=0.001)

    def failing_read(id_range, stop):
        if (id_range.start == 0) == (failing == "calling-thread"):
            raise RuntimeError("range failed")
        yield from read(id_range, stop)

    with pytest.raises(RuntimeError, match="range failed"):
        list(ParallelSnapshotRead([IdRange(0, 100)], failing_read, 4, headroom=_Headroom(True), trial=_Trial()).pages())


def test_closing_the_reader_stops_the_workers():
    stopped = threading.Event()

    def read(id_range, stop):
        if id_range.start == 0:
            id_range.reached(1)
            yield 0
            return
        try:
            while not stop.is_set():
                yield 1
        finally:
            stopped.set()

    items = ParallelSnapshotRead([IdRange(0, 100)], read, 2, headroom=_Headroom(True), trial=_Trial()).pages()
    next(items)  # the calling thread's first item, after which workers take the far half and the rest of its range
    next(items)
    items.close()
    assert stopped.wait(5)
