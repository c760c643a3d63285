"""Splitting a snapshot into id ranges, and reading ranges side by side."""

import threading

import pytest

from source_fauna.partitions import CpuHeadroom, read_in_parallel, split_id_range


@pytest.mark.parametrize(
    "first,last,parts,expected",
    [
        (100, 199, 4, [(None, 125), (125, 150), (150, 175), (175, None)]),
        (5, 7, 8, [(None, 6), (6, 7), (7, None)]),  # never more ranges than ids
        (42, 42, 4, [(None, None)]),
        (228335648649510912, 228335648649510916, 2, [(None, 228335648649510914), (228335648649510914, None)]),
    ],
    ids=["even", "more-parts-than-ids", "one-document", "snowflake-ids"],
)
def test_ranges_cover_every_id_once(first, last, parts, expected):
    ranges = split_id_range(first, last, parts)
    assert ranges == expected
    covered = [i for i in range(first, min(last, first + 1000) + 1) if sum(1 for lo, hi in ranges if (lo is None or i >= lo) and (hi is None or i < hi)) == 1]
    assert len(covered) == min(last, first + 1000) - first + 1


class _Headroom(CpuHeadroom):
    """A CPU that always (or never) has room for one more reader."""

    def __init__(self, room: bool) -> None:
        super().__init__()
        self.room = room

    def more_readers(self, readers: int) -> int:
        return 1 if self.room else 0


def _read_ids(threads_seen=None):
    def read(id_range, stop):
        lo, hi = id_range
        for item in range(lo or 0, hi or 100):
            if threads_seen is not None:
                threads_seen.add(threading.current_thread().name)
            yield item

    return read


def test_without_cpu_headroom_the_ranges_are_read_in_order_on_the_calling_thread():
    seen = set()
    items = list(read_in_parallel(split_id_range(0, 99, 4), _read_ids(seen), headroom=_Headroom(False)))
    assert items == list(range(100))
    assert seen == {threading.current_thread().name}


def test_with_cpu_headroom_helpers_read_the_other_ranges_and_every_item_arrives_once():
    seen = set()
    items = list(read_in_parallel(split_id_range(0, 99, 4), _read_ids(seen), headroom=_Headroom(True)))
    assert sorted(items) == list(range(100))
    assert len(seen) > 1, "no helper thread read a range"


@pytest.mark.parametrize("failing", [0, 1], ids=["calling-thread", "helper"])
def test_a_failing_range_stops_the_read_and_raises(failing):
    ranges = [(0, 10), (10, 20), (20, 30)]

    def read(id_range, stop):
        if id_range == ranges[failing]:
            raise RuntimeError("range failed")
        for item in range(*id_range):
            yield item

    with pytest.raises(RuntimeError, match="range failed"):
        list(read_in_parallel(ranges, read, headroom=_Headroom(True)))


def test_closing_the_reader_stops_the_helpers():
    stopped = threading.Event()

    def read(id_range, stop):
        if id_range[0] is None:
            yield 0
            return
        try:
            while not stop.is_set():
                yield 1
        finally:
            stopped.set()

    items = read_in_parallel([(None, 1), (1, None)], read, headroom=_Headroom(True))
    next(items)  # the calling thread's range, after which a helper takes the other
    next(items)
    items.close()
    assert stopped.wait(5)


def test_cpu_headroom_asks_for_as_many_readers_as_the_idle_cpu_could_feed():
    now, cpu = [0.0], [0.0]
    headroom = CpuHeadroom(busy=0.6, interval=0.1, clock=lambda: now[0], cpu=lambda: cpu[0])

    def fetch(seconds, cpu_seconds):
        headroom.resume()
        now[0] += seconds
        cpu[0] += cpu_seconds
        headroom.pause()

    fetch(0.05, 0.0)
    assert headroom.more_readers(1) == 0, "judged before a whole interval of fetching"
    fetch(0.05, 0.01)
    assert headroom.more_readers(1) == 5, "10 % busy with one reader: six readers would make 60 %"
    now[0] += 5.0  # time spent handing records downstream, not fetching, does not count
    fetch(0.2, 0.1)
    assert headroom.more_readers(2) == 1, "50 % busy with two readers"
    fetch(0.2, 0.18)
    assert headroom.more_readers(3) == 0, "90 %: the CPU is the limit"
