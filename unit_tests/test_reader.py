"""The page loops of one collection, against a scripted gateway.

These pin the loop logic (cursor following, window ends, retention guards, page shrinking);
integration_tests/ run the same reader against the local Fauna for real semantics.
"""

import json
from typing import Any, List

import pytest

from source_fauna.catalog import CollectionInfo
from source_fauna.config import CollectionSettings
from source_fauna.components import FaunaPaginator
from source_fauna.errors import PageTooLarge, config_error, system_error
from source_fauna.fauna_gateway import encode
from source_fauna.reader import CollectionReader
from source_fauna.wire import decode_document_page

TracedError = type(config_error("x"))
USERS = {"@ref": {"id": "users", "collection": {"@ref": {"id": "collections"}}}}
NOW = 1_700_000_000_000_000
DAY = 86_400_000_000


def ref(number):
    return {"@ref": {"id": str(number), "collection": USERS}}


def document(number, ts):
    return {"ref": ref(number), "ts": ts, "data": {"n": number}}


def event(number, ts, action="remove"):
    return {"ts": ts, "action": action, "document": ref(number)}


class ScriptedGateway:
    """Answers queries in order from a script; records what was asked, as wire JSON."""

    def __init__(self, answers: List[Any]) -> None:
        self.answers = list(answers)
        self.asked: List[Any] = []

    def query(self, expression, purpose):
        self.asked.append(json.loads(encode(expression)))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def query_documents(self, expression, purpose):
        # Through the real typed decoder, as the gateway does with Fauna's answer.
        return decode_document_page(json.dumps({"resource": self.query(expression, purpose)}).encode())


NO_ENTRY = {"data": []}


def opening(*index_pages, now=NOW, first_page=None):
    """The answer to a reader's first query (queries.opening): the node's time, the collection's first document,
    then the index's pages (its first entry, or the probe for changes)."""
    return [now, first_page or {"data": [document(1, 5)]}, *(index_pages or (NO_ENTRY,))]


def reader(gateway, history_days=30, deleted_at=None, clock=lambda: 0.0, index="users_ts"):
    info = CollectionInfo(name="users", history_days=history_days, ts_index=index)
    return CollectionReader(gateway, info, CollectionSettings(name="users", deleted_at_column=deleted_at), monotonic=clock)


def paginator(page_size=2):
    return FaunaPaginator(config={}, parameters={}, page_size=page_size)


def records(pages):
    return [record for page in pages for record in page.records]


def test_snapshot_follows_after_cursors_until_the_last_page():
    gateway = ScriptedGateway([opening(), {"data": [document(1, 5), document(2, 6)], "after": [ref(3)]}, {"data": [document(3, 7)]}])
    assert [r["ref"] for r in records(reader(gateway).snapshot_pages(paginator()))] == ["1", "2", "3"]
    assert gateway.asked[2]["expr"]["collection"]["after"] == [ref(3)]
    assert all(query["at"] == NOW for query in gateway.asked[1:])


def test_window_reads_removals_up_to_the_snapshot_then_changed_documents():
    gateway = ScriptedGateway(
        [
            opening({"data": [[12, ref(7)]]}, {"data": [event(9, 15, "add")]}),  # with the probe: changes at 12 and 15
            {"data": [], "after": {"ts": 15, "action": "add", "document": ref(9)}},  # a page filtered empty: follow its cursor
            {"data": [event(4, 15), event(5, 25)], "after": {"ts": 26, "action": "remove", "document": ref(6)}},  # 25 is past the window
            {"data": [document(7, 12)]},
        ]
    )
    got = records(reader(gateway, history_days=None, deleted_at="deleted_at").window_pages(paginator(), 10, 20))
    assert [(r["ref"], r["deleted_at"] is not None) for r in got] == [("4", True), ("7", False)]
    assert gateway.asked[1]["expr"]["collection"]["after"] == 10
    assert gateway.asked[2]["expr"]["collection"]["after"] == {"object": {"ts": 15, "action": "add", "document": ref(9)}}
    assert gateway.asked[3]["expr"]["collection"]["paginate"]["from"] == [10]


def test_safe_point_is_the_window_end_or_the_snapshot_whichever_is_earlier():
    subject = reader(ScriptedGateway([opening()]))
    assert subject.safe_point(NOW - 5) == NOW - 5
    assert subject.safe_point(NOW + 5) == NOW
    assert subject.safe_point(None) == NOW


def test_a_page_too_large_is_retried_at_half_the_size():
    gateway = ScriptedGateway([opening(), PageTooLarge("big"), {"data": [document(1, 5)]}])
    assert len(records(reader(gateway).snapshot_pages(paginator(64)))) == 1
    assert [query["expr"]["collection"]["size"] for query in gateway.asked[1:]] == [64, 32]


def test_a_cursor_that_does_not_move_fails_instead_of_looping():
    page = {"data": [document(1, 5)], "after": [ref(2)]}
    with pytest.raises(type(system_error("x"))):
        records(reader(ScriptedGateway([opening(), page, page, page])).snapshot_pages(paginator()))


def test_deletions_fail_when_the_saved_cursor_is_older_than_history_retention():
    with pytest.raises(TracedError) as raised:
        records(reader(ScriptedGateway([opening(NO_ENTRY, NO_ENTRY)]), history_days=1, deleted_at="deleted_at").window_pages(paginator(), NOW - 2 * DAY, NOW))
    assert "Refresh (reset) the stream 'users'" in raised.value.message


def test_deletions_with_history_kept_forever_read_from_any_cursor():
    gateway = ScriptedGateway([opening(NO_ENTRY, NO_ENTRY)])
    assert records(reader(gateway, history_days=None, deleted_at="deleted_at").window_pages(paginator(), 0, NOW)) == []


def test_windows_before_the_next_change_are_skipped_without_queries():
    gateway = ScriptedGateway([opening({"data": [[25, ref(1)]]}), {"data": [document(1, 25)]}, [{"data": []}]])
    subject = reader(gateway)
    assert records(subject.window_pages(paginator(), 0, 9)) == [] and records(subject.window_pages(paginator(), 10, 19)) == []
    assert len(gateway.asked) == 1, "the first query's probe answers both empty windows"
    assert [r["ref"] for r in records(subject.window_pages(paginator(), 20, 29))] == ["1"]
    assert records(subject.window_pages(paginator(), 30, 39)) == []  # a new probe: nothing after 30


def test_a_snapshot_older_than_history_retention_fails_clearly():
    times = iter([0.0, 0.0, 16 * 60.0])  # history_days 0 keeps 15 minutes
    gateway = ScriptedGateway([opening(), {"data": [document(1, 5)], "after": [ref(2)]}])
    with pytest.raises(TracedError) as raised:
        records(reader(gateway, history_days=0, clock=lambda: next(times)).snapshot_pages(paginator()))
    assert "history_days" in raised.value.message


def test_windows_need_the_ts_index():
    with pytest.raises(TracedError) as raised:
        records(reader(ScriptedGateway([]), index=None).window_pages(paginator(), 0, 1))
    assert "full refresh mode" in raised.value.message


def test_windows_of_one_collection_take_turns_in_ts_order_whatever_thread_comes_first():
    import threading as _threading

    from source_fauna.reader import WindowOrder

    order = WindowOrder(wait_seconds=5)
    entered = []

    def read(lower, upper):
        with order.turn(lower, upper, first_lower=0):
            entered.append(lower)

    threads = [_threading.Thread(target=read, args=(lower, lower + 9)) for lower in (20, 10, 0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert entered == [0, 10, 20]


def test_a_window_whose_predecessor_never_comes_goes_ahead_after_the_wait():
    from source_fauna.reader import WindowOrder

    order = WindowOrder(wait_seconds=0.05)
    with order.turn(10, 19, first_lower=0):  # window [0, 9] never arrives
        pass


def test_a_resumed_snapshot_reads_only_the_ranges_left_at_the_saved_time():
    saved = {"snapshot": {"at": NOW - DAY, "ranges": [[3, 5], [8, None]]}}
    gateway = ScriptedGateway([opening(), {"data": [document(3, 5), document(4, 6)]}, {"data": [document(8, 7), document(9, 7)]}])
    subject = reader(gateway)
    progress = subject.start_snapshot(saved)
    pages = list(subject.snapshot_pages(paginator(), progress, readers=1))
    assert [r["ref"] for r in records(pages)] == ["3", "4", "8", "9"]
    assert [query["expr"]["collection"]["after"] for query in gateway.asked[1:]] == [[ref(3)], [ref(8)]]
    assert all(query["at"] == NOW - DAY for query in gateway.asked[1:]), "the same snapshot time"
    assert [page.covered for page in pages] == [(3, 5), (8, None)]
    assert subject.safe_point(None) == NOW - DAY, "incremental reads take over from the snapshot's time"


def test_a_snapshot_older_than_the_history_starts_over_and_says_why(caplog):
    gateway = ScriptedGateway([opening(), {"data": [document(1, 5)]}])
    subject = reader(gateway, history_days=1)
    progress = subject.start_snapshot({"snapshot": {"at": NOW - 2 * DAY, "ranges": [[8, None]]}})
    assert (progress.at, progress.remaining) == (NOW, [(None, None)])
    assert "Starting the snapshot of collection 'users' over" in caplog.text
    assert [r["ref"] for r in records(subject.snapshot_pages(paginator(), progress))] == ["1"]


def test_a_garbled_snapshot_state_names_the_stream_and_says_to_reset_it():
    with pytest.raises(TracedError, match="stream 'users'.*Reset the stream"):
        reader(ScriptedGateway([])).start_snapshot({"snapshot": {"at": "soon"}})


def test_a_saved_cursor_moves_to_just_before_the_first_change_and_the_first_window_needs_no_probe():
    gateway = ScriptedGateway([opening({"data": [[25, ref(1)]]}), {"data": [document(1, 25)]}])
    subject = reader(gateway)
    assert subject.quiet_until(1) == 24
    assert [r["ref"] for r in records(subject.window_pages(paginator(), 25, 99))] == ["1"]
    assert len(gateway.asked) == 2, "the first query (with the probe), one page"


def test_a_saved_cursor_with_nothing_after_it_moves_to_the_snapshot_time_and_never_back():
    subject = reader(ScriptedGateway([opening(NO_ENTRY)]))
    assert subject.quiet_until(1) == NOW
    assert subject.quiet_until(NOW + 5) == NOW + 5


def test_an_incremental_read_with_nothing_changed_costs_one_query():
    gateway = ScriptedGateway([opening(NO_ENTRY)])
    subject = reader(gateway)
    cursor = subject.quiet_until(NOW - DAY)
    assert cursor == NOW
    assert records(subject.window_pages(paginator(), cursor, cursor + DAY)) == []
    (first,) = gateway.asked
    assert first[0] == {"to_micros": {"now": None}}, "the snapshot time"
    assert first[2]["paginate"]["range"] and first[2]["paginate"]["from"] == [NOW - DAY], "the probe from the saved cursor"
    assert first[1]["map"], "the first document: the access check"


def test_with_deletions_a_cursor_older_than_the_history_stays_so_that_its_window_fails():
    subject = reader(ScriptedGateway([opening(NO_ENTRY, NO_ENTRY)]), history_days=1, deleted_at="deleted_at")
    assert subject.quiet_until(NOW - 3 * DAY) == NOW - 3 * DAY
