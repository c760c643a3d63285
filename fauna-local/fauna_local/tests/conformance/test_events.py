"""Event sets: set events (add/remove), document events (create/update/delete), event cursors.

Sources: core `Renderable.scala` SetEventL/DocEventL, `ast/Parser.scala` CursorParser.parseEvent /
EventCursors, `ext/storage/src/main/scala/Event.scala` SetEvent.ord;
core `ext/api/src/test/scala/queries/EventSpec.scala`; core `ext/api/src/test/scala/helpers/SetSpec.scala`
(normalizeEvents: history compressed to transitions); core `queries/IndexSpec.scala` ("multiple
modifications to single doc doesn't mess with index events"); driver `tests/test_query.py::test_events`,
`test_singleton_events`.
"""

import pytest
from faunadb import query as q
from faunadb.errors import BadRequest
from faunadb.objects import SetRef, _Expr

from .conftest import doc_ref, error_fields

C = "people"


def R(i):
    return doc_ref(C, i)


def ref(i):
    return q.ref(q.collection(C), str(i))


def docs_set():
    return q.documents(q.collection(C))


def events_of(fauna, set_expr, **kwargs):
    return fauna.q(q.paginate(set_expr, events=True, size=1000, **kwargs))["data"]


@pytest.fixture
def history(fauna):
    """create 1, update 1, create 2, delete 1 -- four transactions."""
    fauna.collection(C)
    t_c1 = fauna.create(C, {"name": "a"}, doc_id="1")["ts"]
    t_u1 = fauna.q(q.update(ref(1), {"data": {"name": "b"}}))["ts"]
    t_c2 = fauna.create(C, {"name": "c"}, doc_id="2")["ts"]
    # The delete's own ts comes from X-Txn-Time: what Delete returns is not relied upon here.
    t_d1 = fauna.commit_ts(q.delete(ref(1)))
    fauna.ts = {"c1": t_c1, "u1": t_u1, "c2": t_c2, "d1": t_d1}
    return fauna


def test_given_documents_history_when_paginating_events_then_add_and_remove_only_keyed_document(history):
    # core Renderable.scala SetEventL, queries/EventSpec.scala: set events are add/remove with key `document` (not
    # resource/instance); updates produce none on Documents (SetSpec.normalizeEvents compresses history to
    # transitions); Documents events carry no `data`.
    t = history.ts
    assert events_of(history, docs_set()) == [
        {"ts": t["c1"], "action": "add", "document": R(1)},
        {"ts": t["c2"], "action": "add", "document": R(2)},
        {"ts": t["d1"], "action": "remove", "document": R(1)},
    ]


def test_given_events_flag_when_compared_to_events_function_then_same_page(history):
    # core PaginateFunction.scala toEventSet: Paginate(Documents(c), events=true) == Paginate(Events(Documents(c))).
    a = history.q(q.paginate(docs_set(), events=True))
    b = history.q(q.paginate(q.events(docs_set())))
    assert a == b


def test_given_document_history_when_paginating_events_of_ref_then_create_update_delete_with_diffs(history):
    # core EventSpec (EventV21Spec "instance events"): create carries full data, update only the changed
    # fields, delete `null`; driver test_query.py::test_events: v4 key is `document`.
    t = history.ts
    assert history.q(q.paginate(q.events(ref(1))))["data"] == [
        {"ts": t["c1"], "action": "create", "document": R(1), "data": {"name": "a"}},
        {"ts": t["u1"], "action": "update", "document": R(1), "data": {"name": "b"}},
        {"ts": t["d1"], "action": "delete", "document": R(1), "data": None},
    ]


def test_given_update_of_unchanged_and_changed_fields_when_reading_doc_events_then_update_has_only_changes(fauna):
    # core EventSpec "instance events": data {foo: bar, buzz: bing} updated with {foo: baz} -> update
    # event data {foo: baz} only.
    fauna.collection(C)
    fauna.create(C, {"foo": "bar", "buzz": "bing"}, doc_id="1")
    fauna.q(q.update(ref(1), {"data": {"foo": "baz"}}))
    evs = fauna.q(q.paginate(q.events(ref(1))))["data"]
    assert [e["action"] for e in evs] == ["create", "update"]
    assert evs[0]["data"] == {"foo": "bar", "buzz": "bing"}
    assert evs[1]["data"] == {"foo": "baz"}


def test_given_singleton_history_when_paginating_events_then_add_and_remove(history):
    # driver test_query.py::test_singleton_events: create, update, delete -> add, remove.
    evs = history.q(q.paginate(q.events(q.singleton(ref(1)))))["data"]
    assert [(e["action"], e["document"]) for e in evs] == [("add", R(1)), ("remove", R(1))]


def test_given_doc_moving_out_of_a_match_set_when_reading_match_events_then_add_then_remove(fauna):
    # core EventSpec (EventV21Spec "set events"): create foo=bar, update foo=baz ->
    # Events(Match(idx, "bar")) = [add, remove].
    fauna.collection(C)
    fauna.index("by_foo", C, terms=[{"field": ["data", "foo"]}])
    fauna.create(C, {"foo": "bar"}, doc_id="1")
    fauna.q(q.update(ref(1), {"data": {"foo": "baz"}}))
    evs = fauna.q(q.paginate(q.events(q.match(q.index("by_foo"), "bar"))))["data"]
    assert [(e["action"], e["document"]) for e in evs] == [("add", R(1)), ("remove", R(1))]
    # Renderable.scala SetEventL: `data` only when the index covers values (this one has none).
    assert all(set(e) == {"ts", "action", "document"} for e in evs)


def test_given_index_with_values_when_value_changes_then_events_are_add_remove_add_with_data(fauna):
    # core queries/IndexSpec.scala "multiple modifications to single doc": add v1, remove v1, add v2;
    # core Renderable.scala SetEventL: set events over an index with values carry "data": [values...].
    fauna.collection(C)
    fauna.index("my_index", C, terms=[{"field": ["data", "t"]}], values=[{"field": ["data", "v"], "reverse": True}], active=True)
    fauna.create(C, {"t": "t1", "v": "v1"}, doc_id="1")
    fauna.q(q.update(ref(1), {"data": {"v": "v2"}}))
    evs = fauna.q(q.paginate(q.events(q.match(q.index("my_index"), "t1")), size=10))["data"]
    assert [(e["action"], e["data"]) for e in evs] == [("add", ["v1"]), ("remove", ["v1"]), ("add", ["v2"])]
    # Two updates in one transaction that end where they started add no events.
    fauna.q(q.do(q.update(ref(1), {"data": {"v": "v3"}}), q.update(ref(1), {"data": {"v": "v2"}})))
    again = fauna.q(q.paginate(q.events(q.match(q.index("my_index"), "t1")), size=10))["data"]
    assert again == evs


def test_given_deleted_and_recreated_id_when_reading_documents_events_then_add_remove_add(fauna):
    # core SetSpec.normalizeEvents: re-creating a deleted ID yields another add.
    fauna.collection(C)
    fauna.create(C, {}, doc_id="5")
    fauna.q(q.delete(ref(5)))
    fauna.create(C, {}, doc_id="5")
    assert [e["action"] for e in events_of(fauna, docs_set())] == ["add", "remove", "add"]


def test_given_integer_after_cursor_when_reading_events_then_all_events_at_that_ts_are_included(history):
    # core Parser.scala parseEvent: an integer cursor = SetEvent(ts, MinDocID, Add), inclusive of
    # every event at that ts; core EventSpec: After(inst.ts) still returns the create.
    t = history.ts
    evs = events_of(history, docs_set(), after=t["c2"])
    assert [(e["action"], e["document"]) for e in evs] == [("add", R(2)), ("remove", R(1))]


@pytest.mark.parametrize("action", ["add", "remove"])
def test_given_ts_action_cursor_when_reading_events_then_events_at_that_ts_are_excluded(history, action):
    # core Parser.scala EventCursors: {ts, action} without a ref defaults the ref to DocID.MaxValue,
    # so the cursor sorts after every event at exactly ts.
    t = history.ts
    evs = events_of(history, docs_set(), after={"ts": t["c2"], "action": action})
    assert [(e["action"], e["document"]) for e in evs] == [("remove", R(1))]


def test_given_ts_action_document_cursor_when_reading_events_then_resumes_inside_the_ts_inclusive(fauna):
    # core Parser.scala EventCursors: {ts, action, document} resumes inside ts from that ref, inclusive; order within
    # one ts is by doc ID (Event.scala SetEvent.ord).
    fauna.collection(C)
    ts = fauna.create_many(C, ["1", "2", "3"])["ts"]
    evs = events_of(fauna, docs_set(), after={"ts": ts, "action": "add", "document": R(2)})
    assert [(e["action"], e["document"]) for e in evs] == [("add", R(2)), ("add", R(3))]


def test_given_event_pages_of_size_1_when_following_returned_after_then_every_event_once(history):
    # core Renderable.scala SetEventL: the returned `after` is {ts, action, document}; sent back through the driver it
    # becomes {"object": {...}} and is accepted; core SetSpec.collectEvents walks pages until `after` is absent.
    full = events_of(history, docs_set())
    seen, cursor = [], None
    for _ in range(10):
        kwargs = {"events": True, "size": 1}
        if cursor is not None:
            kwargs["after"] = cursor
        page = history.q(q.paginate(docs_set(), **kwargs))
        seen.extend(page["data"])
        if "after" not in page:
            break
        assert set(page["after"]) == {"ts", "action", "document"}
        cursor = page["after"]
    assert seen == full


def test_given_before_cursor_as_integer_when_reading_events_then_after_has_that_ts_and_no_document(history):
    # core EventSpec ("do not render the root ref"): Paginate(set, before=123456789, events) ->
    # after.ts == 123456789 and no ref key in the cursor.
    page = history.q(q.paginate(docs_set(), events=True, before=123456789))
    assert page["data"] == []
    assert page["after"]["ts"] == 123456789
    assert "document" not in page["after"]


@pytest.mark.parametrize(
    "cursor",
    [{"ts": 1, "foo": 2}, {"action": "add"}, {"ts": 1, "action": "add", "ref": None}],
    ids=["ts+foo", "action-only", "ts+action+ref"],
)
def test_given_event_cursor_with_unknown_keys_when_reading_events_then_400_invalid_argument(history, cursor):
    # core Parser.scala EventCursors, Error.scala InvalidEventCursorForm: any other key set -> 400
    # invalid argument "Cannot create event cursor with keys ...".
    err = history.raises(q.paginate(docs_set(), events=True, after=cursor), BadRequest)
    code, description, _ = error_fields(err)
    assert code == "invalid argument"
    assert description.startswith("Cannot create event cursor with keys ")


def test_given_events_of_a_ref_when_not_paginated_then_result_is_a_set_ref(history):
    # core EventSpec: runQuery(Events(ref)) == SetRef(Events(ref)).
    assert history.q(q.events(ref(1))) == SetRef({"events": R(1)})


def test_given_several_docs_in_one_transaction_when_reading_events_then_ordered_by_ts_then_numeric_id(fauna):
    # core Event.scala SetEvent.ord: order is ascending by ts, then doc ID (numeric, DocID.scala), then action.
    fauna.collection(C)
    ts1 = fauna.create_many(C, ["100", "9", "20"])["ts"]
    ts2 = fauna.create_many(C, ["3"])["ts"]
    evs = events_of(fauna, docs_set())
    assert [(e["ts"], e["document"]) for e in evs] == [(ts1, R(9)), (ts1, R(20)), (ts1, R(100)), (ts2, R(3))]


def test_given_events_when_walking_backwards_with_before_cursors_then_all_events_newest_page_first(history):
    # core SetSpec.collectEvents("before"): start from {ts: Long.MaxValue}, follow `before` until absent;
    # pages come newest first, each page ascending (PaginateFunction.scala: "Following backward pages will
    # paginate backward in time").
    full = events_of(history, docs_set())
    pages, cursor = [], {"ts": 2**63 - 1}
    for _ in range(10):
        page = history.q(q.paginate(docs_set(), events=True, size=2, before=cursor))
        pages.append(page["data"])
        if "before" not in page:
            break
        cursor = page["before"]
    assert pages == [full[1:3], full[0:1]]


def test_given_time_cursor_when_reading_events_then_same_as_the_integer_cursor(history):
    # Parser.scala parseEvent: LongL(ts) and TimeL(ts) both become SetEvent(ts, MinDocID, Add).
    from datetime import datetime, timezone

    from faunadb.objects import FaunaTime

    t = history.ts["c2"]
    as_time = FaunaTime(datetime.fromtimestamp(t // 1_000_000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (t % 1_000_000))
    assert events_of(history, docs_set(), after=as_time) == events_of(history, docs_set(), after=t)


def test_given_null_after_cursor_when_reading_events_then_nothing_after_max_time(history):
    # Parser.scala parseEvent: NullL -> SetEvent(Timestamp.MaxMicros, ...) (max time).
    page = history.q(_Expr({"paginate": docs_set(), "events": True, "after": None}))
    assert page["data"] == []


def test_given_many_events_at_one_ts_when_walking_with_size_1_then_each_event_once_and_before_echoes_cursor(fauna):
    # core Renderable.scala SetEventL: the returned `after` carries the document, so paging resumes inside one ts; core
    # ReadAdaptor.scala PaginateImpl: on an ascending page `before` is the cursor that was sent.
    fauna.collection(C)
    fauna.create_many(C, ["7", "3", "11", "5"])
    full = events_of(fauna, docs_set())
    assert [e["document"] for e in full] == [R(3), R(5), R(7), R(11)]
    seen, cursor = [], None
    for _ in range(10):
        kwargs = {"events": True, "size": 1}
        if cursor is not None:
            kwargs["after"] = cursor
        page = fauna.q(q.paginate(docs_set(), **kwargs))
        if cursor is not None:
            assert page["before"] == cursor
        seen.extend(page["data"])
        if "after" not in page:
            break
        assert page["after"] != cursor, "cursor loop"
        cursor = page["after"]
    assert seen == full


def test_given_filter_on_remove_actions_over_an_events_page_when_evaluated_then_only_removes(history):
    # the connector's deletion query, Filter(Lambda(x, Equals(Select(["action"], x), "remove")),
    # Paginate(..., events)); Filter over a page keeps the cursors (core ArrayFunctions.scala).
    t = history.ts
    page = history.q(
        q.filter_(
            q.lambda_("x", q.equals(q.select(["action"], q.var("x")), "remove")),
            q.paginate(docs_set(), events=True, size=2),
        )
    )
    assert page["data"] == []
    assert page["after"]["ts"] == t["d1"]
    nxt = history.q(
        q.filter_(
            q.lambda_("x", q.equals(q.select(["action"], q.var("x")), "remove")),
            q.paginate(docs_set(), events=True, size=2, after=page["after"]),
        )
    )
    assert nxt["data"] == [{"ts": t["d1"], "action": "remove", "document": R(1)}]


def test_given_an_events_page_when_selecting_inside_events_then_ts_action_and_document_parts(history):
    # core ReadAdaptor.valueAtPath (EventL): "ts", "action", "document" (and ["document", "id"]) are
    # selectable; core BasicFunctionsSpec "events contain 'ts', 'action', 'instance'".
    parts = history.q(
        q.map_(
            q.lambda_("e", [q.select("action", q.var("e")), q.select(["document", "id"], q.var("e"))]),
            q.select("data", q.paginate(docs_set(), events=True)),
        )
    )
    assert parts == [["add", "1"], ["add", "2"], ["remove", "1"]]


def test_given_index_with_values_when_walking_its_events_with_size_1_then_cursors_carry_data_and_are_accepted(fauna):
    # Renderable.scala: an events cursor over an index with values renders {ts, action, document, data};
    # core Parser.scala EventCursors accepts {ts, action, document, data}.
    fauna.collection(C)
    fauna.index("by_t_v", C, terms=[{"field": ["data", "t"]}], values=[{"field": ["data", "v"]}], active=True)
    fauna.create(C, {"t": "x", "v": 1}, doc_id="1")
    fauna.create(C, {"t": "x", "v": 2}, doc_id="2")
    fauna.q(q.update(ref(1), {"data": {"v": 3}}))
    evs_set = q.events(q.match(q.index("by_t_v"), "x"))
    full = fauna.q(q.paginate(evs_set, size=100))["data"]
    assert [(e["action"], e["data"]) for e in full] == [("add", [1]), ("add", [2]), ("remove", [1]), ("add", [3])]
    seen, cursor = [], None
    for _ in range(10):
        kwargs = {"size": 1}
        if cursor is not None:
            kwargs["after"] = cursor
        page = fauna.q(q.paginate(evs_set, **kwargs))
        seen.extend(page["data"])
        if "after" not in page:
            break
        assert set(page["after"]) == {"ts", "action", "document", "data"}
        cursor = page["after"]
    assert seen == full
