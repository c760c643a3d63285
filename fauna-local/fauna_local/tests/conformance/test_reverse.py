"""Reverse over sets: a set read from its end, page by page with `after` cursors.

Sources: core `ext/model/src/main/scala/set/ReverseSet.scala` (the set's order flipped; cursors keep the
inner set's shape; no events history), `ext/model/src/main/scala/ast/functions/SetFunctions.scala`
ReverseFunction (arrays, pages and sets), `ext/api/src/test/scala/queries/ReverseFunctionSpec.scala`.
"""

import pytest
from faunadb import query as q
from faunadb.errors import BadRequest

from .conftest import coll_ref, doc_ref, error_fields, index_ref

C = "rev_src"


def R(i):
    return doc_ref(C, i)


BY_VALUE = q.match(q.index("rev_by_value"))


@pytest.fixture
def values_1_to_20(fauna):
    """Documents 1..20 with data.value = their id, and an index on data.value (ReverseFunctionSpec "range")."""
    fauna.collection(C)
    fauna.index("rev_by_value", C, values=[{"field": ["data", "value"]}])
    fauna.q(q.do(*[q.create(q.ref(q.collection(C), str(i)), {"data": {"value": i}}) for i in range(1, 21)]))
    return fauna


def test_given_a_set_when_reversed_then_it_is_a_set_ref_wrapping_the_set(fauna):
    # ReverseFunctionSpec "returns a reusable set ref": {"@set": {"reverse": {"@set": {"match": idx}}}}.
    fauna.collection(C)
    fauna.index("rev_refs", C)
    created = fauna.create(C, doc_id="1")
    reversed_set = fauna.q(q.reverse(q.match(q.index("rev_refs"))))
    assert reversed_set.value["reverse"].value == {"match": index_ref("rev_refs")}
    assert fauna.all_of(reversed_set) == [created["ref"]]


def test_given_reversed_range_when_paginating_then_descending_and_a_cursor_counts_from_the_top(values_1_to_20):
    # ReverseFunctionSpec "range": Paginate(Reverse(Range(m, 50, 60))) = 60 down to 50, and the same for
    # Range(Reverse(m), 60, 50); over 10..20, after 15 = 15 down to 10, before 15 = 20 down to 16.
    fauna = values_1_to_20
    assert fauna.all_of(q.reverse(q.range(BY_VALUE, 5, 9))) == [9, 8, 7, 6, 5]
    assert fauna.all_of(q.range(q.reverse(BY_VALUE), 9, 5)) == [9, 8, 7, 6, 5]
    for ranged in (q.reverse(q.range(BY_VALUE, 10, 20)), q.range(q.reverse(BY_VALUE), 20, 10)):
        assert fauna.page(ranged, after=15)["data"] == [15, 14, 13, 12, 11, 10]
        assert fauna.page(ranged, before=15)["data"] == [20, 19, 18, 17, 16]


def test_given_reversed_match_when_paging_with_after_then_each_page_continues_downwards(values_1_to_20):
    # ReverseSet.scala: the inner set's cursor shape, values then the document ref (core IndexTuple.scala);
    # the page's `after` is the first element of the next page, its `before` the cursor sent (PaginateFunction.scala).
    fauna = values_1_to_20
    first = fauna.page(q.reverse(BY_VALUE), size=8)
    assert first["data"] == list(range(20, 12, -1))
    assert first["after"] == [12, R(12)]
    assert "before" not in first
    second = fauna.page(q.reverse(BY_VALUE), size=8, after=first["after"])
    assert second["data"] == list(range(12, 4, -1))
    assert second["before"] == [12, R(12)]
    last = fauna.page(q.reverse(BY_VALUE), size=8, after=second["after"])
    assert last["data"] == [4, 3, 2, 1]
    assert "after" not in last


def test_given_documents_when_reversed_then_refs_come_highest_id_first(values_1_to_20):
    # ReverseSet.scala `shape`: a set of bare refs reads from its highest document id down.
    fauna = values_1_to_20
    page = fauna.page(q.reverse(q.documents(q.collection(C))), size=3)
    assert page["data"] == [R(20), R(19), R(18)]
    assert page["after"] == [R(17)]
    assert fauna.page(q.reverse(q.documents(q.collection(C))), size=3, after=page["after"])["data"] == [R(17), R(16), R(15)]


def test_given_a_native_collection_ref_when_reversed_then_it_pages_as_a_set(values_1_to_20):
    # core ast/Casts.scala Iterable takes whatever Identifier turns into a set, as Paginate does: Collections().
    fauna = values_1_to_20
    fauna.collection("rev_second")
    assert fauna.all_of(q.reverse(q.collections())) == [coll_ref("rev_second"), coll_ref(C)]


def test_given_events_and_reverse_together_then_invalid_argument(values_1_to_20):
    # ReverseSet.scala `history` throws InvalidHistoricalSetException, and its `shape` keeps the inner set's
    # isHistorical, which ReadAdaptor.scala `paginate` reads through `history`: Events(Reverse(m)) and
    # Reverse(Events(m)) are both refused (Renderable.scala: "Set does not support events history.", as for
    # Range in RangeFunctionSpec "does not support historical events reads").
    for expr in (q.paginate(q.reverse(BY_VALUE), events=True), q.paginate(q.reverse(q.events(BY_VALUE)))):
        err = values_1_to_20.raises(expr, BadRequest)
        assert error_fields(err) == ("invalid argument", "Set does not support events history.", [])


def test_given_a_page_when_reversed_then_data_reversed_and_cursors_kept(values_1_to_20):
    # ReverseFunctionSpec "pages": Reverse(Paginate(m, size 5, after 6)) = 10 down to 6, before [6], after [11].
    page = values_1_to_20.q(q.reverse(q.paginate(BY_VALUE, size=5, after=6)))
    assert page["data"] == [10, 9, 8, 7, 6]
    assert page["before"] == [6]
    assert page["after"] == [11, R(11)]


def test_given_a_number_when_reversed_then_array_set_or_page_expected(fauna):
    # core ast/Casts.scala Iterable: "Array, Set, or Page expected, Integer provided.", at the reverse argument.
    err = fauna.raises(q.reverse(1), BadRequest)
    assert error_fields(err) == ("invalid argument", "Array, Set, or Page expected, Integer provided.", ["reverse"])
