"""The server as a process: CLI start/stop, durability across SIGKILL, flags, sample seed."""

import os
import signal
import subprocess
import sys

import pytest
from faunadb import query as q
from faunadb.errors import UnavailableError

from fauna_local.testing import LocalFauna

TIMEOUT = 10


def test_given_port_0_when_started_then_one_listening_line_and_sigterm_exits_cleanly():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [sys.executable, "-m", "fauna_local", "--port", "0"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("fauna_local listening on http://127.0.0.1:")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # exactly one line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_given_a_data_dir_when_killed_right_after_an_acknowledged_write_then_the_write_survives(tmp_path):
    # Everything committed survives SIGKILL (WAL fsynced before the answer is sent).
    server = LocalFauna.start(data_dir=str(tmp_path))
    try:
        client = server.client(timeout=TIMEOUT)
        client.query(q.create_collection({"name": "c", "history_days": None}))
        client.query(q.create_index({"name": "c_ts", "source": q.collection("c"), "values": [{"field": "ts"}, {"field": "ref"}]}))
        created = client.query(q.create(q.ref(q.collection("c"), "1"), {"data": {"n": 1}}))
        client.query(q.update(created["ref"], {"data": {"n": 2}}))
    finally:
        server.kill()
    again = LocalFauna.start(data_dir=str(tmp_path))
    try:
        client = again.client(timeout=TIMEOUT)
        doc = client.query(q.get(q.ref(q.collection("c"), "1")))
        assert doc["data"] == {"n": 2}
        assert client.query(q.get(q.ref(q.collection("c"), "1"), ts=created["ts"]))["data"] == {"n": 1}
        assert client.query(q.paginate(q.range(q.match(q.index("c_ts")), [], [])))["data"] == [[doc["ts"], doc["ref"]]]
        later = client.query(q.create(q.collection("c"), {"data": {}}))
        assert later["ts"] > doc["ts"]
    finally:
        again.stop()


def test_given_faults_flag_when_started_then_requests_fail_as_specified():
    with LocalFauna.start(extra_args=["--faults", "every=2,action=503"]) as server:
        client = server.client(timeout=TIMEOUT)
        assert client.query(1) == 1
        with pytest.raises(UnavailableError):
            client.query(1)


def test_given_clock_offset_flag_when_reading_now_then_shifted():
    with LocalFauna.start(extra_args=["--clock-offset-seconds", "86400"], in_process=False) as server:
        import time

        assert server.now_micros() - time.time_ns() // 1000 > 86_000 * 1_000_000


def test_given_sample_seed_when_started_then_collections_with_ts_indexes_and_varied_documents():
    with LocalFauna.start(seed="sample", in_process=True) as server:
        client = server.client(timeout=TIMEOUT)
        names = [r.id() for r in client.query(q.paginate(q.collections()))["data"]]
        assert names == ["users", "products", "orders"]
        for name in names:
            idx = client.query(q.get(q.index(name + "_ts")))
            assert idx["values"] == [{"field": "ts"}, {"field": "ref"}] and "terms" not in idx
            expected = {"users": 30, "products": 30, "orders": "absent"}[name]  # orders: forever, no field
            assert client.query(q.select("history_days", q.get(q.collection(name)), "absent")) == expected
        removes = client.query(q.paginate(q.documents(q.collection("orders")), events=True))["data"]
        assert [e["action"] for e in removes].count("remove") == 1
        users = client.query(q.map_(q.lambda_("x", q.get(q.var("x"))), q.paginate(q.documents(q.collection("users")))))["data"]
        assert users[2]["data"]["big"] == 9007199254740993
        assert users[0]["ts"] == users[2]["ts"]  # created in one transaction


def test_given_extra_args_in_process_when_started_then_parsed_like_the_cli():
    with LocalFauna.start(in_process=True, extra_args=["--latency-ms", "5", "--faults", "every=1,action=429"]) as server:
        stats = server.stats()["faults"]
        assert stats["latency_ms"] == 5 and stats["spec"]["action"] == "429"
