"""Splitting a snapshot into id ranges, and reading ranges side by side."""

import threading

import pytest

from source_fauna.partitions import read_in_parallel, split_id_range


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


def test_every_item_of_every_range_arrives():
    def read(id_range, stop):
        lo, hi = id_range
        yield from range(lo or 0, hi or 100)

    assert sorted(read_in_parallel(split_id_range(0, 99, 4), read, queue_size=3)) == list(range(100))


def test_a_failing_range_stops_the_read_and_raises():
    started = threading.Event()

    def read(id_range, stop):
        if id_range[0] is None:
            started.wait(5)
            raise RuntimeError("range failed")
        started.set()
        while not stop.is_set():
            yield 1

    with pytest.raises(RuntimeError, match="range failed"):
        list(read_in_parallel([(None, 1), (1, None)], read, queue_size=2))


def test_closing_the_reader_stops_the_threads():
    stopped = threading.Event()

    def read(id_range, stop):
        try:
            while not stop.is_set():
                yield 1
        finally:
            stopped.set()

    items = read_in_parallel([(None, None)], read, queue_size=1)
    next(items)
    items.close()
    assert stopped.wait(5)
