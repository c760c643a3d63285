"""The benchmark's variants of the connector read what the connector reads: every document once,
whether CDK internals are switched off or the snapshot is cut into static slices (read by the CDK,
not by the reader pool). The skewed collection's ids are skewed. And the README's results section
is replaced, not appended to."""

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


def messages_of(command: commands.Command) -> list:
    result = subprocess.run(command.argv, cwd=command.cwd, capture_output=True, timeout=300)
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith(b"{")]
    errors = [m["trace"]["error"]["message"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    assert result.returncode == 0 and not errors, (errors, result.stderr[-2000:])
    return messages


def refs_of(messages: list) -> list:
    return [m["record"]["data"]["ref"] for m in messages if m["type"] == "RECORD"]


def id_ranges_read(messages: list) -> list:
    """The id ranges the last state of the stream names: the CDK keeps one state per partition it read."""
    states = [m["state"]["stream"]["stream_state"] for m in messages if m["type"] == "STATE"]
    return sorted((int(s["partition"]["id_start"]), int(s["partition"]["id_end"])) for s in states[-1].get("states", []))


def test_without_any_internal_every_document_is_read_once(files):
    config, catalog = files
    expected = refs_of(messages_of(commands.connector_command("read", config, catalog)))
    read = refs_of(messages_of(commands.variant_command(list(INTERNALS), "read", config, catalog)))
    assert len(expected) == DOCS
    assert sorted(read) == sorted(expected)


@pytest.mark.parametrize("slices", [4, 1])
def test_static_slices_read_every_document_once_in_as_many_id_ranges(files, slices):
    """The variant reads the CDK's partitions, not the connector's reader pool: the state names each id range once,
    and together they cover the collection's ids without a gap."""
    config, catalog = files
    expected = refs_of(messages_of(commands.connector_command("read", config, catalog)))
    messages = messages_of(commands.variant_command([], "read", config, catalog, static_slices=slices))
    assert sorted(refs_of(messages)) == sorted(expected)
    ranges = id_ranges_read(messages)
    assert len(ranges) == slices
    assert all(end == start for (_, end), (start, _) in zip(ranges, ranges[1:]))


@pytest.mark.parametrize("readers", [1, 4])
def test_a_reader_pool_held_at_n_readers_reads_every_document_once_with_n(fauna, files, readers):
    """In pages of 20, enough for the trial of the readers to reach its verdict, which keeps them however fast pages came."""
    _, catalog = files
    work = commands.Workdir()
    try:
        config = work.write("config-pages-of-20", commands.connector_config(fauna, page_size=20))
        expected = refs_of(messages_of(commands.connector_command("read", config, catalog)))
        messages = messages_of(commands.variant_command([], "read", config, catalog, readers=readers))
    finally:
        work.remove()
    assert sorted(refs_of(messages)) == sorted(expected)
    logs = [m["log"]["message"] for m in messages if m["type"] == "LOG" and "parallel readers" in m["log"]["message"]]
    if readers == 1:
        assert logs == []
    else:
        assert logs[0].startswith(f"Reading collection 'users' with {readers} parallel readers"), logs
        assert logs[1].startswith(f"Keeping {readers} parallel readers"), logs
        assert len(logs) == 2, logs


def test_skewed_ids_put_most_documents_in_a_small_part_of_the_id_space(fauna):
    from faunadb import query as q

    client = fauna.client()
    dataset.create_collection(client, "skewed")
    dataset.seed_skewed(client, "skewed", 1_000, batch=500)
    ids = sorted(int(ref.id()) for ref in client.query(q.paginate(q.documents(q.collection("skewed")), size=1_000))["data"])
    assert len(ids) == 1_000
    last_tenth = ids[-1] - (ids[-1] - ids[0]) // 10
    assert sum(i >= last_tenth for i in ids) >= 900, "nine documents in ten in the last tenth of the ids"


def test_an_unknown_internal_is_refused(files):
    config, catalog = files
    result = subprocess.run(commands.variant_command(["no_such_thing"], "read", config, catalog).argv, capture_output=True, text=True)
    assert result.returncode != 0 and "unknown internals ['no_such_thing']" in result.stderr


def markers(section):
    return f"<!-- {section}: generated by bench/readme.py, do not edit -->", f"<!-- end of {section} -->"


def test_new_results_replace_the_previous_ones_between_their_sections_markers():
    (latest, latest_end), (scale, scale_end) = markers("latest results"), markers("results at scale")
    page = f"# Bench\n\n{latest}\n\nold table\n{latest_end}\n\n{scale}\n\nold scale\n{scale_end}\n"
    once = readme.with_results(page, "new table")
    assert once == f"# Bench\n\n{latest}\n\nnew table\n{latest_end}\n\n{scale}\n\nold scale\n{scale_end}\n"
    assert readme.with_results(once, "new table") == once
    at_scale = readme.with_results(once, "new scale", "results at scale")
    assert at_scale == f"# Bench\n\n{latest}\n\nnew table\n{latest_end}\n\n{scale}\n\nnew scale\n{scale_end}\n"
    with pytest.raises(SystemExit):
        readme.with_results("# Bench without markers\n", "new table")
