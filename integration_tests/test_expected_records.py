"""integration_tests/expected_records*.jsonl are the records `source-fauna read` emits from the sample data.

The files hold what a reviewer reads to see the connector's output (and what Airbyte's acceptance tests
compared with `expect_records`): one `{"stream", "data"}` line per record, in the order emitted. `ts`
and the deleted-at column are the times the local Fauna wrote the sample, different in every run, so
the files leave them out and the tests check them against each other instead.

- expected_records.jsonl: a full refresh of every stream (configured_catalog.json).
- expected_records_deletions.jsonl: an incremental read with deletions synced, from a cursor just
  before the sample was written (configured_catalog_incremental.json, the deletions config of the
  acceptance tests), so it holds every document and the two deleted ones.

Streams are read concurrently, so only the order within a stream is fixed: the files list the streams
one after another, and the tests compare stream by stream.
"""

import datetime
import json
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional


from integration_tests.ecosystem import ROOT, DELETIONS_CONFIG, messages, subprocess_env, venv_script

READ_TIMEOUT_SECONDS = 300
TIME_FIELDS = ("ts", DELETIONS_CONFIG["collection"]["deletions"]["column"])


def read(tmp_path: Path, config: Dict[str, Any], catalog: str, state: Optional[List[Dict[str, Any]]] = None) -> List[Dict[str, Any]]:
    script = venv_script("source-fauna")
    assert script is not None, "the source-fauna command is not installed: run `make test`"
    (tmp_path / "config.json").write_text(json.dumps(config))
    command = [str(script), "read", "--config", str(tmp_path / "config.json"), "--catalog", str(ROOT / "integration_tests" / catalog)]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        command += ["--state", str(tmp_path / "state.json")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=READ_TIMEOUT_SECONDS, env=subprocess_env())
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return [message["record"] for message in messages(result.stdout) if message["type"] == "RECORD"]


def expected(name: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in (ROOT / "integration_tests" / name).read_text().splitlines()]


def without_times(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{"stream": r["stream"], "data": {k: v for k, v in r["data"].items() if k not in TIME_FIELDS}} for r in records]


def by_stream(records: List[Dict[str, Any]]) -> Dict[str, List[Dict[str, Any]]]:
    """The records of each stream, in a fixed order: parallel snapshot readers hand on id ranges in whatever order they finish."""
    streams: Dict[str, List[Dict[str, Any]]] = {}
    for record in records:
        streams.setdefault(record["stream"], []).append(record["data"])
    return {name: sorted(data, key=lambda item: json.dumps(item, sort_keys=True)) for name, data in streams.items()}


def test_full_refresh_of_the_sample_is_expected_records_jsonl(sample_fauna, tmp_path):
    records = read(tmp_path, sample_fauna.config(), "configured_catalog.json")
    assert by_stream(without_times(records)) == by_stream(expected("expected_records.jsonl"))
    assert all(isinstance(record["data"]["ts"], int) for record in records)


def test_incremental_read_with_deletions_is_expected_records_deletions_jsonl(sample_fauna, tmp_path):
    full = read(tmp_path, sample_fauna.config(), "configured_catalog.json")
    before_sample = str(min(record["data"]["ts"] for record in full) - 1)
    streams = sorted({record["stream"] for record in full})
    state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": {"ts": before_sample}}} for name in streams]

    records = read(tmp_path, sample_fauna.config(**DELETIONS_CONFIG), "configured_catalog_incremental.json", state)

    assert by_stream(without_times(records)) == by_stream(expected("expected_records_deletions.jsonl"))
    column = TIME_FIELDS[1]
    deletions = [record["data"] for record in records if column in record["data"]]
    assert {d["ref"] for d in deletions} == {"303", "203"}, "the sample deletes orders/303 and products/203"
    for deletion in deletions:  # the deleted-at column is the deletion's ts, as a UTC date-time
        at = datetime.datetime.fromisoformat(deletion[column])
        assert at.utcoffset() == datetime.timedelta(0)
        assert at == datetime.datetime.fromtimestamp(deletion["ts"] / 1_000_000, datetime.timezone.utc)
