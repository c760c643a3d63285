"""examples/pyairbyte_example.py reads the local Fauna into PyAirbyte's DuckDB cache, offline.

The example runs in a subprocess whose sockets may reach only the loopback interface (the
`pyairbyte_offline` fixture), so a registry lookup or telemetry call would show up here instead of
passing unnoticed on a machine with network access.
"""

import json
import subprocess
import sys
import warnings
from pathlib import Path

from fauna_local.testing import LocalFauna
from integration_tests.ecosystem import ROOT, LoopbackOnly, require, sample_counts, venv_script

EXAMPLE_TIMEOUT_SECONDS = 600


def run_example(tmp_path: Path, fauna: LocalFauna, offline: LoopbackOnly, *options: str, **overrides: object):
    """Runs the example with sockets that reach only loopback (`overrides`: settings of the connector's config), and returns its summary line."""
    require(venv_script("source-fauna") is not None, "the source-fauna command", "pip install -e .")
    config = tmp_path / "config.json"
    config.write_text(json.dumps(fauna.config(**overrides)))

    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "pyairbyte_example.py"), "--config", str(config), "--cache-root", str(tmp_path / "cache"), *options],
        capture_output=True,
        text=True,
        timeout=EXAMPLE_TIMEOUT_SECONDS,
        env=offline.env,
        cwd=str(tmp_path),
    )

    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    offline.assert_stayed()
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_example_reads_the_local_fauna_into_duckdb_without_leaving_loopback(sample_fauna, pyairbyte_offline, tmp_path):
    summary = run_example(tmp_path, sample_fauna, pyairbyte_offline)
    assert Path(summary["cache"]).is_file() and Path(summary["cache"]).is_relative_to(tmp_path / "cache")
    expected = sample_counts(sample_fauna)
    assert {stream: info["rows"] for stream, info in summary["streams"].items()} == expected
    for stream, info in summary["streams"].items():
        timestamps = [row["ts"] for row in info["first"]]
        assert timestamps == sorted(timestamps) and len(timestamps) == min(3, expected[stream])


def test_typed_mode_gives_typed_columns_in_duckdb(sample_fauna, pyairbyte_offline, tmp_path):
    summary = run_example(tmp_path, sample_fauna, pyairbyte_offline, "--schema-mode", "typed")
    users, products = summary["streams"]["users"]["columns"], summary["streams"]["products"]["columns"]
    # PyAirbyte's DuckDB types: integer → BIGINT, number → DECIMAL(38,9), date-time → TIMESTAMP.
    assert users["age"] == "BIGINT" and users["active"] == "BOOLEAN" and users["name"] == "VARCHAR"
    assert users["last_login"] == "TIMESTAMP" and users["joined"] == "DATE"
    assert products["price"] == "DECIMAL(38,9)" and products["stock"] == "BIGINT"
    assert summary["streams"]["users"]["rows"] == sample_counts(sample_fauna)["users"]


def test_two_tenants_users_land_in_two_distinct_duckdb_tables(pyairbyte_offline, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from faunadb import query as q

    with LocalFauna.start() as fauna:
        fauna.client().query([q.create_database({"name": "tenant_a"}), q.create_database({"name": "tenant_b"})])
        for tenant, people in (("tenant_a", ["ada", "alan"]), ("tenant_b", ["grace"])):
            client = fauna.client(f"{fauna.secret}:{tenant}:admin")
            client.query(q.create_collection({"name": "users"}))
            client.query([q.create(q.collection("users"), {"data": {"name": name}}) for name in people])
        key = fauna.client().query(q.create_key({"role": "admin"}))["secret"]
        summary = run_example(tmp_path, fauna, pyairbyte_offline, secret=key, child_databases={"mode": "all"})
    streams = summary["streams"]
    assert set(streams) == {"tenant_a/users", "tenant_b/users"}
    assert streams["tenant_a/users"]["table"] != streams["tenant_b/users"]["table"]
    assert (streams["tenant_a/users"]["rows"], streams["tenant_b/users"]["rows"]) == (2, 1)
