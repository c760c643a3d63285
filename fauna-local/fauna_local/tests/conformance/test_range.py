"""Range over index sets: element and cursor shapes, inclusive prefix bounds, ordering, index maintenance.

Sources: core `ext/model/src/main/scala/set/RangeSet.scala` compareCursors,
`ast/Expression.scala` fromIndexTerms, `ast/Parser.scala` CursorParser.parseArray: a prefix lower bound
floors to (Epoch, MinDocID), a prefix upper bound ceils to (MaxMicros, MaxDocID)); driver
`tests/test_query.py::test_range` (scalar bounds); core `ext/api/src/test/scala/queries/IndexSpec.scala`.
"""

import pytest
from faunadb import query as q

from .conftest import doc_ref

C = "events_src"
IDX = "by_ts"


def R(i):
    return doc_ref(C, i)


@pytest.fixture
def ts_index(fauna):
    fauna.collection(C)
    fauna.index(IDX, C, values=[{"field": "ts"}, {"field": "ref"}])
    return fauna


def _range(lo, hi):
    return q.range(q.match(q.index(IDX)), lo, hi)


def _three_separate(fauna):
    """Three documents, each in its own transaction; returns their ts in id order."""
    return [fauna.create(C, {"n": i}, doc_id=str(i))["ts"] for i in (1, 2, 3)]


def test_given_ts_ref_index_when_paginating_range_then_elements_are_ts_ref_pairs_and_cursor_is_ts_ref_ref(ts_index):
    # core ast/Expression.scala fromIndexTerms, IndexTuple.scala: element = covered values as an array [ts, Ref];
    # cursor = values + doc ref = [ts, Ref, Ref].
    t1, t2, t3 = _three_separate(ts_index)
    page = ts_index.page(_range([], []), size=1)
    assert page["data"] == [[t1, R(1)]]
    assert page["after"] == [t2, R(2), R(2)]
    assert "before" not in page
    nxt = ts_index.page(_range([], []), size=1, after=page["after"])
    assert nxt["data"] == [[t2, R(2)]]
    assert nxt["before"] == [t2, R(2), R(2)]
    assert nxt["after"] == [t3, R(3), R(3)]


def test_given_prefix_lower_bound_when_ranging_then_bound_is_inclusive(ts_index):
    # core RangeSet.scala compareCursors: lower `[ts]` includes every tuple starting with ts.
    t1, t2, t3 = _three_separate(ts_index)
    assert ts_index.all_of(_range([t2], [])) == [[t2, R(2)], [t3, R(3)]]


def test_given_prefix_upper_bound_when_ranging_then_bound_is_inclusive(ts_index):
    # core RangeSet.scala compareCursors, Parser.scala parseArray: bounds inclusive on both ends; an upper prefix [ts]
    # ceils to (ts, MaxDocID).
    t1, t2, t3 = _three_separate(ts_index)
    assert ts_index.all_of(_range([], [t2])) == [[t1, R(1)], [t2, R(2)]]
    assert ts_index.all_of(_range([t2], [t2])) == [[t2, R(2)]]


def test_given_empty_bounds_when_ranging_then_unbounded(ts_index):
    # core RangeSet.scala: `[]` is unbounded.
    t1, t2, t3 = _three_separate(ts_index)
    assert ts_index.all_of(_range([], [])) == [[t1, R(1)], [t2, R(2)], [t3, R(3)]]


def test_given_same_ts_docs_when_ranging_then_ties_break_by_numeric_ref_and_ts_ref_bounds_are_exact(ts_index):
    # docs written in one transaction share ts and are ordered by ref (core IndexTuple.scala); ref order is
    # numeric (DocID.scala); `[ts, Ref]` bound includes exactly that ref (inclusive both ends).
    created = ts_index.create_many(C, ["30", "4", "200"])
    ts = created["ts"]
    all_rows = ts_index.all_of(_range([], []))
    assert all_rows == [[ts, R(4)], [ts, R(30)], [ts, R(200)]]
    assert ts_index.all_of(_range([ts, R(30)], [])) == [[ts, R(30)], [ts, R(200)]]
    assert ts_index.all_of(_range([], [ts, R(30)])) == [[ts, R(4)], [ts, R(30)]]


def test_given_one_transaction_when_creating_several_docs_then_all_share_one_ts(ts_index):
    # core queries/WriteFunctionsSpec.scala "threads through transaction time": one request = one transaction with one
    # timestamp shared by all its writes.
    result = ts_index.q(
        q.do(
            q.create(q.ref(q.collection(C), "1"), {"data": {}}),
            q.create(q.ref(q.collection(C), "2"), {"data": {}}),
            [q.select("ts", q.get(q.ref(q.collection(C), "1"))), q.select("ts", q.get(q.ref(q.collection(C), "2")))],
        )
    )
    assert result[0] == result[1]


def test_given_updated_doc_when_ranging_then_its_entry_moved_to_the_new_ts(ts_index):
    # an update changes ts: [oldTs, ref] removed, [newTs, ref] added (core IndexSpec "multiple
    # modifications to single doc": add v1, remove v1, add v2).
    t1, t2, t3 = _three_separate(ts_index)
    t1_new = ts_index.q(q.update(q.ref(q.collection(C), "1"), {"data": {"n": 10}}))["ts"]
    assert t1_new > t3
    assert ts_index.all_of(_range([], [])) == [[t2, R(2)], [t3, R(3)], [t1_new, R(1)]]
    assert ts_index.all_of(_range([t1], [t1])) == []


def test_given_deleted_doc_when_ranging_then_its_entry_is_gone(ts_index):
    # deletes remove the entry, Range never shows deletions.
    t1, t2, t3 = _three_separate(ts_index)
    ts_index.q(q.delete(q.ref(q.collection(C), "2")))
    assert ts_index.all_of(_range([], [])) == [[t1, R(1)], [t3, R(3)]]


def test_given_size_1_when_walking_a_range_with_after_cursors_then_every_row_once(ts_index):
    # core PaginateFunction.scala: after inclusive = first element of the next page; walking with size 1 sees each row
    # once.
    rows = [[ts, R(i)] for i, ts in zip((1, 2, 3), _three_separate(ts_index))]
    seen, cursor = [], None
    for _ in range(10):
        kwargs = {"size": 1}
        if cursor is not None:
            kwargs["after"] = cursor
        page = ts_index.page(_range([], []), **kwargs)
        seen.extend(page["data"])
        if "after" not in page:
            break
        cursor = page["after"]
    assert seen == rows


def test_given_scalar_value_index_when_ranging_with_scalar_bounds_then_inclusive_scalars(fauna):
    # driver tests/test_query.py::test_range: values 1..19; range(m,3,8) -> [3..8]; (17,18) -> [17,18];
    # (19,0) -> []. Single-value elements are scalars (core Expression.scala fromIndexTerms).
    fauna.collection("range_test")
    fauna.index("range_idx", "range_test", values=[{"field": ["data", "value"]}], active=True)
    fauna.q(q.do(*[q.create(q.collection("range_test"), {"data": {"value": x}}) for x in range(1, 20)]))
    m = q.match(q.index("range_idx"))
    assert fauna.q(q.select("data", q.paginate(q.range(m, 3, 8)))) == [3, 4, 5, 6, 7, 8]
    assert fauna.q(q.select("data", q.paginate(q.range(m, 17, 18)))) == [17, 18]
    assert fauna.q(q.select("data", q.paginate(q.range(m, 19, 0)))) == []


def test_given_reverse_value_when_matching_then_order_is_descending(fauna):
    # Fauna v4 docs functions/createindex (values: `reverse` sorts that field descending); core
    # queries/IndexSpec.scala uses {"field": [...], "reverse": true}.
    fauna.collection("rev")
    fauna.index("rev_n", "rev", values=[{"field": ["data", "n"], "reverse": True}])
    fauna.q(q.do(*[q.create(q.collection("rev"), {"data": {"n": n}}) for n in (2, 1, 3)]))
    assert fauna.all_of(q.match(q.index("rev_n"))) == [3, 2, 1]


def test_given_array_field_in_values_when_matching_then_one_entry_per_element_sorted(fauna):
    # core queries/IndexSpec.scala "queries an index": values [data.element] over docs with
    # element ["fire","water"] and ["water","wind"] -> ["fire","water","water","wind"].
    fauna.collection("heroes")
    fauna.index("all_heroes_with_element", "heroes", terms=[], values=[{"field": ["data", "element"]}], active=True)
    fauna.create("heroes", {"element": ["fire", "water"], "name": "Zeus"})
    fauna.create("heroes", {"element": ["water", "wind"], "name": "Trident"})
    assert fauna.all_of(q.match(q.index("all_heroes_with_element"))) == ["fire", "water", "water", "wind"]


def test_given_term_index_when_matching_then_only_docs_with_that_term_in_ref_order(fauna):
    # driver tests/test_query.py::test_match (refs with n=100 in creation order); driver test_page.py.
    fauna.collection("widgets")
    fauna.index("widgets_by_n", "widgets", terms=[{"field": ["data", "n"]}], active=True)
    a = fauna.create("widgets", {"n": 100}, doc_id="1")["ref"]
    b = fauna.create("widgets", {"n": 100, "m": 200}, doc_id="2")["ref"]
    fauna.create("widgets", {"m": 200}, doc_id="3")
    assert fauna.all_of(q.match(q.index("widgets_by_n"), 100)) == [a, b]
    assert fauna.all_of(q.match(q.index("widgets_by_n"), 999)) == []


def test_given_single_value_ts_index_when_paginating_then_scalar_elements_and_ts_ref_cursor(fauna):
    # core Expression.scala fromIndexTerms: one covered value -> scalar elements; cursor = values :+ doc ref
    # (IndexTuple.scala) = [ts, Ref].
    fauna.collection(C)
    fauna.index("ts_only", C, values=[{"field": "ts"}])
    t1, t2, t3 = _three_separate(fauna)
    page = fauna.page(q.match(q.index("ts_only")), size=2)
    assert page["data"] == [t1, t2]
    assert page["after"] == [t3, R(3)]


def test_given_two_value_index_when_ranging_with_scalar_bounds_then_prefix_inclusive(fauna):
    # driver test_query.py::test_range, core RangeSet.scala: a scalar bound is a one-element prefix; inclusive on both
    # ends over [n, ref] tuples.
    fauna.collection(C)
    fauna.index("by_n_ref", C, values=[{"field": ["data", "n"]}, {"field": "ref"}])
    fauna.q(q.do(*[q.create(q.ref(q.collection(C), str(i)), {"data": {"n": i % 4}}) for i in range(1, 9)]))
    rows = fauna.all_of(q.range(q.match(q.index("by_n_ref")), 1, 2))
    assert rows == [[1, R(1)], [1, R(5)], [2, R(2)], [2, R(6)]]


def test_given_single_term_index_when_matching_with_scalar_or_one_element_array_then_same_set(fauna):
    # core ast/Parser.scala "match"+"terms": terms are Casts.ZeroOrMore(MatchTerm), a scalar is one term.
    fauna.collection(C)
    fauna.index("by_k", C, terms=[{"field": ["data", "k"]}])
    fauna.create(C, {"k": "a"}, doc_id="1")
    fauna.create(C, {"k": "b"}, doc_id="2")
    assert fauna.all_of(q.match(q.index("by_k"), "a")) == fauna.all_of(q.match(q.index("by_k"), ["a"])) == [R(1)]


def test_given_match_sets_when_get_and_exists_then_first_element_or_404_set_not_found(fauna):
    # core ReadAdaptor.getSet / exists(set): Get(set) reads the set's first element; an empty set ->
    # InstanceNotFound(Left(set)) rendered "Set not found." (Renderable.scala); Exists(set) -> false.
    from faunadb.errors import NotFound

    fauna.collection(C)
    fauna.index("by_k", C, terms=[{"field": ["data", "k"]}])
    fauna.create(C, {"k": "a", "v": 1}, doc_id="1")
    assert fauna.q(q.select(["data", "v"], q.get(q.match(q.index("by_k"), "a")))) == 1
    assert fauna.q([q.exists(q.match(q.index("by_k"), "a")), q.exists(q.match(q.index("by_k"), "zz"))]) == [True, False]
    err = fauna.raises(q.get(q.match(q.index("by_k"), "zz")), NotFound)
    assert (err.errors[0].code, err.errors[0].description) == ("instance not found", "Set not found.")


def test_given_five_rows_at_one_ts_when_walking_the_range_in_pages_of_2_then_each_row_once(ts_index):
    # core IndexTuple.scala: cursor [ts, Ref, Ref] distinguishes rows sharing a ts; after inclusive
    # (PaginateFunction.scala).
    ts = ts_index.create_many(C, ["50", "10", "40", "20", "30"])["ts"]
    seen, cursor = [], None
    for _ in range(10):
        kwargs = {"size": 2}
        if cursor is not None:
            kwargs["after"] = cursor
        page = ts_index.page(_range([], []), **kwargs)
        seen.extend(page["data"])
        if "after" not in page:
            break
        assert page["after"] != cursor, "cursor loop"
        cursor = page["after"]
    assert seen == [[ts, R(i)] for i in (10, 20, 30, 40, 50)]


def test_given_driver_page_iterator_when_iterating_a_match_set_then_all_refs_in_order(fauna):
    # driver tests/test_page.py::test_set_iterator: Page.set_iterator(client, set, page_size=1) == [a, b];
    # with map_lambda it yields the mapped values.
    from faunadb.page import Page

    fauna.collection("gadgets")
    idx = fauna.index("gadgets_by_n", "gadgets", terms=[{"field": ["data", "n"]}], active=True)["ref"]
    a = fauna.create("gadgets", {"n": 0})["ref"]
    fauna.create("gadgets", {"n": 1})
    b = fauna.create("gadgets", {"n": 0})["ref"]
    gadgets = q.match(idx, 0)
    assert list(Page.set_iterator(fauna.client, gadgets, page_size=1)) == [a, b]
    mapped = Page.set_iterator(fauna.client, gadgets, map_lambda=lambda r: q.select(["data", "n"], q.get(r)))
    assert list(mapped) == [0, 0]


def test_given_range_page_when_mapped_with_a_destructuring_lambda_then_documents_for_each_row(ts_index):
    # core Expression.scala fromIndexTerms: Range elements over [ts, ref] are [ts, Ref] pairs (hence a two-name
    # lambda or Select(1, x)); Map over a page keeps the cursors (core ArrayFunctions.scala).
    t1, t2, t3 = _three_separate(ts_index)
    page = ts_index.q(
        q.map_(
            q.lambda_(["ts", "r"], [q.var("ts"), q.select(["data", "n"], q.get(q.var("r")))]),
            q.paginate(_range([t2], []), size=1),
        )
    )
    assert page == {"after": [t3, R(3), R(3)], "data": [[t2, 2]]}


def test_given_docs_without_the_term_field_when_matching_null_on_a_single_term_index_then_elided(fauna):
    # core api/IndexSpec.scala "single-term indexes elide null values": Match(idx, null) finds nothing.
    fauna.collection(C)
    fauna.index("by_p1", C, terms=[{"field": ["data", "p1"]}], active=True)
    fauna.create(C, {"p1": {"x": "y"}}, doc_id="1")  # the spec's document: an object is not indexable
    fauna.create(C, {"p1": "x"}, doc_id="2")
    assert fauna.all_of(q.match(q.index("by_p1"), None)) == []
    assert fauna.all_of(q.match(q.index("by_p1"), "x")) == [R(2)]


def test_given_partly_null_terms_on_a_two_term_index_when_matching_then_included_unless_all_null(fauna):
    # core api/IndexSpec.scala "multi-term indexes include null values" ([null, 2] matches) and
    # "multi-term indexes elide entirely null values".
    fauna.collection(C)
    fauna.index("by_p1_p2", C, terms=[{"field": ["data", "p1"]}, {"field": ["data", "p2"]}], active=True)
    fauna.create(C, {"p1": [{"x": "y"}, 1], "p2": 2}, doc_id="1")  # the spec's documents
    fauna.create(C, {"p1": {}, "p2": {}}, doc_id="2")
    assert fauna.all_of(q.match(q.index("by_p1_p2"), [None, 2])) == [R(1)]
    assert fauna.all_of(q.match(q.index("by_p1_p2"), [None, None])) == []


def test_given_at_a_past_ts_when_ranging_then_the_index_is_read_as_it_was(ts_index):
    # Fauna v4 docs functions/at (reads inside At see the database, indexes included, as of that time);
    # an update moves the entry (core queries/IndexSpec.scala "multiple modifications to single doc"), a delete
    # removes it -- but not in the past.
    t1, t2, t3 = _three_separate(ts_index)
    t1_new = ts_index.q(q.update(q.ref(q.collection(C), "1"), {"data": {"n": 10}}))["ts"]
    ts_index.q(q.delete(q.ref(q.collection(C), "2")))
    assert ts_index.all_of(_range([], [])) == [[t3, R(3)], [t1_new, R(1)]]
    assert ts_index.q(q.select("data", q.at(t3, q.paginate(_range([], []))))) == [[t1, R(1)], [t2, R(2)], [t3, R(3)]]
    assert ts_index.q(q.select("data", q.paginate(q.documents(q.collection(C)), ts=t3))) == [R(1), R(2), R(3)]
