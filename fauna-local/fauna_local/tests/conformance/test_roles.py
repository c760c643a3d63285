"""Reads and writes a key may not make, for built-in and custom roles (CreateRole, Role(), keys with a role).

Sources (open-sourced core, github.com/fauna/faunadb, and faunadb-python v4):
- ext/api/src/test/scala/queries/ABACSpec.scala: "filter documents" (a key without privileges pages an
  empty Documents() set, with Privilege.open a non-empty one), "validate instance permissions with (no)
  predicates" (Get and writes 403), "validate index permissions with (no) predicate" (Paginate(Match) 403,
  predicates receive the terms), "can read instance history without instance read permission"
  (Paginate(ref, events) needs history_read only), "validate schema permissions with no predicate".
- ext/model/src/main/scala/set/DocumentsSet.scala and set/IndexSet.scala `filteredForRead`; ast/functions/
  ReadAdaptor.scala: a documents set is filtered per document, an index set the key may not read is 403
  at the set's position, `get` is 403 at the call's position and `exists` answers `canRead && exists`.
- ext/model/src/main/scala/auth/RoleEvalAction.scala: what each action's predicate receives.
- faunadb-python v4 tests/test_query.py: test_create_role, test_role, test_nested_references.
"""

import pytest
from faunadb import query as q
from faunadb.errors import BadRequest, PermissionDenied
from faunadb.objects import Native, Ref

from .conftest import coll_ref, doc_ref, error_fields

PUBLIC, SECRET_C = "public", "secret_docs"


@pytest.fixture
def db(fauna):
    """Two collections with an index each; public holds a document marked visible and one not."""
    fauna.collection(PUBLIC)
    fauna.collection(SECRET_C)
    fauna.index("public_by_ts", PUBLIC, values=[{"field": ["ts"]}, {"field": ["ref"]}])
    fauna.index("secret_by_ts", SECRET_C, values=[{"field": ["ts"]}, {"field": ["ref"]}])
    fauna.index("public_by_kind", PUBLIC, terms=[{"field": ["data", "kind"]}])
    fauna.q(q.create(q.ref(q.collection(PUBLIC), "1"), {"data": {"visible": True, "kind": "a"}}))
    fauna.q(q.create(q.ref(q.collection(PUBLIC), "2"), {"data": {"visible": False, "kind": "b"}}))
    fauna.q(q.create(q.ref(q.collection(SECRET_C), "1"), {"data": {"x": 1}}))
    return fauna


def key_with(fauna, *privileges, name="r"):
    fauna.q(q.create_role({"name": name, "privileges": list(privileges)}))
    secret = fauna.q(q.create_key({"role": q.role(name)}))["secret"]
    return fauna.client_for(secret)


def denied(fauna, client, expr):
    return error_fields(fauna.raises(expr, PermissionDenied, client=client))


def page(client, set_expr):
    return client.query(q.paginate(set_expr))["data"]


# -- built-in roles ---------------------------------------------------------------------------------------
def test_given_a_client_key_then_documents_filtered_exists_false_get_denied_at_the_call(db):
    # ABACSpec "filter documents"; ReadAdaptor get/exists.
    client = db.client_for(db.q(q.create_key({"role": "client"}))["secret"])
    one = q.ref(q.collection(PUBLIC), "1")
    assert page(client, q.documents(q.collection(PUBLIC))) == []
    assert client.query(q.exists(one)) is False
    assert denied(db, client, q.get(one))[2] == []
    assert denied(db, client, q.let({"x": 1}, q.get(one)))[2] == ["in"]
    assert denied(db, client, q.paginate(q.match(q.index("public_by_ts"))))[2] == ["paginate"]


# -- custom roles -----------------------------------------------------------------------------------------
def test_given_create_role_then_role_ref_and_roles_set(db):
    # faunadb-python v4 test_create_role / test_role: CreateRole answers the role document; Role("x") is
    # Ref("x", Native.ROLES).
    created = db.q(q.create_role({"name": "a_role", "privileges": {"resource": q.collections(), "actions": {"read": True}}}))
    assert created["ref"] == Ref("a_role", Native.ROLES)
    assert created["name"] == "a_role"
    assert db.q(q.role("a_role")) == Ref("a_role", Native.ROLES)
    assert db.q(q.paginate(q.roles()))["data"] == [Ref("a_role", Native.ROLES)]
    assert db.q(q.exists(q.role("a_role"))) is True


def test_given_a_role_in_a_child_database_then_nested_refs_resolve(fauna):
    # faunadb-python v4 test_nested_references.
    fauna.q(q.create_database({"name": "parent-database"}))
    parent = fauna.client_for(fauna.q(q.create_key({"database": q.database("parent-database"), "role": "admin"}))["secret"])
    parent.query(q.create_database({"name": "child-database"}))
    child = fauna.client_for(parent.query(q.create_key({"database": q.database("child-database"), "role": "admin"}))["secret"])
    child.query(q.create_collection({"name": "a_collection"}))
    child.query(q.create_role({"name": "a_role", "privileges": {"resource": q.collections(), "actions": {"read": True}}}))
    nested = q.database("child-database", q.database("parent-database"))
    assert fauna.q(q.exists(q.role("a_role", nested))) is True
    child_db = Ref("child-database", Native.DATABASES, Ref("parent-database", Native.DATABASES))
    assert fauna.q(q.paginate(q.roles(nested)))["data"] == [Ref("a_role", Native.ROLES, child_db)]


def test_given_a_key_with_an_undefined_role_then_invalid_ref(fauna):
    err = fauna.raises(q.create_key({"role": q.role("nope")}), BadRequest)
    assert error_fields(err)[0] == "invalid ref"


def test_given_read_on_one_collection_then_only_it_is_readable(db):
    # ABACSpec "validate instance permissions with no predicates" and "filter documents".
    client = key_with(db, {"resource": q.collection(PUBLIC), "actions": {"read": True}})
    assert page(client, q.documents(q.collection(PUBLIC))) == [doc_ref(PUBLIC, "1"), doc_ref(PUBLIC, "2")]
    assert client.query(q.get(q.ref(q.collection(PUBLIC), "1")))["data"]["kind"] == "a"
    assert page(client, q.documents(q.collection(SECRET_C))) == []
    assert client.query(q.exists(q.ref(q.collection(SECRET_C), "1"))) is False
    assert denied(db, client, q.get(q.ref(q.collection(SECRET_C), "1")))[2] == []


def test_given_no_read_on_an_index_then_paginate_match_is_403_at_paginate(db):
    # ABACSpec "validate index permissions with no predicate"; IndexSet.filteredForRead.
    client = key_with(
        db,
        {"resource": q.collection(PUBLIC), "actions": {"read": True}},
        {"resource": q.index("public_by_ts"), "actions": {"read": True}},
    )
    assert len(page(client, q.match(q.index("public_by_ts")))) == 2
    assert denied(db, client, q.paginate(q.match(q.index("secret_by_ts")))) == (
        "permission denied", "Insufficient privileges to perform the action.", ["paginate"])


def test_given_read_on_an_index_but_not_its_collection_then_its_entries_are_filtered(db):
    # ReadAdaptor paginate: index sets are filtered per document (`isFiltered`) unless unrestricted_read.
    client = key_with(db, {"resource": q.index("secret_by_ts"), "actions": {"read": True}})
    assert page(client, q.match(q.index("secret_by_ts"))) == []


def test_given_a_read_predicate_then_documents_and_get_follow_it(db):
    # ABACSpec "validate instance permissions with predicates": read receives the ref.
    visible = q.query(q.lambda_("ref", q.select(["data", "visible"], q.get(q.var("ref")))))
    client = key_with(db, {"resource": q.collection(PUBLIC), "actions": {"read": visible}})
    assert page(client, q.documents(q.collection(PUBLIC))) == [doc_ref(PUBLIC, "1")]
    assert client.query(q.exists(q.ref(q.collection(PUBLIC), "2"))) is False
    denied(db, client, q.get(q.ref(q.collection(PUBLIC), "2")))


def test_given_an_index_predicate_on_terms_then_only_those_terms_are_readable(db):
    # ABACSpec "validate index permissions with predicate": read on an index receives the terms.
    only_a = q.query(q.lambda_("terms", q.equals(q.var("terms"), ["a"])))
    client = key_with(
        db,
        {"resource": q.collection(PUBLIC), "actions": {"read": True}},
        {"resource": q.index("public_by_kind"), "actions": {"read": only_a}},
    )
    assert page(client, q.match(q.index("public_by_kind"), "a")) == [doc_ref(PUBLIC, "1")]
    denied(db, client, q.paginate(q.match(q.index("public_by_kind"), "b")))


def test_given_schema_privileges_then_collections_and_indexes_sets_follow_them(db):
    # ABACSpec "validate schema permissions with no predicate": Paginate(ClassesRef) with and without.
    client = key_with(db, {"resource": q.collections(), "actions": {"read": True}})
    assert page(client, q.collections()) == [coll_ref(PUBLIC), coll_ref(SECRET_C)]
    assert client.query(q.get(q.collection(PUBLIC)))["name"] == PUBLIC
    denied(db, client, q.paginate(q.indexes()))
    denied(db, client, q.get(q.index("public_by_ts")))
    denied(db, client, q.paginate(q.databases()))


def test_given_a_read_predicate_on_collections_then_the_set_lists_what_it_accepts(db):
    # ABACSpec "validate schema permissions with predicates": read receives the schema document's ref;
    # SchemaSet is filtered per element (set/IndexSet.scala SchemaSet, isFiltered).
    # The set itself is checked with the native collection's ref (its id "collections"), then each element.
    named_public = q.query(
        q.lambda_("ref", q.or_(q.equals(q.select("id", q.var("ref")), "collections"), q.equals(q.select("id", q.var("ref")), PUBLIC)))
    )
    client = key_with(db, {"resource": q.collections(), "actions": {"read": named_public}})
    assert page(client, q.collections()) == [coll_ref(PUBLIC)]
    assert client.query(q.get(q.collection(PUBLIC)))["name"] == PUBLIC
    denied(db, client, q.get(q.collection(SECRET_C)))


def test_given_history_read_then_a_documents_own_events_follow_it(db):
    # ABACSpec "can read instance history without instance read permission": Paginate(ref, events) needs
    # history_read (set/DocSet.scala filteredForRead), not read.
    one = q.ref(q.collection(PUBLIC), "1")
    history = key_with(db, {"resource": q.collection(PUBLIC), "actions": {"history_read": True}}, name="h")
    assert history.query(q.paginate(one, events=True))["data"]
    denied(db, history, q.get(one))
    reader = key_with(db, {"resource": q.collection(PUBLIC), "actions": {"read": True}}, name="rd")
    denied(db, reader, q.paginate(one, events=True))


def test_given_write_privileges_with_predicates_then_each_write_follows_its_action(db):
    # ABACSpec "validate instance permissions with predicates": create receives the new fields, write
    # the old and the new fields, delete the ref.
    mutable = lambda v: q.select(["data", "mutable"], v, False)  # noqa: E731
    client = key_with(
        db,
        {
            "resource": q.collection(PUBLIC),
            "actions": {
                "read": True,
                "create": q.query(q.lambda_("new", mutable(q.var("new")))),
                "write": q.query(q.lambda_(["old", "new"], q.and_(mutable(q.var("old")), mutable(q.var("new"))))),
                "delete": q.query(q.lambda_("ref", mutable(q.get(q.var("ref"))))),
            },
        },
    )
    coll = q.collection(PUBLIC)
    denied(db, client, q.create(coll, {"data": {"mutable": False}}))
    doc = client.query(q.create(q.ref(coll, "10"), {"data": {"mutable": True}}))
    assert doc["data"] == {"mutable": True}
    denied(db, client, q.update(doc["ref"], {"data": {"mutable": False}}))
    assert client.query(q.update(doc["ref"], {"data": {"n": 1}}))["data"] == {"mutable": True, "n": 1}
    denied(db, client, q.delete(q.ref(coll, "1")))
    client.query(q.delete(doc["ref"]))
    assert db.q(q.exists(doc["ref"])) is False


def test_given_no_privileges_then_schema_writes_are_denied(db):
    client = key_with(db, {"resource": q.collection(PUBLIC), "actions": {"read": True}})
    denied(db, client, q.create_collection({"name": "new_one"}))
    denied(db, client, q.create_role({"name": "escalate", "privileges": []}))
    denied(db, client, q.create_key({"role": "admin"}))


def test_given_a_role_updated_or_deleted_then_its_keys_follow_at_once(db):
    client = key_with(db, {"resource": q.collections(), "actions": {"read": True}})
    assert page(client, q.documents(q.collection(PUBLIC))) == []
    db.q(q.update(q.role("r"), {"privileges": [{"resource": q.collection(PUBLIC), "actions": {"read": True}}]}))
    assert len(page(client, q.documents(q.collection(PUBLIC)))) == 2
    denied(db, client, q.paginate(q.collections()))
    db.q(q.delete(q.role("r")))
    assert page(client, q.documents(q.collection(PUBLIC))) == []


def test_given_a_malformed_privilege_then_create_role_fails_validation(fauna):
    fauna.collection(PUBLIC)
    for privileges in ([{"actions": {"read": True}}], [{"resource": q.collection(PUBLIC), "actions": {"fly": True}}]):
        err = fauna.raises(q.create_role({"name": "bad", "privileges": privileges}), BadRequest)
        assert error_fields(err)[0] == "validation failed"
