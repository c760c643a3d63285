"""The README's main job: a sync from the local Fauna with sample data, showing what was read.

Starts `fauna_local` with its sample database, then runs the real `source-fauna` command as the
Airbyte platform does (config, catalog and state files; stdout read through a pipe): check,
discover, a full refresh, a few writes, and an incremental read that picks up exactly those; then
discover and a full refresh of `users` in schema mode `typed`; then a child database `tenant_a` with its own
`users`, synced as the stream `tenant_a/users` through an admin key.
"""

import json
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from fauna_local.testing import LocalFauna


def source_fauna(workdir: Path, verb: str, **files: Any) -> List[Dict[str, Any]]:
    args = [sys.executable, "-m", "source_fauna.run", verb]
    for name, content in files.items():
        path = workdir / f"{verb}-{name}.json"
        path.write_text(json.dumps(content, indent=2))
        args += [f"--{name}", str(path)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=600)
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    errors = [m["trace"]["error"]["message"] for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
    if result.returncode != 0 or errors:
        sys.exit(f"source-fauna {verb} failed: {errors or result.stderr[-2000:]}")
    return messages


def show_records(title: str, messages: List[Dict[str, Any]]) -> None:
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    states = [m["state"]["stream"] for m in messages if m["type"] == "STATE"]
    print(f"\n== {title}: {len(records)} records, {len(states)} state messages")
    for stream, count in sorted(Counter(r["stream"] for r in records).items()):
        print(f"   {stream:<12} {count:>4} records")
    deletions = [r for r in records if r["data"].get("deleted_at")]
    for record in records[:3] + [r for r in deletions[:3] if r not in records[:3]]:
        print(f"   {record['stream']}: {json.dumps(record['data'])[:160]}")
    final = {s["stream_descriptor"]["name"]: s["stream_state"] for s in states}
    print(f"   state: {json.dumps(final)}")


def main() -> None:
    with LocalFauna.start(seed="sample") as fauna, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print(f"Local Fauna with sample data at {fauna.endpoint}")
        config = fauna.config(collection={"page_size": 50, "deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}})

        status = source_fauna(workdir, "check", config=config)[-1]["connectionStatus"]
        print(f"\n== check: {status['status']}")

        catalog = next(m["catalog"] for m in source_fauna(workdir, "discover", config=config) if m["type"] == "CATALOG")
        print(f"\n== discover: {len(catalog['streams'])} streams")
        configured = []
        for stream in catalog["streams"]:
            print(f"   {stream['name']:<12} modes={stream['supported_sync_modes']} columns={sorted(stream['json_schema']['properties'])}")
            mode = "incremental" if "incremental" in stream["supported_sync_modes"] else "full_refresh"
            configured.append({"stream": stream, "sync_mode": mode, "destination_sync_mode": "append", "cursor_field": ["ts"] if mode == "incremental" else []})
        configured_catalog = {"streams": configured}

        full = source_fauna(workdir, "read", config=config, catalog=configured_catalog)
        show_records("first sync (full snapshot of every collection)", full)
        state = list({m["state"]["stream"]["stream_descriptor"]["name"]: m["state"] for m in full if m["type"] == "STATE"}.values())

        client = fauna.client()
        first_two = client.query(q.paginate(q.documents(q.collection("users")), size=2))["data"]
        client.query(q.update(first_two[0], {"data": {"status": "changed by the demo"}}))
        client.query(q.delete(first_two[1]))
        client.query(q.create(q.collection("users"), {"data": {"name": "Created by the demo"}}))
        print("\n== wrote to Fauna: updated one user, deleted one, created one")

        incremental = source_fauna(workdir, "read", config=config, catalog=configured_catalog, state=state)
        show_records("second sync (incremental: only what changed, deletions included)", incremental)

        # Schema mode `typed`: discover samples the documents and makes each field of `data` a column.
        typed_config = {**config, "schema_mode": "typed", "collection_settings": [{"name": "users", "data_column": False}]}
        typed_catalog = next(m["catalog"] for m in source_fauna(workdir, "discover", config=typed_config) if m["type"] == "CATALOG")
        users = next(stream for stream in typed_catalog["streams"] if stream["name"] == "users")
        columns = {name: schema.get("type", "anyOf") for name, schema in users["json_schema"]["properties"].items()}
        print(f"\n== discover in schema mode typed: users columns {json.dumps(columns)}")
        typed_read = source_fauna(
            workdir, "read", config=typed_config,
            catalog={"streams": [{"stream": users, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite", "cursor_field": []}]},
        )
        show_records("typed full refresh of users (the fields of data as columns)", typed_read)

        # Child databases: a tenant's database with a `users` of its own, read through an admin key.
        client.query(q.create_database({"name": "tenant_a"}))
        tenant = fauna.client(f"{fauna.secret}:tenant_a:admin")
        tenant.query(q.create_collection({"name": "users"}))
        tenant.query([q.create(q.collection("users"), {"data": {"name": name}}) for name in ("Tenant Ada", "Tenant Alan")])
        admin_key = client.query(q.create_key({"role": "admin"}))["secret"]
        child_config = {**config, "secret": admin_key, "child_databases": {"mode": "all"}}
        status = source_fauna(workdir, "check", config=child_config)[-1]["connectionStatus"]
        print(f"\n== wrote to Fauna: child database tenant_a with its own users\n== check with child_databases all: {status['message']}")
        child_catalog = next(m["catalog"] for m in source_fauna(workdir, "discover", config=child_config) if m["type"] == "CATALOG")
        print(f"   streams: {[stream['name'] for stream in child_catalog['streams']]}")
        tenant_users = next(stream for stream in child_catalog["streams"] if stream["name"] == "tenant_a/users")
        child_read = source_fauna(
            workdir, "read", config=child_config,
            catalog={"streams": [{"stream": tenant_users, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite", "cursor_field": []}]},
        )
        show_records("full refresh of the child database's stream tenant_a/users", child_read)


if __name__ == "__main__":
    main()
