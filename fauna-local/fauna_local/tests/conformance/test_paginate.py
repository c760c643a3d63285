"""Paginate over Documents, Collections and Indexes: cursors, page sizes, order, snapshots.

Sources: core `ext/model/src/main/scala/ast/functions/PaginateFunction.scala`, `ReadAdaptor.scala`,
`ext/storage/src/main/scala/index/IndexTuple.scala`, `ext/atoms/src/main/scala/DocID.scala`; driver
`tests/test_query.py::test_paginate`; core
`ext/api/src/test/scala/helpers/SetSpec.scala` (ascending/descending page walks);
core `ext/api/src/test/scala/queries/BasicFunctionsSpec.scala` ("invalid refs on cursors");
core `ext/api/src/test/scala/queries/IndexSpec.scala` ("paginates all indexes").
"""

import pytest
from faunadb import query as q
from faunadb.errors import BadRequest

from .conftest import coll_ref, doc_ref, error_fields, index_ref

C = "things"


def R(i):
    return doc_ref(C, i)


@pytest.fixture
def three(fauna):
    fauna.collection(C)
    fauna.create_many(C, ["1", "2", "3"])
    return fauna


def test_given_three_docs_when_first_page_of_size_1_then_after_is_first_ref_of_next_page_and_before_absent(three):
    # core PaginateFunction.scala, IndexTuple.scala: cursor = [Ref]; `after` = first element
    # of the next page; first page has no `before` key at all (never null).
    page = three.page(q.documents(q.collection(C)), size=1)
    assert page["data"] == [R(1)]
    assert page["after"] == [R(2)]
    assert "before" not in page


def test_given_after_cursor_when_paginating_then_after_is_inclusive_and_before_is_the_cursor_sent(three):
    # driver tests/test_query.py::test_paginate: page2 = paginate(after=page1["after"]) yields refs[1];
    # core PaginateFunction.scala: after inclusive, the returned `before` on an ascending page is the cursor that was
    # sent.
    page = three.page(q.documents(q.collection(C)), size=1, after=[R(2)])
    assert page["data"] == [R(2)]
    assert page["before"] == [R(2)]
    assert page["after"] == [R(3)]


def test_given_last_page_when_paginating_then_after_key_is_absent_not_null(three):
    # core PaginateFunction.scala: absent cursor = absent key; `"after": null` would make an `"after" in page` loop
    # spin.
    page = three.page(q.documents(q.collection(C)), size=1, after=[R(3)])
    assert page["data"] == [R(3)]
    assert "after" not in page
    whole = three.page(q.documents(q.collection(C)))
    assert whole == {"data": [R(1), R(2), R(3)]}


def test_given_a_cursor_loop_when_following_after_until_absent_then_every_doc_is_seen_once(three):
    # core SetSpec.collectRefs: follow the cursor until the key is missing; a repeated cursor is a loop.
    seen, cursor = [], None
    for _ in range(10):
        kwargs = {"size": 2}
        if cursor is not None:
            kwargs["after"] = cursor
        page = three.page(q.documents(q.collection(C)), **kwargs)
        seen.extend(page["data"])
        if "after" not in page:
            break
        assert page["after"] != cursor, "cursor loop"
        cursor = page["after"]
    assert seen == [R(1), R(2), R(3)]


def test_given_before_cursor_when_paginating_then_before_is_exclusive_and_data_stays_ascending(three):
    # core PaginateFunction.scala, helpers/SetSpec.scala: `before` is exclusive and `data` is always ascending; core
    # EventSpec ("do not render the root ref"): on a page requested with `before`, the returned `after` is the cursor
    # that was sent.
    page = three.page(q.documents(q.collection(C)), size=1, before=[R(3)])
    assert page["data"] == [R(2)]
    assert page["after"] == [R(3)]
    assert page["before"] == [R(2)]
    first = three.page(q.documents(q.collection(C)), size=1, before=[R(2)])
    assert first["data"] == [R(1)]
    assert "before" not in first


def test_given_five_docs_when_walking_backwards_from_null_then_pages_cover_all_descending(fauna):
    # core SetSpec.collDescending: start with a `before: null` cursor (max) and follow `before` until absent;
    # pageDescending: each page is ascending, pages come from the end.
    from faunadb.objects import _Expr

    fauna.collection(C)
    fauna.create_many(C, ["1", "2", "3", "4", "5"])
    pages, cursor = [], None
    for _ in range(10):
        expr = _Expr({"paginate": q.documents(q.collection(C)), "size": 2, "before": cursor})
        page = fauna.q(expr)
        pages.append(page["data"])
        if "before" not in page:
            break
        cursor = page["before"]
    assert pages == [[R(4), R(5)], [R(2), R(3)], [R(1)]]


def test_given_70_docs_when_size_not_given_then_page_holds_64(fauna):
    # default page size 64 (fauna.repo.DefaultPageSize, core ext/repo/src/main/scala/package.scala).
    fauna.collection(C)
    fauna.create_many(C, [str(i) for i in range(1, 71)])
    page = fauna.page(q.documents(q.collection(C)))
    assert len(page["data"]) == 64
    assert page["after"] == [R(65)]


def test_given_size_above_max_when_paginating_then_it_is_capped_not_rejected(three):
    # core ReadAdaptor.MaxPageSize = 100_000; larger values are silently capped (no error).
    page = three.page(q.documents(q.collection(C)), size=250000)
    assert page == {"data": [R(1), R(2), R(3)]}


def test_given_size_0_with_after_cursor_when_paginating_then_no_data_and_the_cursor_is_returned(three):
    # core PaginateFunction.scala: size 0 returns the passed cursor as the next cursor.
    page = three.page(q.documents(q.collection(C)), size=0, after=[R(2)])
    assert page["data"] == []
    assert page["after"] == [R(2)]


@pytest.mark.parametrize(
    "ids, expected",
    [
        (["100", "9", "10"], ["9", "10", "100"]),
        (["2", "11", "1000000000000000000", "300"], ["2", "11", "300", "1000000000000000000"]),
    ],
    ids=["9<10<100", "long-ids"],
)
def test_given_numeric_ids_when_paginating_documents_then_order_is_numeric_not_lexicographic(fauna, ids, expected):
    # DocID.compare on subID.toLong (core ext/atoms/src/main/scala/DocID.scala).
    fauna.collection(C)
    for i in ids:  # separate transactions, created out of order
        fauna.create(C, {}, doc_id=i)
    assert fauna.all_of(q.documents(q.collection(C))) == [R(i) for i in expected]


def test_given_deleted_doc_when_paginating_documents_then_it_is_gone(three):
    # a deleted document leaves Documents and every index (driver test_query.py::test_delete: Exists -> false).
    three.q(q.delete(q.ref(q.collection(C), "2")))
    assert three.all_of(q.documents(q.collection(C))) == [R(1), R(3)]


def test_given_paginate_ts_when_reading_then_the_set_is_seen_as_of_that_time(fauna):
    # Parser.scala: paginate accepts `ts`; Fauna v4 docs functions/paginate: "ts: return the result set at
    # the specified point in time".
    fauna.collection(C)
    first = fauna.create(C, {}, doc_id="1")
    fauna.create(C, {}, doc_id="2")
    page = fauna.page(q.documents(q.collection(C)), ts=first["ts"])
    assert page["data"] == [R(1)]


def test_given_map_over_a_page_when_evaluated_then_cursors_are_kept_and_only_data_is_transformed(three):
    # core ArrayFunctions.scala: Map over a page keeps before/after.
    page = three.q(
        q.map_(
            q.lambda_("r", q.select(["data", "i"], q.get(q.var("r")))),
            q.paginate(q.documents(q.collection(C)), size=1, after=[R(2)]),
        )
    )
    assert page == {"before": [R(2)], "after": [R(3)], "data": ["2"]}


def test_given_filter_rejecting_all_when_evaluated_then_data_is_empty_and_after_is_kept(three):
    # core ArrayFunctions.scala: a filtered page can have empty `data` and still an `after`.
    page = three.q(
        q.filter_(
            q.lambda_("r", q.equals(q.select(["id"], q.var("r")), "nope")),
            q.paginate(q.documents(q.collection(C)), size=1),
        )
    )
    assert page == {"after": [R(2)], "data": []}


def test_given_sources_true_when_paginating_then_each_element_names_its_source_set(three):
    # driver tests/test_query.py::test_paginate (sources=True -> {"sources": [SetRef], "value": ref}).
    from faunadb.objects import SetRef

    page = three.page(q.documents(q.collection(C)), size=1, sources=True)
    assert page["data"] == [{"sources": [SetRef({"documents": coll_ref(C)})], "value": R(1)}]


def test_given_unknown_paginate_argument_when_queried_then_400_invalid_expression(three):
    # core ast/Parser.scala key sets: anything but after|before|cursor, ts, size, events, sources -> 400
    # invalid expression.
    from faunadb.objects import _Expr

    err = three.raises(_Expr({"paginate": q.documents(q.collection(C)), "page_size": 2}), BadRequest)
    assert error_fields(err)[0] == "invalid expression"


@pytest.mark.parametrize("side", ["after", "before"])
def test_given_cursor_naming_undefined_collection_when_paginating_then_400_invalid_ref_at_cursor(fauna, side):
    # core BasicFunctionsSpec "invalid refs on cursors": Paginate(Collections, After(Collection("foo"))) ->
    # "invalid ref", "Ref refers to undefined class 'foo'" at ["after"] (API 2.0 names it "class"; from
    # API 2.7 on the name is "collection", core Renderable.scala encodeErrors colname).
    err = fauna.raises(q.paginate(q.collections(), **{side: q.collection("foo")}), BadRequest)
    assert error_fields(err) == ("invalid ref", "Ref refers to undefined collection 'foo'", [side])


def test_given_collections_created_out_of_alphabetical_order_when_paginating_then_creation_order(fauna):
    # Collections()/Indexes() page in internal-ID order = creation order (WriteAdaptor
    # nextSequentialID); cursor [Ref(name, Ref("collections"))].
    for name in ["zeta", "alpha", "mid"]:
        fauna.collection(name)
    assert fauna.all_of(q.collections()) == [coll_ref("zeta"), coll_ref("alpha"), coll_ref("mid")]
    page = fauna.page(q.collections(), size=1)
    assert page["after"] == [coll_ref("alpha")]


def test_given_indexes_spells_novels_poems_when_paginating_indexes_then_creation_order(fauna):
    # core queries/IndexSpec.scala "paginates all indexes": data == [spells, novels, poems] (creation order).
    fauna.collection("cls")
    fauna.collection("cls2")
    fauna.index("spells", "cls")
    fauna.index("novels", "cls")
    fauna.index("poems", "cls2")
    assert fauna.page(q.indexes()) == {"data": [index_ref("spells"), index_ref("novels"), index_ref("poems")]}


@pytest.mark.parametrize(
    "cursor, expected",
    [
        ({"after": [R(2)]}, {"before": [R(2)], "data": [R(2), R(3)]}),
        ({"before": [R(3)]}, {"after": [R(3)], "data": [R(1), R(2)]}),
    ],
    ids=["after", "before"],
)
def test_given_cursor_object_argument_when_paginating_then_same_as_after_or_before(three, cursor, expected):
    # core ast/Parser.scala "paginate"+"cursor" (PaginateFunction.PaginateCursor, CursorParser.parseCursorObj):
    # {"after": c} pages forward from c inclusive, {"before": c} backward from c exclusive.
    from faunadb.objects import _Expr

    page = three.q(_Expr({"paginate": q.documents(q.collection(C)), "cursor": cursor}))
    assert page == expected


def test_given_cursor_object_without_before_or_after_when_paginating_then_400_invalid_argument(three):
    # ast/Error.scala InvalidCursorObject (InvalidArgumentError); Renderable.scala: "Invalid cursor object.
    # Expected an object with either 'before' or 'after' key in it.".
    from faunadb.objects import _Expr

    err = three.raises(_Expr({"paginate": q.documents(q.collection(C)), "cursor": {"sideways": [R(1)]}}), BadRequest)
    assert error_fields(err)[:2] == (
        "invalid argument",
        "Invalid cursor object. Expected an object with either 'before' or 'after' key in it.",
    )


def test_given_after_cursor_on_a_deleted_doc_when_paginating_then_it_is_a_position_not_a_lookup(three):
    # ReadAdaptor.scala PaginateImpl: a cursor is a position in the set (elements before it are dropped);
    # it need not name a live document.
    three.q(q.delete(q.ref(q.collection(C), "2")))
    page = three.page(q.documents(q.collection(C)), after=[R(2)])
    assert page == {"before": [R(2)], "data": [R(3)]}


def test_given_after_cursor_past_the_end_when_paginating_then_empty_page_without_after(three):
    # ReadAdaptor.scala PaginateImpl: no element at index `size` -> no next cursor; `before` = the cursor sent.
    page = three.page(q.documents(q.collection(C)), after=[R(99)])
    assert page == {"before": [R(99)], "data": []}


def test_given_a_ref_when_paginated_with_events_then_document_events(three):
    # PaginateFunction.toEventSet: a Ref is paginated as its document set; with events=true its history
    # (core EventSpec "instance events": Paginate(ref, events = true)); v4 actions create/update/delete.
    three.q(q.update(q.ref(q.collection(C), "1"), {"data": {"x": 1}}))
    evs = three.q(q.paginate(q.ref(q.collection(C), "1"), events=True))["data"]
    assert [(e["action"], e["document"]) for e in evs] == [("create", R(1)), ("update", R(1))]


def test_given_singleton_set_when_paginated_then_the_ref_while_it_exists(three):
    # driver test_query.py::test_singleton_events uses Singleton(ref); as a plain set it holds the live ref.
    assert three.q(q.paginate(q.singleton(q.ref(q.collection(C), "1")))) == {"data": [R(1)]}
    three.q(q.delete(q.ref(q.collection(C), "1")))
    assert three.q(q.paginate(q.singleton(q.ref(q.collection(C), "1")))) == {"data": []}


def test_given_a_bare_ref_as_after_cursor_when_paginating_then_it_acts_as_one_element_array(three):
    # Parser.scala CursorParser.parseArray: the cursor is cast with ZeroOrMore(Any), so a scalar is a
    # one-element cursor; core BasicFunctionsSpec "page contains indexes, 'before', 'after'":
    # Paginate(set, After(2), size = 2) -> Select(["before", 0], page) == 2 (the echo is an array).
    page = three.page(q.documents(q.collection(C)), size=1, after=q.ref(q.collection(C), "2"))
    assert page["data"] == [R(2)]
    assert page["before"] == [R(2)]
    assert page["after"] == [R(3)]
