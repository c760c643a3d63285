"""Schema writes: create_collection, create_index, create_database, create_key (and their update/delete).

Rendered shapes: collection = {ref, ts, history_days, name, ...} (v4 docs functions/createcollection); index =
{ref, ts, active, serialized, name, source, terms?, values?, partitions} (core `queries/IndexSpec.scala`
"creates an index"); index defaults from core `doc/Index.scala`
(serialized true, partitions 8 without terms else 1); OSS default history_days 0 (core `SchemaItem.scala`).
CreateKey returns the secret once with ref, database, role and hashed_secret (core
`ext/api/src/test/scala/api/KeySpec.scala` "keys do not store a plain-text secret").
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, Dict, List

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, describe, function
from fauna_local.language.functions.read import document_value
from fauna_local.language.functions.write import drop_nulls, freeze, merge
from fauna_local.language.permissions import BUILTIN_ROLES, compile_role, require
from fauna_local.language.resolve import collection, database_of
from fauna_local.values import RawJSON, Ref

WHAT = {"collections": "Collection", "indexes": "Index", "databases": "Database", "keys": "Key", "roles": "Role"}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _name(params: Dict[str, Any], pos: List[Any]) -> str:
    name = params.get("name")
    if name is not None and not isinstance(name, str):
        # faunadb-python v4 tests/test_errors.py test_invalid_type: one failure "invalid type" at ["name"]
        # (text from core Renderable.scala InvalidType)
        failure = {"field": ["name"], "code": "invalid type", "description": f"Invalid type {describe(name)}, expected type String."}
        raise errors.validation_failed("document data is not valid.", pos, [failure])
    if not name or name in ("events", "sets", "self", "documents", "_"):
        raise errors.validation_failed("document data is not valid.", pos)
    return name


def _field_specs(specs: Any, pos: List[Any]) -> Any:
    if specs is None:
        return None
    if isinstance(specs, dict):
        specs = [specs]
    if not isinstance(specs, list):
        raise errors.validation_failed("document data is not valid.", pos)
    masked = []
    for spec in specs:
        field = spec.get("field") if isinstance(spec, dict) else None
        ok = isinstance(field, str) or isinstance(field, list) and field and all(isinstance(f, (str, int)) for f in field)
        if not ok:
            raise errors.validation_failed("document data is not valid.", pos)
        # Echoed as given, extra keys masked (core api/IndexSpec.scala "validates terms / path").
        masked.append({k: spec[k] for k in ("field", "reverse") if k in spec})
    return masked


def _collection_body(ctx: Context, params: Dict[str, Any], pos: List[Any]) -> Dict[str, Any]:
    # Without the field a collection keeps 0 days of history (OSS default); given as null it is not
    # stored, and a collection without history_days keeps its history forever (core doc/Collection.scala,
    # the MVT floor "lack of a retention policy means that history is kept forever").
    body: Dict[str, Any] = {"history_days": params.get("history_days", 0), "name": _name(params, pos)}
    hd = body["history_days"]
    if hd is None:
        del body["history_days"]
    elif isinstance(hd, bool) or not isinstance(hd, (int, float)) or hd < 0:
        raise errors.validation_failed("document data is not valid.", pos)
    for k, v in params.items():
        if k not in ("history_days", "name"):
            body[k] = v
    return body


def _index_body(ctx: Context, params: Dict[str, Any], pos: List[Any]) -> Dict[str, Any]:
    name = _name(params, pos)
    source = params.get("source")
    sources = source if isinstance(source, list) and source else [source]
    for s in sources:
        if not isinstance(s, Ref) or s.kind != "collections":
            raise errors.validation_failed("document data is not valid.", pos)
        db, space = collection(ctx, s, pos)
        if (db.path, space.name) in ctx.txn.created_collections:
            raise errors.same_txn_index(pos)
    terms = _field_specs(params.get("terms"), pos)
    values = _field_specs(params.get("values"), pos)
    # "active" is a placeholder the store sets from the build size (≤128 events: built now, core doc/Index.scala
    # BuildSyncSize).
    body: Dict[str, Any] = {"active": True, "serialized": params.get("serialized", True), "name": name, "source": source}
    if terms is not None:
        body["terms"] = terms
    if values is not None:
        body["values"] = values
    if "unique" in params:
        body["unique"] = args.boolean(params["unique"], pos)
    body["partitions"] = params.get("partitions", 1 if terms else 8)
    for k in ("data", "permissions"):
        if params.get(k) is not None:
            body[k] = params[k]
    return body


def create_schema(ctx: Context, pos: List[Any], kind: str, params: Dict[str, Any], params_pos: List[Any]) -> RawJSON:
    """Create a schema document; invalid params fail validation at `params_pos`, their argument."""
    params = freeze(params)
    db = ctx.db
    key_secret = None
    if kind == "collections":
        body = _collection_body(ctx, params, params_pos)
        name = body["name"]
    elif kind == "indexes":
        body = _index_body(ctx, params, params_pos)
        name = body["name"]
    elif kind in ("databases", "roles"):
        name = _name(params, params_pos)
        body = {"name": name, **{k: v for k, v in params.items() if k != "name" and v is not None}}
        if kind == "roles":
            compile_role(name, body, params_pos)  # refuse a role whose privileges are malformed
    else:
        role = params.get("role")
        target = params.get("database")
        target_db = database_of(ctx, target, pos) if isinstance(target, Ref) and target.kind == "databases" else None
        if target is not None and target_db is None:
            raise errors.invalid_ref(f"Ref refers to undefined database '{getattr(target, 'id', target)}'", pos)
        if isinstance(role, Ref):
            # a custom role of the database the key opens (v4 docs CreateKey: role is a built-in name or a Role ref)
            roles = (target_db or db).natives["roles"]
            seq = roles.by_name.get(role.id) if role.kind == "roles" else None
            if seq is None or roles.docs[seq].current is None:
                raise errors.invalid_ref(f"Ref refers to undefined role '{role.id}'", pos)
        elif role not in BUILTIN_ROLES:
            raise errors.validation_failed("document data is not valid.", params_pos)
        key_secret = "fn" + secrets.token_urlsafe(30)
        name = str(ctx.store.new_id())
        body = {}
        if target is not None:
            body["database"] = target
        body["role"] = role
        body["hashed_secret"] = hash_secret(key_secret)
        for k in ("data", "priority"):
            if params.get(k) is not None:
                body[k] = params[k]
    require(ctx, ("native", kind), "create", pos, lambda: dict(body))
    space = db.natives[kind]
    existing = space.by_name.get(name)
    if existing is not None and space.docs[existing].current is not None:
        raise errors.already_exists(WHAT[kind], pos + ["create_" + WHAT[kind].lower()])
    ref = Ref(name, Ref(kind))
    version = ctx.store.define(ctx.txn, db, kind, name, ref, drop_nulls(body))
    value: Any = document_value(ref, version)
    if key_secret is not None:
        full = dict(value.value)
        full = {k: full[k] for k in ("ref", "ts", "database", "role") if k in full}
        full["secret"] = key_secret
        full["hashed_secret"] = body["hashed_secret"]
        for k in ("data", "priority"):
            if k in body:
                full[k] = body[k]
        value = full
    ctx.created.add(id(value))
    return value


def update_schema(ctx: Context, pos: List[Any], ref: Ref, version: Any, patch: Dict[str, Any], replace: bool) -> RawJSON:
    kind = ref.kind
    db = database_of(ctx, ref.database, pos)
    name = ref.id
    if "name" in patch and patch["name"] != ref.id:
        if kind != "indexes":
            raise errors.invalid_argument("This server renames indexes only.", pos)
        name = args.string(patch["name"], pos + ["params"])
        if name in db.natives[kind].by_name:
            raise errors.already_exists(WHAT[kind], pos)
        ctx.store.rename_index(ctx.txn, db, ref.id, name)
    body = dict(version.body)
    if replace:
        body = {k: v for k, v in body.items() if k in ("name", "source", "active", "hashed_secret", "role", "database")}
    for k, v in patch.items():
        if v is None:
            body.pop(k, None)
        elif k == "data":
            body[k] = merge(body.get(k), v)
        else:
            body[k] = drop_nulls(v)
    if kind == "roles":
        compile_role(name, body, pos)
    require(ctx, ("native", kind), "write", pos, lambda: [version.body, dict(body)])
    new_ref = Ref(name, Ref(kind))
    new = ctx.store.define(ctx.txn, db, kind, name, new_ref, body)
    return document_value(new_ref, new)


def delete_schema(ctx: Context, pos: List[Any], ref: Ref) -> None:
    kind = ref.kind
    require(ctx, ("native", kind), "delete", pos, lambda: ref)
    db = database_of(ctx, ref.database, pos)
    if kind == "collections":
        for idx in list(db.indexes.values()):
            if ref.id in idx.sources:
                ctx.store.define(ctx.txn, db, "indexes", idx.name, Ref(idx.name, Ref("indexes")), None)
    ctx.store.define(ctx.txn, db, kind, ref.id, Ref(ref.id, Ref(kind)), None)


def _creator(fn_name: str, kind: str) -> None:
    @function(fn_name)
    def create(ctx: Context, pos: List[Any], params: Any) -> Any:
        return create_schema(ctx, pos, kind, args.obj(params, pos + [fn_name]), pos + [fn_name])


_creator("create_collection", "collections")
_creator("create_class", "collections")
_creator("create_index", "indexes")
_creator("create_database", "databases")
_creator("create_key", "keys")
_creator("create_role", "roles")


@function("key_from_secret")
def _key_from_secret(ctx: Context, pos: List[Any], secret: Any) -> RawJSON:
    """The key document a secret belongs to (driver test_key_from_secret)."""
    require(ctx, ("native", "keys"), "read", pos)
    entry = ctx.store.key_hashes.get(hash_secret(args.string(secret, pos + ["key_from_secret"])))
    if entry is None:
        raise errors.instance_not_found(pos)
    _, _, (path, seq) = entry
    space = ctx.store.database(path).natives["keys"]
    version = space.docs[seq].at(ctx.ts)
    if version is None:
        raise errors.instance_not_found(pos)
    return document_value(Ref(space.names[seq], Ref("keys")), version)
