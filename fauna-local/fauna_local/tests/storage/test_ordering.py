"""Sort keys: ids as 64-bit numbers (core DocID.scala), reverse order, prefix bounds."""

import bisect

from fauna_local.storage.ordering import HIGHEST, LOWEST, Reversed, ref_key, sort_key
from fauna_local.values import Ref


def test_given_numeric_ids_when_sorted_then_numeric_not_lexicographic_order():
    coll = Ref("c", Ref("collections"))
    refs = [Ref(i, coll) for i in ("10", "9", "100")]
    assert [r.id for r in sorted(refs, key=ref_key)] == ["9", "10", "100"]


def test_given_mixed_types_when_sorted_then_numbers_before_strings_and_ints_compare_with_floats():
    values = ["b", 2.5, 1, "a", None]
    assert sorted(values, key=sort_key) == [1, 2.5, "a", "b", None]


def test_given_reversed_keys_when_sorted_then_descending():
    keys = [Reversed(sort_key(v)) for v in (1, 3, 2)]
    assert [k.key[1] for k in sorted(keys)] == [3, 2, 1]


def test_given_prefix_bounds_when_bisecting_tuples_then_inclusive_of_every_key_with_that_prefix():
    # core RangeSet.scala compareCursors: a lower bound [ts] includes every tuple starting with ts, an upper
    # bound [ts] too.
    keys = sorted([(1, 5), (2, 1), (2, 9), (3, 0)])
    assert keys[bisect.bisect_left(keys, (2,)) : bisect.bisect_right(keys, (2, HIGHEST))] == [(2, 1), (2, 9)]
    assert (2, LOWEST) < (2, 1) < (2, HIGHEST)
