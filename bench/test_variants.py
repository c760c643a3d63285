"""The benchmark's variants of the connector read what the connector reads: every document once,
whether CDK internals are switched off or the snapshot is cut into static slices. And the README's
results section is replaced, not appended to."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import commands  # noqa: E402
import dataset  # noqa: E402
import readme  # noqa: E402
from variant import INTERNALS  # noqa: E402

DOCS = 1_500


@pytest.fixture(scope="module")
def fauna():
    from fauna_local.testing import LocalFauna

    local = LocalFauna.start()
    try:
        client = local.client()
        dataset.create_collection(client, "users")
        dataset.seed(client, "users", DOCS, batch=500)
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def files(fauna):
    work = commands.Workdir()
    try:
        config = commands.connector_config(fauna, page_size=100, max_parallel_streams=4)
        streams = commands.discover(work, config)
        yield work.write("config", config), work.write("catalog", commands.catalog_for(streams, ["users"]))
    finally:
        work.remove()


def refs_read(command: commands.Command) -> list:
    result = subprocess.run(command.argv, cwd=command.cwd, capture_output=True, timeout=300)
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith(b"{")]
    errors = [m["trace"]["error"]["message"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert result.returncode == 0 and not errors, (errors, result.stderr[-2000:])
    return [m["record"]["data"]["ref"] for m in messages if m["type"] == "RECORD"]


@pytest.mark.parametrize(
    "variant",
    [dict(without=list(INTERNALS)), dict(without=[], static_slices=4), dict(without=[], static_slices=1)],
    ids=["without-any-internal", "four-static-slices", "one-static-slice"],
)
def test_a_variant_reads_every_document_once(files, variant):
    config, catalog = files
    expected = refs_read(commands.connector_command("read", config, catalog))
    read = refs_read(commands.variant_command(variant["without"], "read", config, catalog, variant.get("static_slices", 0)))
    assert len(expected) == DOCS
    assert sorted(read) == sorted(expected)


def test_an_unknown_internal_is_refused(files):
    config, catalog = files
    result = subprocess.run(commands.variant_command(["no_such_thing"], "read", config, catalog).argv, capture_output=True, text=True)
    assert result.returncode != 0 and "unknown internals ['no_such_thing']" in result.stderr


def test_new_results_replace_the_previous_ones_between_the_markers():
    page = f"# Bench\n\nintro\n\n{readme.START}\n\nold table\n{readme.END}\n\nafter\n"
    once = readme.with_results(page, "new table")
    assert once == f"# Bench\n\nintro\n\n{readme.START}\n\nnew table\n{readme.END}\n\nafter\n"
    assert readme.with_results(once, "new table") == once
    with pytest.raises(SystemExit):
        readme.with_results("# Bench without markers\n", "new table")
