"""Smoke tests of the benchmark's pieces that need no timing: the replay proxy, the document generator
and the stdout measurement. The proxy is checked against the local Fauna: what it replays is
byte-identical to what Fauna answered, served from memory, and counted per stream.
"""

import sys
import threading
import warnings
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docgen  # noqa: E402
import measure  # noqa: E402
import replay  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q
    from faunadb._json import to_json


@pytest.fixture(scope="module")
def fauna():
    from fauna_local.testing import LocalFauna

    local = LocalFauna.start()
    try:
        client = local.client()
        client.query(q.create_collection({"name": "users"}))
        client.query(docgen.create_batch("users", list(docgen.documents(25))))
        yield local
    finally:
        local.stop()


@pytest.fixture()
def proxy(fauna):
    server = replay.serve(f"http://127.0.0.1:{fauna.port}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


def post(session, base, expression):
    return session.post(
        base + "/",
        data=to_json(expression).encode(),
        headers={"Authorization": "Bearer secret", "X-FaunaDB-API-Version": "4", "Content-Type": "application/json;charset=utf-8"},
        timeout=10,
    )


def page_query(size, after=None):
    options = {"size": size, "after": after} if after is not None else {"size": size}
    return q.map_(q.lambda_("x", q.get(q.var("x"))), q.paginate(q.documents(q.collection("users")), **options))


def test_replay_serves_the_recorded_bytes_from_memory_and_counts_requests(fauna, proxy):
    session = requests.Session()
    session.get(proxy + "/__replay/mode?mode=record")
    recorded = [post(session, proxy, page_query(10)), post(session, proxy, q.paginate(q.collections()))]
    assert [r.status_code for r in recorded] == [200, 200]
    assert len(recorded[0].json()["resource"]["data"]) == 10

    # Change the data upstream: a replay must still answer what was recorded.
    client = fauna.client()
    client.query(q.create(q.collection("users"), {"data": {"name": "after the recording"}}))

    session.get(proxy + "/__replay/mode?mode=replay")
    replayed = [post(session, proxy, page_query(10)), post(session, proxy, q.paginate(q.collections()))]
    assert [r.content for r in replayed] == [r.content for r in recorded]
    assert replayed[0].headers.get("x-txn-time") == recorded[0].headers.get("x-txn-time")
    stats = session.get(proxy + "/__replay/stats").json()
    assert stats["counts"] == {"hit": 2, "requests": 2}
    assert stats["per_stream"] == {"users": 1, "meta": 1}

    # An unknown request is forwarded live and counted as a miss.
    missed = post(session, proxy, page_query(7))
    assert len(missed.json()["resource"]["data"]) == 7
    assert session.get(proxy + "/__replay/stats").json()["counts"]["miss"] == 1


def test_clock_values_above_the_floor_do_not_change_the_key():
    store = replay.Store("http://127.0.0.1:1")
    store.clock_floor = 1_700_000_000_000_000
    a = store.key(b"POST", b"/", b"Bearer s", b'{"at":1700000000000123,"from":1600000000000000}')
    b = store.key(b"POST", b"/", b"Bearer s", b'{"at":1700000000999999,"from":1600000000000000}')
    c = store.key(b"POST", b"/", b"Bearer s", b'{"at":1700000000000123,"from":1600000000000001}')
    assert a == b and a != c


def test_generated_documents_are_deterministic_and_application_shaped():
    first, again = list(docgen.documents(50)), list(docgen.documents(50))
    assert [to_json(d) for d in first] == [to_json(d) for d in again]
    sizes = [len(to_json(d)) for d in first]
    assert 280 <= min(sizes) and max(sizes) <= 380
    assert '{"@ts":' in to_json(first[0]) and '{"@date":' in to_json(first[0])


def test_run_source_counts_records_and_reads_states(tmp_path):
    script = tmp_path / "source.py"
    script.write_text(
        "import json\n"
        "for i in range(5000):\n"
        "    print(json.dumps({'type': 'RECORD', 'record': {'stream': 's', 'data': {'ref': str(i)}}}, separators=(',', ':')))\n"
        "print(json.dumps({'type': 'STATE', 'state': {'type': 'STREAM', 'stream': {'stream_descriptor': {'name': 's'}, 'stream_state': {'ts': 9}}}}))\n"
        "for message in ('Syncing s', 'Reading s with 2 parallel readers (at most 8)', 'Back to one reader of s after 2 parallel readers'):\n"
        "    print(json.dumps({'type': 'LOG', 'log': {'level': 'INFO', 'message': message}}))\n"
    )
    run = measure.run_source([sys.executable, str(script)], keep_records=True)
    assert run.returncode == 0 and run.records == 5000 and len(run.record_lines) == 5000
    assert run.final_state()[0]["stream"]["stream_state"] == {"ts": 9}
    assert run.reader_logs == ["Reading s with 2 parallel readers (at most 8)", "Back to one reader of s after 2 parallel readers"]
    assert run.max_rss_mb > 0 and run.cpu >= 0
