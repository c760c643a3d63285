"""Sharing a snapshot's ids among readers, and reading them side by side."""

import bisect
import threading
import time

import pytest

from source_fauna.partitions import CpuHeadroom, IdRange, PayCheck, read_in_parallel


def test_a_split_hands_over_the_far_half_of_what_is_left():
    id_range = IdRange(100, 200)
    assert id_range.reached(120) == 200
    far = id_range.split()
    assert (id_range.start, id_range.end) == (120, 160)
    assert (far.start, far.end) == (160, 200)


def test_a_page_in_flight_across_a_split_learns_its_new_end():
    id_range = IdRange(0, 100)
    far = id_range.split()
    # The reader had asked for a page starting at 0 before the split; it ends at 70.
    assert id_range.reached(70) == 50, "the reader must drop ids from 50 on: they are the other reader's"
    assert far.start == 50
    assert id_range.split() is None, "nothing is left ahead of the reader"


def test_a_range_is_split_only_while_each_half_would_get_a_page():
    # Ids are spread unevenly; the ids the last page spanned tell how many documents lie ahead.
    id_range = IdRange(0, 1_000)
    id_range.reached(200)  # a page spanned 200 ids: the 800 ahead hold about 4 pages
    far = id_range.split()
    assert (id_range.start, id_range.end, far.start, far.end) == (200, 600, 600, 1_000)
    assert id_range.pages_left() == far.pages_left() == 2, "the far half is taken to be as dense"
    id_range.reached(500)  # a page spanned 300 ids: a third of a page is ahead
    assert not id_range.can_split() and id_range.split() is None, "its page in flight would reach past a new end"
    far.reached(610)  # a dense page: the 390 ids ahead hold 39 pages
    assert far.split() is not None


@pytest.mark.parametrize("id_range", [IdRange(None, None), IdRange(7, 8), IdRange(7, 7)], ids=["unbounded", "one-id", "empty"])
def test_ranges_without_two_ids_ahead_are_not_split(id_range):
    assert id_range.split() is None


def test_a_finished_range_has_nothing_left():
    id_range = IdRange(0, 10)
    id_range.reached(None)
    assert id_range.left() == 0 and id_range.split() is None


class _Headroom(CpuHeadroom):
    """A CPU that always (or never) has room for one more reader."""

    def __init__(self, room: bool) -> None:
        super().__init__()
        self.room = room

    def more_readers(self, readers: int) -> int:
        return 1 if self.room else 0


class _Pays(PayCheck):
    """Helpers that always pay (`True`), or that never do (`False`), judged at once."""

    def __init__(self, pays: bool = True) -> None:
        super().__init__()
        self.pays = pays
        self.trials = 0

    def may_try(self) -> bool:
        return self.pays or self.trials == 0

    def start(self, readers_before: int, readers_after: int) -> None:
        self.trials += 1

    def verdict(self) -> bool:
        return self.pays


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
    pages = list(read_in_parallel(IdRange(0, 100), _pager(ids, readers), 4, headroom=_Headroom(False)))
    assert _ids(pages) == ids
    assert {name for names in readers.values() for name in names} == {threading.current_thread().name}


# Fauna's ids grow with creation time: a few old documents, then most of them created recently.
SKEWED = [10, 5_000, 90_000] + list(range(1_000_000, 1_000_600))


def test_with_cpu_headroom_every_id_is_read_once_even_when_most_ids_are_crowded_at_the_end():
    readers = {}
    pages = read_in_parallel(IdRange(SKEWED[0], SKEWED[-1] + 1), _pager(SKEWED, readers, wait=0.002), 4, headroom=_Headroom(True), pay=_Pays())
    assert sorted(_ids(pages)) == SKEWED, "an id was read twice or skipped"
    assert all(len(names) == 1 for names in readers.values())
    me = threading.current_thread().name
    # The first page spanned almost every id (old documents are few): the second showed how dense the rest is.
    assert [item for item in SKEWED if me in readers[item]] == SKEWED[:6], "once helpers joined, the calling thread only hands pages on"
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

    pages = read_in_parallel(IdRange(SKEWED[0], SKEWED[-1] + 1), counted, 3, headroom=_Headroom(True), pay=_Pays())
    assert sorted(_ids(pages)) == SKEWED
    assert most[0] == 3


def test_helpers_that_do_not_pay_leave_their_ids_to_the_calling_thread_and_every_id_is_read_once():
    ids, readers, pay = list(range(600)), {}, _Pays(False)
    pages = list(read_in_parallel(IdRange(0, 600), _pager(ids, readers, wait=0.001), 4, headroom=_Headroom(True), pay=pay))
    assert sorted(_ids(pages)) == ids, "an id was read twice or skipped"
    assert all(len(names) == 1 for names in readers.values())
    assert pay.trials == 1
    by_helpers = {}
    for item in ids:
        (name,) = readers[item]
        by_helpers.setdefault(name, []).append(item)
    me = threading.current_thread().name
    assert by_helpers.pop(me)[:3] == [0, 1, 2], "the calling thread reads alone first"
    # One helper took the far half (301 and up), one went on with the calling thread's range
    # (3 and up); each read a page or two and left, and the calling thread read the rest.
    assert sorted(helper_ids[0] for helper_ids in by_helpers.values()) == [3, 301], by_helpers
    assert all(len(helper_ids) <= 6 for helper_ids in by_helpers.values()), "a helper stayed"


def test_helpers_read_at_most_two_pages_ahead_of_the_consumer():
    # Memory: a helper may leave one page for the consumer and hold one more, however many
    # readers are allowed, so a consumer held up downstream does not pile pages up.
    produced = {}

    def read(id_range, stop):
        for item in range(id_range.start, id_range.end):
            id_range.reached(item + 1)
            produced[threading.current_thread().name] = produced.get(threading.current_thread().name, 0) + 1
            yield item
            if stop.is_set():
                return

    items = read_in_parallel(IdRange(0, 1_000), read, 8, headroom=_Headroom(True), pay=_Pays())
    assert next(items) == 0, "the calling thread reads the first page alone"
    assert next(items) in (1, 500), "then one helper takes ids 500 and up, and one goes on from 1"
    time.sleep(0.3)  # the consumer is busy elsewhere meanwhile
    helpers = [name for name in produced if name.startswith("fauna-range")]
    assert len(helpers) == 2
    assert sum(produced[name] for name in helpers) <= 1 + 2 * 2, "helpers read more pages than they may hold while nobody takes them"
    items.close()


@pytest.mark.parametrize("failing", ["calling-thread", "helper"])
def test_a_failing_range_stops_the_read_and_raises(failing):
    ids = list(range(100))
    read = _pager(ids, wait=0.001)

    def failing_read(id_range, stop):
        if (id_range.start == 0) == (failing == "calling-thread"):
            raise RuntimeError("range failed")
        yield from read(id_range, stop)

    with pytest.raises(RuntimeError, match="range failed"):
        list(read_in_parallel(IdRange(0, 100), failing_read, 4, headroom=_Headroom(True), pay=_Pays()))


def test_closing_the_reader_stops_the_helpers():
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

    items = read_in_parallel(IdRange(0, 100), read, 2, headroom=_Headroom(True), pay=_Pays())
    next(items)  # the calling thread's first item, after which helpers take the far half and the rest of its range
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
    assert headroom.more_readers(1) == 0, "one idle interval may be a pause of the machine"
    fetch(0.1, 0.01)
    assert headroom.more_readers(1) == 5, "10 % busy twice with one reader: six readers would make 60 %"
    now[0] += 5.0  # time spent handing records downstream, not fetching, does not count
    fetch(0.2, 0.1)
    assert headroom.more_readers(2) == 1, "50 % busy with two readers"
    fetch(0.2, 0.18)
    assert headroom.more_readers(3) == 0, "90 %: the CPU is the limit"
    fetch(0.1, 0.01)
    assert headroom.more_readers(3) == 0, "idle once after a busy interval"


def _pay_check_on_a_fake_clock():
    """A PayCheck, and `pages(count, seconds_apart)`, which hands it pages that far apart."""
    now = [0.0]
    pay = PayCheck(faster=1.5, wait_pages=32, clock=lambda: now[0])

    def pages(count, seconds_apart):
        for _ in range(count):
            now[0] += seconds_apart
            pay.page()

    return pay, pages


def test_pay_check_keeps_helpers_that_make_pages_come_faster():
    pay, pages = _pay_check_on_a_fake_clock()
    pages(2, 0.1)
    assert not pay.may_try(), "the first page paid for the read's start: no rate before three pages"
    pages(1, 0.1)
    assert pay.may_try()
    pages(1, 0.5)
    pages(8, 0.1)  # one reader: 10 pages per second, measured over the last 8 pages
    pay.start(1, 2)
    assert not pay.may_try(), "one trial at a time"
    pages(2, 0.1)  # every reader's first page: not measured
    pages(7, 0.06)
    assert pay.verdict() is None, "judged on two pages per reader, at least 8"
    pages(1, 0.06)
    assert pay.verdict() is True, "16.7 pages per second is more than 1.5 × 10"
    assert pay.last_rates == pytest.approx((10, 1 / 0.06))
    assert pay.paid, "later helpers join without a trial"


def test_pay_check_retires_helpers_that_do_not_and_tries_again_later():
    pay, pages = _pay_check_on_a_fake_clock()
    pages(9, 0.1)
    pay.start(1, 3)
    pages(3 + 8, 0.07)  # 14.3 pages per second with three readers: short of 1.5 × 10
    assert pay.verdict() is False
    pages(63, 0.1)
    assert not pay.may_try(), "the next trial waits 64 pages after a first failure"
    pages(1, 0.1)
    assert pay.may_try()
    pay.start(1, 2)
    pages(2 + 8, 0.1)
    assert pay.verdict() is False
    pages(127, 0.1)
    assert not pay.may_try(), "and twice as long after a second one"
    pages(1, 0.1)
    assert pay.may_try() and not pay.paid
    pay.start(1, 8)
    pages(8 + 16, 0.065)  # 15.4 pages per second: 1.5 × is enough, however many joined (the CPU may be the limit)
    assert pay.verdict() is True
