"""Checkpoints: an interrupted sync resumes from its last state, and memory stays bounded.

The local Fauna runs with its clock a week behind the test's, so the tests can move it forward
(`advance_clock`) to spread documents over many checkpoint windows of the `ts` cursor.
"""

import subprocess
import sys
import warnings

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
