"""Authentication forms, keys, databases and scoping.

Sources: core `project/src/main/scala/RunCorePlugin.scala` (Bearer and Basic "secret:" accepted); core
`ext/model/src/main/scala/auth/AuthScope.scala` (scoped secrets `secret:db:role`); core `api/Application.scala`
ErrorResponse and driver `errors.py` (401 shape; Unauthorized overwrites the description); core
`ext/api/src/test/scala/api/KeySpec.scala` (CreateKey returns secret, ref, database, role, hashed_secret);
driver `tests/test_query.py` (test_create_key, test_nested_keys, test_create_database, test_key_from_secret)
and `tests/test_errors.py::test_unauthorized`; core `ext/api/src/test/scala/queries/BasicFunctionsSpec.scala`
("constructs native classrefs accessors with null scope": Paginate(Databases()/Collections()/Keys()) shows only
what the key's database holds).
"""

import base64
import json

import pytest
import requests
from faunadb import query as q
from faunadb.errors import Unauthorized
from faunadb.objects import Native, Ref

from .conftest import HTTP_TIMEOUT, SECRET, coll_ref


def db_ref(name):
    return Ref(name, Native.DATABASES)


def _post(fauna, authorization, expr_body=b'"hi"'):
    headers = {"X-FaunaDB-API-Version": "4", "Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return requests.post(fauna.server.endpoint + "/", data=expr_body, headers=headers, timeout=HTTP_TIMEOUT)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer " + SECRET, "Basic " + base64.b64encode((SECRET + ":").encode()).decode()],
    ids=["bearer", "basic"],
)
def test_given_root_secret_in_either_auth_form_when_querying_then_200(fauna, authorization):
    # driver client.py: Authorization: Bearer <secret>; core RunCorePlugin.scala also accepts Basic base64("secret:").
    response = _post(fauna, authorization)
    assert response.status_code == 200
    assert json.loads(response.content) == {"resource": "hi"}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong",
        "Basic " + base64.b64encode(b"wrong:").decode(),
        "Token " + SECRET,
        "Bearer ",
        "Basic !!!not-base64!!!",
    ],
    ids=["missing", "bad-bearer", "bad-basic", "unknown-scheme", "empty-bearer", "garbage-basic"],
)
def test_given_bad_or_missing_credentials_when_querying_then_401_unauthorized(fauna, authorization):
    # driver tests/test_errors.py::test_unauthorized, core api/KeySpec.scala: bad/unknown secret or no
    # Authorization -> 401 "unauthorized", WWW-Authenticate header.
    response = _post(fauna, authorization)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == 'Basic realm="Unauthorized"'
    assert json.loads(response.content)["errors"][0]["code"] == "unauthorized"


def test_given_bad_secret_when_querying_through_the_driver_then_unauthorized(fauna):
    # driver tests/test_errors.py::test_unauthorized: Unauthorized with code "unauthorized" (driver
    # errors.py replaces the description with its own text).
    client = fauna.client_for("bad_key")
    with pytest.raises(Unauthorized) as info:
        client.query(q.to_micros(q.now()))
    assert info.value.errors[0].code == "unauthorized"
    assert info.value.errors[0].description.startswith("Unauthorized. Check that endpoint")


def test_given_create_database_when_checked_then_it_exists_and_is_listed(fauna):
    # driver test_query.py::test_create_database; BasicFunctionsSpec: Paginate(Databases()) lists children.
    created = fauna.q(q.create_database({"name": "database_for_test"}))
    assert created["ref"] == db_ref("database_for_test")
    assert created["name"] == "database_for_test"
    assert fauna.q(q.exists(q.database("database_for_test"))) is True
    fauna.q(q.create_database({"name": "second"}))
    assert fauna.all_of(q.databases()) == [db_ref("database_for_test"), db_ref("second")]


def test_given_create_key_when_called_then_secret_ref_database_role_hashed_secret(fauna):
    # core api/KeySpec.scala ("POST works", "keys do not store a plain-text secret"): CreateKey returns secret
    # (once), ref, database, role, hashed_secret.
    fauna.q(q.create_database({"name": "app"}))
    key = fauna.q(q.create_key({"database": q.database("app"), "role": "server"}))
    assert isinstance(key["secret"], str) and key["secret"]
    assert key["database"] == db_ref("app")
    assert key["role"] == "server"
    assert "hashed_secret" in key
    assert key["ref"].collection() == Native.KEYS
    # The secret is shown once: reading the key back does not reveal it.
    assert "secret" not in fauna.q(q.get(key["ref"]))


def test_given_keys_created_when_paginating_keys_then_in_creation_order(fauna):
    # driver test_query.py::test_nested_keys: paginate(keys()) == [server_key.ref, admin_key.ref].
    fauna.q(q.create_database({"name": "db-test"}))
    server_key = fauna.q(q.create_key({"database": q.database("db-test"), "role": "server"}))
    admin_key = fauna.q(q.create_key({"database": q.database("db-test"), "role": "admin"}))
    assert fauna.all_of(q.keys()) == [server_key["ref"], admin_key["ref"]]


def test_given_a_key_for_a_child_database_when_used_then_it_reaches_only_that_database(fauna):
    # driver test_query.py::test_create_key (a server key creates a collection in its database);
    # BasicFunctionsSpec null scope: each key sees only its own database's collections.
    fauna.collection("root_only")
    fauna.q(q.create_database({"name": "database_for_key_test"}))
    key = fauna.q(q.create_key({"database": q.database("database_for_key_test"), "role": "server"}))
    child = fauna.client_for(key["secret"])
    child.query(q.create_collection({"name": "collection_for_test"}))
    assert child.query(q.exists(q.collection("collection_for_test"))) is True
    assert child.query(q.paginate(q.collections())) == {"data": [coll_ref("collection_for_test")]}
    assert child.query(q.exists(q.collection("root_only"))) is False
    assert fauna.q(q.exists(q.collection("collection_for_test"))) is False
    assert fauna.all_of(q.collections()) == [coll_ref("root_only")]


def test_given_scoped_root_secret_when_used_then_it_acts_inside_the_named_database(fauna):
    # core auth/AuthScope.scala: `secret:dbname:admin` / `secret:dbname:server` act in dbname.
    fauna.q(q.create_database({"name": "scoped"}))
    admin = fauna.client_for(SECRET + ":scoped:admin")
    admin.query(q.create_collection({"name": "inside"}))
    server = fauna.client_for(SECRET + ":scoped:server")
    assert server.query(q.paginate(q.collections())) == {"data": [coll_ref("inside")]}
    assert fauna.q(q.exists(q.collection("inside"))) is False


def test_given_scoped_secret_for_missing_database_when_used_then_401(fauna):
    # driver tests/test_errors.py::test_unauthorized: an unknown secret -> 401 (a scope naming no database
    # authenticates nothing).
    client = fauna.client_for(SECRET + ":no_such_db:admin")
    with pytest.raises(Unauthorized):
        client.query(q.to_micros(q.now()))


def test_given_a_key_when_getting_it_from_its_secret_then_same_ref(fauna):
    # driver test_query.py::test_key_from_secret.
    db = fauna.q(q.create_database({"name": "database_for_key_from_secret_test"}))["ref"]
    key = fauna.q(q.create_key({"database": db, "role": "server"}))
    assert fauna.q(q.key_from_secret(key["secret"]))["ref"] == key["ref"]


def test_given_deleted_key_when_its_secret_is_used_then_401(fauna):
    # driver tests/test_errors.py::test_unauthorized: an unknown secret -> 401; a deleted key's secret no longer
    # authenticates.
    fauna.q(q.create_database({"name": "app"}))
    key = fauna.q(q.create_key({"database": q.database("app"), "role": "server"}))
    child = fauna.client_for(key["secret"])
    assert child.query("ok") == "ok"
    fauna.q(q.delete(key["ref"]))
    with pytest.raises(Unauthorized):
        child.query("ok")


def test_given_nested_databases_when_listing_from_each_level_then_each_key_sees_its_children_only(fauna):
    # core BasicFunctionsSpec "constructs native classrefs accessors with null scope": Paginate(Databases())
    # with rootDB's key -> [db]; with db's key -> [childDB]; with childDB's key -> [].
    fauna.q(q.create_database({"name": "a"}))
    a = fauna.client_for(fauna.q(q.create_key({"database": q.database("a"), "role": "admin"}))["secret"])
    a.query(q.create_database({"name": "b"}))
    b = fauna.client_for(a.query(q.create_key({"database": q.database("b"), "role": "admin"}))["secret"])
    assert fauna.all_of(q.databases()) == [db_ref("a")]
    assert a.query(q.paginate(q.databases())) == {"data": [db_ref("b")]}
    assert b.query(q.paginate(q.databases())) == {"data": []}


def test_given_collection_in_a_child_database_when_named_with_a_database_scope_then_resolved_from_the_parent(fauna):
    # driver test_query.py::test_nested_references: exists(collection(name, database(child))) is true and
    # paginate(collections(database(child))) == [Ref(name, Native.COLLECTIONS, Ref(child, Native.DATABASES))].
    fauna.q(q.create_database({"name": "child"}))
    child = fauna.client_for(fauna.q(q.create_key({"database": q.database("child"), "role": "admin"}))["secret"])
    child.query(q.create_collection({"name": "a_collection"}))
    assert fauna.q(q.exists(q.collection("a_collection", q.database("child")))) is True
    assert fauna.q(q.exists(q.collection("a_collection"))) is False
    assert fauna.all_of(q.collections(q.database("child"))) == [Ref("a_collection", Native.COLLECTIONS, db_ref("child"))]


@pytest.mark.parametrize(
    "expr",
    [q.create_database({"name": "grandchild"}), q.create_key({"database": q.database("x"), "role": "admin"})],
    ids=["create-database", "create-key"],
)
def test_given_a_server_key_when_managing_databases_or_keys_then_403_permission_denied(fauna, expr):
    # Fauna docs, keys and built-in roles (docs.fauna.com/fauna/current/cookbook/security/builtin): "Keys
    # with the server role are equivalent to the admin role with some exceptions. User-defined roles, child
    # databases, keys, tokens ... cannot be directly managed with the server role"; driver
    # tests/test_errors.py::test_permission_denied: 403.
    from faunadb.errors import PermissionDenied

    fauna.q(q.create_database({"name": "app"}))
    admin = fauna.client_for(fauna.q(q.create_key({"database": q.database("app"), "role": "admin"}))["secret"])
    admin.query(q.create_database({"name": "x"}))
    server = fauna.client_for(fauna.q(q.create_key({"database": q.database("app"), "role": "server"}))["secret"])
    assert server.query(q.select("name", q.create_collection({"name": "allowed"}))) == "allowed"
    with pytest.raises(PermissionDenied):
        server.query(expr)


def test_given_scoped_secret_with_a_nested_database_path_when_used_then_it_acts_in_the_grandchild(fauna):
    # core auth/AuthScope.scala: `secret:db1/db2:admin` names a nested database path.
    fauna.q(q.create_database({"name": "a"}))
    a = fauna.client_for(SECRET + ":a:admin")
    a.query(q.create_database({"name": "b"}))
    ab = fauna.client_for(SECRET + ":a/b:admin")
    ab.query(q.create_collection({"name": "deep"}))
    assert a.query(q.exists(q.collection("deep", q.database("b")))) is True
    assert a.query(q.exists(q.collection("deep"))) is False


def _admin_key_of(fauna, path):
    """The secret of a new admin key of the database at `path` (created from its parent, through the root secret)."""
    *parents, name = path.split("/")
    parent = fauna.client_for(SECRET + ":" + "/".join(parents) + ":admin") if parents else fauna.client_for(SECRET)
    return parent.query(q.create_key({"database": q.database(name), "role": "admin"}))["secret"]


def test_given_an_admin_key_when_scoped_to_a_child_database_then_it_acts_there_with_the_scoped_role(fauna):
    # core auth/AuthScope.scala: BuiltinRoleAuthScope.getKeyAuth, allowed when canSetScope(key) (an admin key);
    # the path (Database.getSubScope(key.scopeID, path)) is relative to the key's own database.
    fauna.q(q.create_database({"name": "tenant"}))
    key = _admin_key_of(fauna, "tenant")
    fauna.client_for(key).query(q.create_database({"name": "team"}))
    fauna.client_for(key + ":team:admin").query(q.create_collection({"name": "users"}))
    readonly = fauna.client_for(key + ":team:server-readonly")
    assert readonly.query(q.paginate(q.collections())) == {"data": [coll_ref("users")]}
    from faunadb.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        readonly.query(q.create_collection({"name": "refused"}))
    assert fauna.client_for(key).query(q.exists(q.collection("users"))) is False


def test_given_an_admin_key_when_scoped_with_a_role_alone_then_it_acts_in_its_own_database_with_that_role(fauna):
    # core AuthParser: `':' ~ optional(database ~ ':') ~ builtin`: `secret:server-readonly` keeps the database.
    from faunadb.errors import PermissionDenied

    fauna.q(q.create_database({"name": "tenant"}))
    key = _admin_key_of(fauna, "tenant")
    fauna.client_for(key).query(q.create_collection({"name": "users"}))
    readonly = fauna.client_for(key + ":server-readonly")
    assert readonly.query(q.paginate(q.collections())) == {"data": [coll_ref("users")]}
    with pytest.raises(PermissionDenied):
        readonly.query(q.create_collection({"name": "refused"}))


@pytest.mark.parametrize("role", ["server", "server-readonly", "client"])
def test_given_a_key_without_the_admin_role_when_scoped_then_401(fauna, role):
    # core AuthScope.canSetScope: only an admin key may set a scope; AbstractRoleAuthScope.getKeyAuth answers none.
    fauna.q(q.create_database({"name": "tenant"}))
    fauna.client_for(_admin_key_of(fauna, "tenant")).query(q.create_database({"name": "team"}))
    key = fauna.q(q.create_key({"database": q.database("tenant"), "role": role}))["secret"]
    with pytest.raises(Unauthorized):
        fauna.client_for(key + ":team:server-readonly").query("ok")


def test_given_an_admin_key_when_scoped_to_a_missing_database_then_401(fauna):
    # core BuiltinRoleAuthScope.getScopePermission: Database.getSubScope finds no database -> no auth -> 401.
    fauna.q(q.create_database({"name": "tenant"}))
    key = _admin_key_of(fauna, "tenant")
    with pytest.raises(Unauthorized):
        fauna.client_for(key + ":no_such_db:admin").query("ok")


def test_given_an_admin_key_when_scoped_to_a_deleted_database_then_401(fauna):
    fauna.q(q.create_database({"name": "tenant"}))
    key = _admin_key_of(fauna, "tenant")
    fauna.client_for(key).query(q.create_database({"name": "team"}))
    scoped = fauna.client_for(key + ":team:server-readonly")
    assert scoped.query("ok") == "ok"
    fauna.client_for(key).query(q.delete(q.database("team")))
    with pytest.raises(Unauthorized):
        scoped.query("ok")


def test_given_a_scope_with_a_custom_role_when_used_then_the_role_of_that_database_applies(fauna):
    # core AuthParser `custom` (`@role/<name>`) and CustomRoleAuthScope: Role.idByNameActive in the scoped database.
    from faunadb.errors import PermissionDenied

    fauna.q(q.create_database({"name": "tenant"}))
    key = _admin_key_of(fauna, "tenant")
    admin = fauna.client_for(key)
    admin.query(q.create_collection({"name": "open"}))
    admin.query(q.create_collection({"name": "closed"}))
    admin.query(q.create_role({"name": "reader", "privileges": [{"resource": q.collection("open"), "actions": {"read": True}}]}))
    admin.query(q.create(q.ref(q.collection("open"), "1"), {"data": {"a": 1}}))
    admin.query(q.create(q.ref(q.collection("closed"), "1"), {"data": {"a": 2}}))
    reader = fauna.client_for(SECRET + ":tenant:@role/reader")
    assert reader.query(q.select(["data", "a"], q.get(q.ref(q.collection("open"), "1")))) == 1
    with pytest.raises(PermissionDenied):
        reader.query(q.get(q.ref(q.collection("closed"), "1")))
    with pytest.raises(Unauthorized):
        fauna.client_for(SECRET + ":tenant:@role/no_such_role").query("ok")


@pytest.mark.parametrize("suffix", [":tenant:bogus", ":tenant", "::admin"])
def test_given_a_scope_that_does_not_parse_when_used_then_the_secret_acts_alone(fauna, suffix):
    # core AuthParser: `secret ~ ':' ~ zeroOrMore(ANY)` -> NullAuthScope: the text after the secret is ignored.
    fauna.q(q.create_database({"name": "tenant"}))
    fauna.collection("at_root")
    assert fauna.client_for(SECRET + suffix).query(q.exists(q.collection("at_root"))) is True
