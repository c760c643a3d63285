"""The manifest and components.py in the Connector Builder, through the Builder's own handler.

The Builder runs `python -m airbyte_cdk.connector_builder.main read --config C --catalog K`, with the
manifest and the text of components.py injected into the config (`__injected_declarative_manifest`,
`__injected_components_py` and its checksum), the command in `__command`, its limits in
`__test_read_config`, and `AIRBYTE_ENABLE_UNSAFE_CODE=true` to run injected code. These tests run the
same command in a subprocess.

The Builder's runtime has only the CDK: neither faunadb nor this package. The last tests run the
handler in a subprocess where importing them fails, as there.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import pytest

from fauna_local.testing import LocalFauna
from integration_tests.ecosystem import (
    BLOCK_IMPORTS_PRELUDE,
    builder_config,
    configured_catalog,
    manifest,
    messages,
    subprocess_env,
)

HANDLER_TIMEOUT_SECONDS = 180
BUILDER_ABSENT = ("faunadb", "source_fauna")  # what the Builder's runtime does not have
MISSING_PACKAGE = "Reading Fauna needs the airbyte-source-fauna package and the faunadb driver"


def run_handler(
    tmp_path: Path,
    config: Mapping[str, Any],
    catalog: Mapping[str, Any],
    *,
    trusted: bool = True,
    absent: Sequence[str] = (),
    state: Optional[Path] = None,
) -> List[Dict[str, Any]]:
    config_path, catalog_path = tmp_path / "config.json", tmp_path / "catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog))
    program = BLOCK_IMPORTS_PRELUDE.format(blocked=tuple(absent)) if absent else ""
    program += (
        "\nimport runpy, sys\n"
        "sys.argv = ['airbyte_cdk.connector_builder.main', *sys.argv[1:]]\n"
        "runpy.run_module('airbyte_cdk.connector_builder.main', run_name='__main__', alter_sys=True)\n"
    )
    env = subprocess_env(**({"AIRBYTE_ENABLE_UNSAFE_CODE": "true"} if trusted else {}))
    result = subprocess.run(
        [sys.executable, "-c", program, "read", "--config", str(config_path), "--catalog", str(catalog_path)]
        + (["--state", str(state)] if state else []),
        capture_output=True,
        text=True,
        timeout=HANDLER_TIMEOUT_SECONDS,
        env=env,
        cwd=str(tmp_path),  # not the checkout: the package must come from where it is installed, or nowhere
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return messages(result.stdout)


def stream_read(output: List[Dict[str, Any]]) -> Dict[str, Any]:
    errors = [message["trace"]["error"]["message"][-1500:] for message in output if message["type"] == "TRACE"]
    records = [message["record"] for message in output if message["type"] == "RECORD"]
    assert len(records) == 1 and not errors, errors
    return records[0]["data"]


def sample_stream_with_pages(fauna: LocalFauna, page_size: int) -> Tuple[str, List[Dict[str, Any]]]:
    """A collection of the sample data with more documents than one page, and its documents."""
    client = fauna.client()
    from faunadb import query as q

    names = [ref.id() for ref in client.query(q.paginate(q.collections()))["data"]]
    for name in sorted(names):
        documents = client.query(q.map_(q.lambda_("r", q.get(q.var("r"))), q.paginate(q.documents(q.collection(name)), size=1000)))["data"]
        if len(documents) > page_size:
            return name, documents
    pytest.fail(f"the sample seed has no collection with more than {page_size} documents: {names}")


def test_test_read_returns_the_records_of_the_local_fauna_grouped_by_page(sample_fauna, tmp_path):
    page_size = 2
    stream, documents = sample_stream_with_pages(sample_fauna, page_size)
    user_config = sample_fauna.config(collection={"page_size": page_size, "deletions": {"deletion_mode": "ignore"}})
    max_pages = 50
    config = builder_config(user_config, "test_read", max_records=1000, max_pages_per_slice=max_pages, max_slices=5)

    read = stream_read(run_handler(tmp_path, config, configured_catalog(stream)))

    pages = [page for a_slice in read["slices"] for page in a_slice["pages"]]
    sizes = [len(page["records"]) for page in pages]
    assert len(pages) > 1 and all(size <= page_size for size in sizes), sizes
    # (a snapshot read in several document-id ranges may end each range with a short page)
    records = [record for page in pages for record in page["records"]]
    assert sorted(record["ref"] for record in records) == sorted(document["ref"].id() for document in documents)
    assert all(set(record) >= {"ref", "ts", "data", "ttl"} for record in records)
    # the Builder shows and infers the schema of values, not of the JSON text a sync passes on
    by_ref = {document["ref"].id(): document["data"] for document in documents}
    assert all(record["data"].keys() == by_ref[record["ref"]].keys() for record in records)
    assert "object" in read["inferred_schema"]["properties"]["data"]["type"]
    # each page shows the FQL query that produced it and the answer, as the Builder displays HTTP pages
    assert all(page["request"] and page["response"]["status"] == 200 for page in pages)
    # the query is the wire JSON sent to Fauna: a page of the collection's documents at the snapshot time
    queries = [json.loads(page["request"]["body"]) for page in pages]
    assert all(query["at"] == queries[0]["at"] and query["expr"]["collection"]["size"] == page_size for query in queries), queries[0]
    assert queries[0]["expr"]["collection"]["paginate"] == {"documents": {"collection": stream}}
    assert read["test_read_limit_reached"] is False
    assert read["inferred_schema"]["properties"].keys() >= {"ref", "ts", "data"}


def test_test_read_with_state_shows_one_slice_per_checkpoint_window_from_the_first_change(sample_fauna, tmp_path):
    stream, documents = sample_stream_with_pages(sample_fauna, 2)
    hour = 3_600_000_000
    state = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": stream}, "stream_state": {"ts": str(sample_fauna.now_micros() - hour)}}}]
    (tmp_path / "state.json").write_text(json.dumps(state))
    user_config = sample_fauna.config(checkpoint_interval="PT20M")
    config = builder_config(user_config, "test_read", max_records=1000, max_pages_per_slice=5, max_slices=10)

    read = stream_read(run_handler(tmp_path, config, configured_catalog(stream, sync_mode="incremental"), state=tmp_path / "state.json"))

    windows = [a_slice["slice_descriptor"] for a_slice in read["slices"]]
    assert windows and all(set(window) >= {"start_time", "end_time"} for window in windows)
    # The empty windows of the hour before the first change are skipped; then 20-minute windows up to now.
    first_change = min(document["ts"] for document in documents)
    assert first_change - 1 <= int(windows[0]["start_time"]) <= first_change, windows
    assert all(int(window["end_time"]) - int(window["start_time"]) < 20 * 60_000_000 for window in windows)
    records = [record for a_slice in read["slices"] for page in a_slice["pages"] for record in page["records"]]
    assert sorted(record["ref"] for record in records) == sorted(document["ref"].id() for document in documents)


def test_test_read_stops_at_the_builders_page_limit(sample_fauna, tmp_path):
    page_size = 2
    stream, documents = sample_stream_with_pages(sample_fauna, page_size)
    user_config = sample_fauna.config(collection={"page_size": page_size, "deletions": {"deletion_mode": "ignore"}})
    config = builder_config(user_config, "test_read", max_records=1000, max_pages_per_slice=1, max_slices=5)

    read = stream_read(run_handler(tmp_path, config, configured_catalog(stream)))

    pages = [page for a_slice in read["slices"] for page in a_slice["pages"]]
    assert [len(page["records"]) for page in pages] == [page_size]


def test_resolve_manifest_returns_the_manifest_with_its_spec(sample_fauna, tmp_path):
    config = builder_config(sample_fauna.config(), "resolve_manifest")
    output = run_handler(tmp_path, config, configured_catalog("unused"))
    resolved = stream_read(output)["manifest"]
    properties = resolved["spec"]["connection_specification"]["properties"]
    assert {"domain", "port", "scheme", "secret"} <= set(properties)


def test_injected_components_are_refused_without_the_unsafe_code_flag(sample_fauna, tmp_path):
    config = builder_config(sample_fauna.config(), "test_read", max_records=10, max_pages_per_slice=1, max_slices=1)
    output = run_handler(tmp_path, config, configured_catalog("anything"), trusted=False)
    errors = [message["trace"]["error"]["message"] for message in output if message["type"] == "TRACE"]
    assert errors and "AIRBYTE_ENABLE_UNSAFE_CODE" in " ".join(errors)


MANIFEST_SERVER_TEST_READ = """
import json
from airbyte_cdk.connector_builder.test_reader import TestReader
from airbyte_cdk.manifest_server.command_processor.utils import build_catalog, build_source
request = json.load(open("request.json"))
catalog = build_catalog(request["stream"])
source = build_source(request["manifest"], catalog, request["config"], [], request["record_limit"], request["page_limit"], request["slice_limit"])
reader = TestReader(max_pages_per_slice=request["page_limit"], max_slices=request["slice_limit"], max_record_limit=request["record_limit"])
read = reader.run_test_read(source=source, config=request["config"], configured_catalog=catalog, state=[], stream_name=request["stream"], record_limit=request["record_limit"])
print(json.dumps({"slices": [{"pages": [{"records": page.records} for page in a_slice.pages]} for a_slice in read.slices], "logs": [log.message for log in read.logs]}, default=str))
"""


def test_manifest_server_test_read_groups_records_by_page(sample_fauna, tmp_path):
    """The Builder's newer backend (`airbyte_cdk.manifest_server`) builds the source with the limits
    as arguments and sends no `__test_read_config`; its `/v1/manifest/test_read` does what this runs."""
    page_size = 2
    stream, documents = sample_stream_with_pages(sample_fauna, page_size)
    config = builder_config(sample_fauna.config(collection={"page_size": page_size, "deletions": {"deletion_mode": "ignore"}}), "test_read")
    for key in ("__injected_declarative_manifest", "__command"):
        config.pop(key)
    request = {"manifest": manifest(), "config": config, "stream": stream, "record_limit": 1000, "page_limit": 50, "slice_limit": 5}
    (tmp_path / "request.json").write_text(json.dumps(request))
    result = subprocess.run(
        [sys.executable, "-c", MANIFEST_SERVER_TEST_READ],
        capture_output=True,
        text=True,
        timeout=HANDLER_TIMEOUT_SECONDS,
        env=subprocess_env(AIRBYTE_ENABLE_UNSAFE_CODE="true"),
        cwd=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])
    sizes = [len(page["records"]) for a_slice in read["slices"] for page in a_slice["pages"]]
    assert sum(sizes) == len(documents), read["logs"]
    assert len(sizes) > 1 and max(sizes) <= page_size, f"records are not grouped by Fauna page: {sizes}"


# --- the Builder's own runtime: no faunadb, no source_fauna ---------------------------------------


def test_without_faunadb_the_manifest_loads_and_resolves_with_its_spec(tmp_path):
    config = builder_config({"domain": "127.0.0.1", "port": 9, "scheme": "http", "secret": "s"}, "resolve_manifest")
    output = run_handler(tmp_path, config, configured_catalog("unused"), absent=BUILDER_ABSENT)
    resolved = stream_read(output)["manifest"]
    assert resolved["spec"]["connection_specification"]["required"] == ["domain", "secret"]
    assert [stream["name"] for stream in resolved["dynamic_streams"]] == ["indexed_collections", "unindexed_collections"]


SPEC_AND_CHECK = """
import json, logging, os
from airbyte_cdk.sources.declarative.concurrent_declarative_source import ConcurrentDeclarativeSource
config = json.load(open("config.json"))
source = ConcurrentDeclarativeSource(source_config=config["__injected_declarative_manifest"], config=config, catalog=None, state=None)
logger = logging.getLogger("airbyte")
spec = source.spec(logger)
status = source.check(logger, config)
print(json.dumps({"spec": spec.connectionSpecification, "status": status.status.value, "message": status.message}))
"""


def test_without_faunadb_the_spec_shows_and_check_fails_with_a_clear_message(sample_fauna, tmp_path):
    config = builder_config(sample_fauna.config(), "test_read")
    (tmp_path / "config.json").write_text(json.dumps(config))
    program = BLOCK_IMPORTS_PRELUDE.format(blocked=BUILDER_ABSENT) + SPEC_AND_CHECK
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=HANDLER_TIMEOUT_SECONDS,
        env=subprocess_env(AIRBYTE_ENABLE_UNSAFE_CODE="true"),
        cwd=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"domain", "secret"} <= set(outcome["spec"]["properties"])
    assert outcome["status"] == "FAILED"
    assert MISSING_PACKAGE in outcome["message"]
    assert "ModuleNotFoundError" not in outcome["message"] and "ImportError" not in outcome["message"]


@pytest.mark.parametrize("absent", [BUILDER_ABSENT, ("faunadb",)], ids=["builder-runtime", "package-without-driver"])
def test_without_faunadb_test_read_reports_the_missing_driver_not_an_import_error(sample_fauna, tmp_path, absent):
    config = builder_config(sample_fauna.config(), "test_read", max_records=10, max_pages_per_slice=1, max_slices=1)
    output = run_handler(tmp_path, config, configured_catalog("anything"), absent=absent)

    errors = [message["trace"]["error"] for message in output if message["type"] == "TRACE"]
    assert len(errors) == 1, output
    assert MISSING_PACKAGE in errors[0]["message"]
    # the traceback the Builder shows ends in the connector's message, not in a failed import
    last_line = errors[0]["stack_trace"].strip().splitlines()[-1]
    assert last_line.startswith("airbyte_cdk.utils.traced_exception.AirbyteTracedException: Reading Fauna needs"), last_line
    assert "ModuleNotFoundError" not in errors[0]["stack_trace"] and "ImportError" not in errors[0]["stack_trace"]
