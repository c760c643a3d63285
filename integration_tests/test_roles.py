"""The least-privilege key of docs/fauna.md, run as written there, and roles that miss a privilege.

The recipe is taken from the documentation's `CreateRole(…); CreateKey(…)` block, so the test fails
when the documented recipe stops working. The local Fauna enforces custom roles as the core does.
"""

import re
import warnings
from pathlib import Path
from typing import Any, Dict, List

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from integration_tests.conftest import create_collection, create_documents

DOCS = Path(__file__).resolve().parent.parent / "docs" / "fauna.md"
DELETIONS = {"page_size": 2, "deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}}
# FQL functions of the recipe, as the faunadb driver spells them.
FUNCTIONS = {
    "CreateRole": q.create_role,
    "CreateKey": q.create_key,
    "Role": q.role,
    "Collections": q.collections,
    "Indexes": q.indexes,
    "Collection": q.collection,
    "Index": q.index,
}


def documented_recipe() -> List[Any]:
    """The statements of the docs' CreateRole block, turned into driver expressions.

    The block is FQL in JavaScript syntax; quoting its object keys and spelling `true` as Python makes it
    a Python expression over the functions above."""
    blocks = re.findall(r"```javascript\n(.*?)```", DOCS.read_text(), re.S)
    recipe = next(block for block in blocks if "CreateRole(" in block)
    statements = [statement.strip() for statement in recipe.split(";") if statement.strip()]
    python = [re.sub(r"([{,]\s*)(\w+):", r'\1"\2":', s).replace("true", "True").replace("false", "False") for s in statements]
    return [eval(s, {"__builtins__": {}}, dict(FUNCTIONS)) for s in python]  # noqa: S307 - our own docs


def seed(fauna):
    client = fauna.client()
    create_collection(client, "users", index="users_by_ts")
    create_collection(client, "payroll")
    users = create_documents(client, "users", [{"name": "Ada"}, {"name": "Alan"}, {"name": "Grace"}])
    create_documents(client, "payroll", [{"salary": 1}])
    return client, users


def key_for(client, *statements) -> str:
    result = None
    for statement in statements:
        result = client.query(statement)
    return result["secret"]


def role_key(client, privileges: List[Dict[str, Any]]) -> str:
    return key_for(client, q.create_role({"name": "partial", "privileges": privileges}), q.create_key({"role": q.role("partial")}))


def test_the_documented_least_privilege_key_syncs_documents_changes_and_deletions(fauna, source):
    # The role has no history_read: the v4 core checks it only for a document's own history (core
    # model/set/DocSet.scala filteredForRead); At reads and Documents() events need read only
    # (ast/functions/ReadAdaptor.scala `get` checks the read privilege, DocumentsSet.filteredForRead).
    client, users = seed(fauna)
    secret = key_for(client, *documented_recipe())
    config = fauna.config(secret=secret, collections=["users"], collection=DELETIONS)

    assert source.run("check", config).status["status"] == "SUCCEEDED"
    catalog = source.discover_catalog(config)
    assert [(s["stream"]["name"], s["sync_mode"]) for s in catalog["streams"]] == [("users", "incremental")]
    first = source.run("read", config, catalog)
    assert first.returncode == 0 and not first.errors
    assert sorted(r["ref"] for r in first.records_of("users")) == sorted(u["ref"].id() for u in users)

    client.query(q.update(users[0]["ref"], {"data": {"name": "Ada L."}}))
    client.query(q.delete(users[1]["ref"]))
    second = source.run("read", config, catalog, first.last_state())
    assert second.returncode == 0 and not second.errors
    by_ref = {r["ref"]: r for r in second.records_of("users")}
    assert by_ref[users[0]["ref"].id()]["data"] == {"name": "Ada L."}
    assert by_ref[users[1]["ref"].id()]["deleted_at"] is not None


def test_a_collection_the_role_may_not_read_fails_check_and_read_naming_it(fauna, source):
    # Fauna filters Documents() per document for such a key: without the probe the stream would be empty.
    client, _ = seed(fauna)
    secret = key_for(client, *documented_recipe())
    config = fauna.config(secret=secret, collections=["users", "payroll"])

    check = source.run("check", config)
    assert check.status["status"] == "FAILED"
    assert "may not read the documents of collection 'payroll'" in check.status["message"]
    assert 'read` on Collection("payroll")' in check.status["message"]

    read = source.run("read", config, source.discover_catalog(config))
    assert read.returncode != 0
    assert any("collection 'payroll'" in error["message"] for error in read.errors)
    assert not read.records_of("payroll")


def test_a_role_with_history_read_but_no_read_fails_naming_read(fauna, source):
    client, _ = seed(fauna)
    secret = role_key(
        client,
        [
            {"resource": q.collections(), "actions": {"read": True}},
            {"resource": q.indexes(), "actions": {"read": True}},
            {"resource": q.collection("users"), "actions": {"history_read": True}},
            {"resource": q.index("users_by_ts"), "actions": {"read": True}},
        ],
    )
    check = source.run("check", fauna.config(secret=secret, collections=["users"]))
    assert check.status["status"] == "FAILED"
    assert 'read` on Collection("users")' in check.status["message"]


def test_a_role_that_may_not_read_the_incremental_index_fails_check_naming_it(fauna, source):
    client, _ = seed(fauna)
    secret = role_key(
        client,
        [
            {"resource": q.collections(), "actions": {"read": True}},
            {"resource": q.indexes(), "actions": {"read": True}},
            {"resource": q.collection("users"), "actions": {"read": True}},
        ],
    )
    check = source.run("check", fauna.config(secret=secret, collections=["users"]))
    assert check.status["status"] == "FAILED"
    assert "index 'users_by_ts'" in check.status["message"] and "403 permission denied" in check.status["message"]
