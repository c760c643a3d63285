"""Sharing a snapshot's ids among readers: where a reader stops, and how a range is split."""

import pytest

from source_fauna.id_ranges import IdRange


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
