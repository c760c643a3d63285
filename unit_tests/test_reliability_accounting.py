"""The reliability campaign's bookkeeping: what a destination holds, what a resume reads again, where the
secret shows. The campaign itself (`make campaign`) is not part of the test suite."""

import pytest

from reliability.accounting import Destination, Row, SyncReads, compare, count_secret, secret_forms
from reliability.connector import PlatformState

DELETED = "_ab_cdc_deleted_at"


def record(ref, ts, data=None, deleted=None):
    return {"ref": ref, "ts": ts, "data": data, DELETED: deleted}


def test_records_count_only_once_a_state_of_their_stream_commits_them():
    destination = Destination(DELETED)
    destination.receive("users", record("1", 10, {"v": 1}))
    destination.receive("orders", record("7", 10, {"v": 1}))
    destination.commit("users")
    destination.receive("users", record("2", 11, {"v": 1}))
    assert destination.discard_pending() == 2  # the killed attempt's orders/7 and users/2 came after their last state
    assert destination.live_rows() == {("users", "1"): Row(10, {"v": 1})}


def test_a_successful_attempt_delivers_everything_it_emitted():
    destination = Destination(DELETED)
    destination.receive("users", record("1", 10, {"v": 1}))
    destination.commit_all()
    assert set(destination.live_rows()) == {("users", "1")}


def test_the_newest_version_wins_and_a_deletion_removes_the_row():
    destination = Destination(DELETED)
    for item in [record("1", 20, {"v": 2}), record("1", 10, {"v": 1}), record("2", 10, {"v": 1}), record("2", 30, deleted="1970-01-01T00:00:00.00003Z")]:
        destination.receive("users", item)
    destination.commit("users")
    assert destination.live_rows() == {("users", "1"): Row(20, {"v": 2})}


def test_on_equal_ts_the_record_delivered_last_wins():
    destination = Destination(DELETED)
    destination.receive("users", record("1", 10, {"v": "first"}))
    destination.receive("users", record("1", 10, {"v": "second"}))
    destination.commit("users")
    assert destination.live_rows()[("users", "1")].data == {"v": "second"}


def test_compare_names_missing_stale_and_phantom_documents():
    truth = {("u", "1"): Row(10, {"v": 1}), ("u", "2"): Row(20, {"v": 2}), ("u", "3"): Row(30, {"v": 3}), ("u", "4"): Row(40, {"v": 4})}
    held = {("u", "1"): Row(10, {"v": 1}), ("u", "2"): Row(15, {"v": 2}), ("u", "3"): Row(30, {"v": "other"}), ("u", "9"): Row(5, {})}
    result = compare(held, truth)
    assert result.missing == [("u", "4")]
    assert sorted(result.stale) == [("u", "2"), ("u", "3")]
    assert result.phantom == [("u", "9")]
    assert result.lost == 3


def test_nothing_lost_when_the_destination_matches():
    truth = {("u", "1"): Row(10, {"v": 1})}
    assert compare(dict(truth), truth).lost == 0 and not compare(dict(truth), truth).phantom


def test_repeated_versions_are_counted_per_resume_not_for_the_first_attempt():
    reads = SyncReads()
    reads.add_attempt({("u", "1", 10), ("u", "2", 10)})
    reads.add_attempt(set())  # a resume that read nothing
    reads.add_attempt({("u", "2", 10), ("u", "3", 10), ("u", "1", 11)})  # u/1 at a new ts is not a repeat
    reads.add_attempt({("u", "1", 10), ("u", "3", 10)})
    assert reads.repeated_per_resume == [0, 1, 2]


def test_the_secret_is_found_raw_and_as_basic_credentials():
    secret = "fnSecretValue42"
    forms = secret_forms(secret)
    basic_header = "Authorization: Basic Zm5TZWNyZXRWYWx1ZTQyOg=="  # base64("fnSecretValue42:")
    assert count_secret([f"config {{'secret': '{secret}'}}", basic_header, "nothing here"], forms) == 2
    assert count_secret(["fnSecretValue4", "secret: **********"], forms) == 0


def test_the_platform_keeps_the_last_state_of_each_stream():
    platform = PlatformState()
    assert platform.as_input() is None

    def state(name, ts):
        return {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": {"ts": ts}}}

    for item in [state("users", 1), state("orders", 5), state("users", 2)]:
        platform.keep(item)
    assert sorted(platform.as_input(), key=lambda s: s["stream"]["stream_descriptor"]["name"]) == [state("orders", 5), state("users", 2)]
    with pytest.raises(ValueError, match="per-stream STATE"):
        platform.keep({"type": "GLOBAL", "global": {}})
