"""Checkpoints: an interrupted sync resumes from its last state, and memory stays bounded.

The local Fauna runs with its clock a week behind the test's, so the tests can move it forward
(`advance_clock`) to spread documents over many checkpoint windows of the `ts` cursor.
"""

import json
import subprocess
import sys
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from integration_tests.conftest import create_collection, create_documents

HOUR = 3600


def test_a_read_killed_after_its_kth_state_resumes_and_every_document_arrives(fauna, source):
    client = fauna.client()
    create_collection(client, "activity")
    create_documents(client, "activity", [{"batch": -1}])
    config = fauna.config(collection={"page_size": 3}, checkpoint_interval="PT1H")
    catalog = source.discover_catalog(config)
    state = source.run("read", config, catalog).last_state()

    expected = set()
    for batch in range(6):  # six batches, an hour apart: six windows with documents
        fauna.advance_clock(HOUR)
        expected |= {document["ref"].id() for document in create_documents(client, "activity", [{"batch": batch, "n": n} for n in range(5)])}

    interrupted = source.read_until_states(config, catalog, state, states=3)
    assert len(interrupted.states) == 3
    first_part = {record["ref"] for record in interrupted.records_of("activity")}
    resumed = source.run("read", config, catalog, interrupted.last_state())
    assert resumed.returncode == 0, resumed.errors
    second_part = [record["ref"] for record in resumed.records_of("activity")]

    assert first_part | set(second_part) >= expected, "every document arrives"
    boundary_ts = int(interrupted.last_state()[0]["stream"]["stream_state"]["ts"])
    repeated = first_part & set(second_part)
    assert all(record["ts"] == boundary_ts for record in resumed.records_of("activity") if record["ref"] in repeated), (
        "duplicates only at the boundary ts"
    )


PEAK_RSS = (
    "import resource, runpy, sys, atexit\n"
    "atexit.register(lambda: sys.stderr.write(f'PEAK_RSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'))\n"
    "sys.argv = ['source-fauna'] + sys.argv[1:]\n"
    "runpy.run_module('source_fauna.run', run_name='__main__')\n"
)


def test_a_large_collection_is_read_with_memory_bounded_by_the_page_size(fauna, source):
    client = fauna.client()
    create_collection(client, "big")
    total = 100_000
    for start in range(0, total, 5_000):
        client.query([q.create(q.collection("big"), {"data": {"n": n, "text": "x" * 200}}) for n in range(start, start + 5_000)])
    config = fauna.config(collection={"page_size": 1000})
    catalog = source.discover_catalog(config, "full_refresh")
    command = [sys.executable, "-c", PEAK_RSS] + source.command("read", config, catalog)[3:]
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    records = sum(1 for line in result.stdout.splitlines() if line.startswith('{"type":"RECORD"'))
    assert records == total
    peak_mb = int(result.stderr.split("PEAK_RSS_KB ")[1].split()[0]) / 1024
    # The CDK alone takes ~75 MB; a reader holding the collection would need several hundred more.
    assert peak_mb < 250, f"peak RSS {peak_mb:.0f} MB"


def _resume_after_kills(source, config, catalog, stream, kill_after):
    """Reads `stream` from no state, killed after each of the `kill_after`-th STATE messages in turn and resumed from the
    last state it emitted, then to the end; answers the refs of each attempt and the states of the killed ones."""
    attempts, states, state = [], [], None
    for states_before_kill in kill_after:
        interrupted = source.read_until_states(config, catalog, state, states=states_before_kill)
        assert len(interrupted.states) == states_before_kill, "the snapshot checkpoints as it goes"
        attempts.append([record["ref"] for record in interrupted.records_of(stream)])
        states.append(interrupted.last_state()[0]["stream"]["stream_state"])
        state = interrupted.last_state()
    finished = source.run("read", config, catalog, state)
    assert finished.returncode == 0, finished.errors
    attempts.append([record["ref"] for record in finished.records_of(stream)])
    return attempts, states, finished


def _repeated(attempts):
    return [len(set(earlier) & set(attempt)) for index, attempt in enumerate(attempts[1:], start=1) for earlier in [sum(attempts[:index], [])]]


def _snapshot_of(client, collection, total, index="default"):
    create_collection(client, collection, index=index)
    refs = set()
    for start in range(0, total, 1_000):
        refs |= {document["ref"].id() for document in create_documents(client, collection, [{"n": n} for n in range(start, min(total, start + 1_000))])}
    return refs


def test_a_first_sync_killed_mid_snapshot_resumes_it_and_rereads_at_most_a_page_per_reader(fauna, source):
    client = fauna.client()
    expected = _snapshot_of(client, "big", 5_000)
    page_size, readers = 100, 4
    config = fauna.config(collection={"page_size": page_size}, partitions_per_collection=readers)
    catalog = source.discover_catalog(config)

    attempts, states, finished = _resume_after_kills(source, config, catalog, "big", kill_after=[2, 7])

    assert all("ts" not in state and set(state["snapshot"]) == {"at", "ranges"} for state in states), "a snapshot in progress never looks finished"
    assert states[0]["snapshot"]["at"] == states[1]["snapshot"]["at"], "the resumed attempt reads the same snapshot"
    assert set(sum(attempts, [])) == expected, "no document is lost"
    assert all(repeats <= readers * page_size for repeats in _repeated(attempts)), _repeated(attempts)
    assert sum(len(attempt) for attempt in attempts) < 5_000 + 2 * readers * page_size
    # The finished snapshot hands over to incremental reads from its time, as a first sync does.
    assert finished.last_state()[0]["stream"]["stream_state"] == {"ts": str(states[0]["snapshot"]["at"])}


def test_a_full_refresh_killed_mid_snapshot_resumes_it_within_the_sync(fauna, source):
    client = fauna.client()
    create_collection(client, "plain", index=None)
    expected = {document["ref"].id() for document in create_documents(client, "plain", [{"n": n} for n in range(1_000)])}
    config = fauna.config(collection={"page_size": 50}, partitions_per_collection=1)
    catalog = source.discover_catalog(config, "full_refresh")
    assert catalog["streams"][0]["stream"]["is_resumable"], "the platform keeps a full refresh's state between attempts"

    attempts, states, _ = _resume_after_kills(source, config, catalog, "plain", kill_after=[3])

    assert "snapshot" in states[0]
    assert set(sum(attempts, [])) == expected
    assert _repeated(attempts) and all(repeats <= 50 for repeats in _repeated(attempts)), _repeated(attempts)


def _from_1970(catalog):
    return [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream["stream"]["name"]}, "stream_state": {"ts": "1"}}} for stream in catalog["streams"]]


def test_a_read_from_a_1970_cursor_skips_the_empty_windows_before_the_first_change(fauna, source):
    client = fauna.client()
    create_collection(client, "quiet", history_days=None)  # deletions are read from 1970: the history must hold them
    create_collection(client, "recent", history_days=None)
    documents = create_documents(client, "recent", [{"n": n} for n in range(3)])
    # 30-day windows: the node's clock runs a week behind the worker's (conftest), whose clock ends the last window.
    config = fauna.config(checkpoint_interval="P30D", collection={"deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}})
    catalog = source.discover_catalog(config)

    result = source.run("read", config, catalog, _from_1970(catalog))

    assert result.returncode == 0, result.errors
    states_of = lambda name: [state for state in result.states if state["stream"]["stream_descriptor"]["name"] == name]  # noqa: E731
    # Not one window a month since 1970 (about 680).
    assert len(states_of("quiet")) <= 2, "nothing new: no window"
    assert 1 <= len(states_of("recent")) <= 2
    assert sorted(record["ref"] for record in result.records_of("recent")) == sorted(document["ref"].id() for document in documents)
    assert int(states_of("quiet")[-1]["stream"]["stream_state"]["ts"]) > 1


def test_the_empty_windows_between_two_changes_cost_no_state(fauna, source):
    client = fauna.client()
    create_collection(client, "sparse")
    first = create_documents(client, "sparse", [{"n": -1}])
    fauna.advance_clock(3 * HOUR)
    later = create_documents(client, "sparse", [{"n": n} for n in range(3)])
    # Hourly windows: three between the two changes, and the node's week behind the worker's clock after them.
    config = fauna.config(checkpoint_interval="PT1H")
    catalog = source.discover_catalog(config)

    result = source.run("read", config, catalog, _from_1970(catalog))

    assert result.returncode == 0, result.errors
    assert sorted(record["ref"] for record in result.records_of("sparse")) == sorted(document["ref"].id() for document in first + later)
    # One state per window that holds a change, and the CDK's last: not one per hour of the week.
    assert len(result.states) <= 3, [state["stream"]["stream_state"] for state in result.states]


@pytest.mark.parametrize("sync_mode, index", [("incremental", "default"), ("full_refresh", None)])
def test_a_sync_that_fails_mid_snapshot_ends_on_the_snapshots_progress_and_resumes_it(fauna, source, sync_mode, index):
    """A stream out of retries leaves its last progress state as the one the platform keeps: the CDK's
    end-of-stream state (the snapshot cursor's start `{"ts": "0"}`, or a full refresh's "no cursor") must not follow it."""
    client = fauna.client()
    expected = {name: _snapshot_of(client, name, 300, index) for name in ("users", "orders")}
    config = fauna.config(collection={"page_size": 10}, partitions_per_collection=1)
    catalog = source.discover_catalog(config, sync_mode)
    fauna.set_latency(50)  # 30 pages per stream, for a few seconds: the faults start while both streams read

    checkpointed = set()

    def fail_every_query_once_both_streams_checkpointed(line: str) -> None:
        if line.startswith('{"type":"STATE"'):
            checkpointed.add(json.loads(line)["state"]["stream"]["stream_descriptor"]["name"])
            if checkpointed == set(expected):
                fauna.set_faults(every=1, action="500")

    failed = source.read_watching(config, catalog, fail_every_query_once_both_streams_checkpointed)
    fauna.clear_faults()
    fauna.set_latency(0)

    assert failed.returncode != 0 and failed.errors
    for name in expected:
        states = [state["stream"]["stream_state"] for state in failed.states if state["stream"]["stream_descriptor"]["name"] == name]
        first_progress = next(position for position, state in enumerate(states) if "snapshot" in state)
        assert all("snapshot" in state for state in states[first_progress:]), f"{name}: a finished-looking state followed the snapshot's progress: {states}"
    resumed = source.run("read", config, catalog, failed.last_state())
    assert resumed.returncode == 0, resumed.errors
    for name, refs in expected.items():
        committed = _committed_refs(failed, name)
        again = [record["ref"] for record in resumed.records_of(name)]
        assert committed | set(again) == refs, f"{name}: no document is lost"
        assert len(committed & set(again)) <= 10, f"{name}: the resumed attempt goes on from the last page read"


def _committed_refs(output, stream):
    """The refs of `stream` that a STATE of the stream committed: the platform drops the records after its last one."""
    refs, pending = set(), set()
    for message in output.messages:
        if message["type"] == "RECORD" and message["record"]["stream"] == stream:
            pending.add(message["record"]["data"]["ref"])
        elif message["type"] == "STATE" and message["state"]["stream"]["stream_descriptor"]["name"] == stream:
            refs |= pending
            pending = set()
    return refs
