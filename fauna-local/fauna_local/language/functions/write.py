"""Document writes: create, update (deep merge, null removes a key), replace, delete.

All writes of a request share the transaction's timestamp (core `queries/WriteFunctionsSpec.scala` "threads
through transaction time"). Same-transaction limits from the v4 docs functions/createcollection and
functions/createindex.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, describe, function
from fauna_local.language.functions.read import document_value, read_version
from fauna_local.language.permissions import may_write_at_all, require
from fauna_local.language.resolve import collection, doc_id
from fauna_local.storage.store import NATIVE_SPACES
from fauna_local.values import RawJSON, Ref, Time

DOC_FIELDS = ("ttl", "data")  # rendering order of a document body after ref and ts
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024  # Fauna v4 docs learn/understanding/limits: 8 MB per document


def freeze(value: Any, refs: Optional[List[Ref]] = None) -> Any:
    """Turn values read from documents (RawJSON) into plain structures before storing them; collect the
    refs met on the way into `refs` (they must resolve, see check_refs)."""
    t = type(value)
    if t is dict:
        return {k: freeze(v, refs) for k, v in value.items()}
    if t is list:
        return [freeze(v, refs) for v in value]
    if t is RawJSON:
        return freeze(value.value, refs)
    if t is Ref and refs is not None:
        refs.append(value)
    return value


def drop_nulls(value: Any) -> Any:
    """`value` without nulls, at every depth of objects and arrays: Fauna never stores a null (core
    storage/src/main/scala/doc/Data.scala `patch`; repo/src/test/scala/DataSpec.scala "null semantics":
    {foo: [null]} stores {foo: []}, {foo: {bar: null}} stores {foo: {}}). `value` itself when it holds no
    null (the common case, found by a scan that copies nothing)."""
    return _without_nulls(value) if _holds_null(value) else value


def _holds_null(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        children = item.values() if type(item) is dict else item if type(item) is list else ()
        for child in children:
            if child is None:
                return True
            if type(child) is dict or type(child) is list:
                pending.append(child)
    return False


def _without_nulls(value: Any) -> Any:
    if type(value) is dict:
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if type(value) is list:
        return [_without_nulls(v) for v in value if v is not None]
    return value


def merge(base: Any, patch: Any) -> Any:
    """Deep merge for Update: objects merge recursively; null removes a key (v4 docs Update), and no
    null is stored at any depth (see drop_nulls)."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return drop_nulls(patch)
    out = dict(base)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = drop_nulls(v)
    return out


def document_body(params: Dict[str, Any], pos: List[Any]) -> Dict[str, Any]:
    body: Dict[str, Any] = {}
    ttl = params.get("ttl")
    if ttl is not None:
        if not isinstance(ttl, Time):
            raise errors.wrong_type("Time", describe(ttl), pos)
        body["ttl"] = ttl
    data = params.get("data")
    if data is not None and not isinstance(data, dict):
        raise errors.validation_failed("Document data is not valid.", pos)
    body["data"] = drop_nulls(data) if data is not None else {}
    return body


def _resolves(ctx: Context, ref: Ref, pos: List[Any]) -> bool:
    target = ref.collection if ref.kind is None and ref.collection is not None else ref
    return target.kind is None or read_version(ctx, target, pos, missing_ok=True, as_reader=False) is not None


def check_refs(ctx: Context, refs: List[Ref], body: Dict[str, Any], pos: List[Any]) -> None:
    """Refs stored in a document must resolve (core WriteFunctions.scala RefValidator): otherwise
    validation failed, with one failure per field holding an unresolved ref."""
    if all(_resolves(ctx, r, pos) for r in refs):
        return
    failures: List[Dict[str, Any]] = []

    def walk(value: Any, path: List[Any]) -> None:
        t = type(value)
        if t is dict:
            for k, v in value.items():
                walk(v, path + [k])
        elif t is list:
            for i, v in enumerate(value):
                walk(v, path + [i])
        elif t is Ref and not _resolves(ctx, value, pos):
            failures.append(errors.invalid_reference_failure(path))

    walk(body, [])
    raise errors.validation_failed("document data is not valid.", pos, failures)


def _check_unique(ctx: Context, space: Any, ref: Ref, key: int, body: Dict[str, Any], pos: List[Any]) -> None:
    for index in space.indexes:
        if index.unique and index.conflicts(body, ctx.txn.ts, ref, key):
            raise errors.instance_not_unique(pos)


def write_document(ctx: Context, ref: Ref, body: Any, pos: List[Any], created: bool, refs: Optional[List[Ref]] = None, target: Any = None) -> RawJSON:
    """Store a version of `ref` (None = delete); `target` = its (db, space) when the caller resolved them."""
    db, space = target or collection(ctx, ref.collection, pos)
    key = int(ref.id)
    if body is not None:
        if refs:
            check_refs(ctx, refs, body, pos)
        _check_unique(ctx, space, ref, key, body, pos)
    if ref.collection.database is None and ref.collection is not db.collection_ref(space.name):
        ref = Ref(ref.id, db.collection_ref(space.name))  # one shared collection ref object per collection
    canonical = ref
    version = ctx.store.put(ctx.txn, db, space, key, canonical, body)
    if version.raw is not None and len(version.raw) > MAX_DOCUMENT_BYTES:
        raise errors.document_too_large(pos)  # the transaction is rolled back: nothing is stored
    ctx.ts = ctx.txn.ts  # later reads in this transaction see the write
    value = document_value(canonical, version)
    if created:
        ctx.created.add(id(value))
    return value


@function("create", optional=("params",), lazy=True)
def _create(ctx: Context, pos: List[Any], target_node: Any, params: Any = None) -> Any:
    may_write_at_all(ctx, pos)
    ref = args.ref(target_node(ctx), pos + ["create"])
    params_node, params = params, (params(ctx) if params is not None else None)
    if ref.collection is None and ref.id in NATIVE_SPACES:
        # Create(Ref("collections"), {...}) is CreateCollection, and so on for the other natives.
        from fauna_local.language.functions.schema import create_schema

        return create_schema(ctx, pos, ref.id, args.obj(params or {}, pos + ["params"]), pos + ["params"])
    if ref.kind is None and ref.collection is not None and ref.collection.kind == "collections":
        coll_ref, key = ref.collection, doc_id(ref.id, pos + ["create"])
    else:
        coll_ref, key = ref, ctx.store.new_id()
    db, space = collection(ctx, coll_ref, pos + ["create"])
    if (db.path, space.name) in ctx.txn.created_collections:
        raise errors.same_txn_collection(pos)
    doc = space.docs.get(key)
    if doc is not None and doc.at(ctx.txn.ts) is not None:
        raise errors.already_exists("Document", pos + ["create"])
    frozen_refs = getattr(params_node, "frozen_refs", None)
    if frozen_refs is not None:  # literal data: already fresh, nothing to copy
        refs = frozen_refs
        data = params
    else:
        refs = []
        data = freeze(args.obj(params or {}, pos + ["params"]), refs)
    body = document_body(data, pos + ["params"])
    require(ctx, ("collection", space.name), "create", pos, lambda: dict(body))
    ref = Ref(str(key), db.collection_ref(space.name) if coll_ref.database is None else coll_ref)
    return write_document(ctx, ref, body, pos, created=True, refs=refs, target=(db, space))


def _existing(ctx: Context, target: Any, pos: List[Any], name: str):
    may_write_at_all(ctx, pos)
    ref = args.ref(target, pos + [name])
    found = read_version(ctx.derive(ts=ctx.txn.ts), ref, pos + [name], as_reader=False)
    return ref, found[1]


def _may_write(ctx: Context, ref: Ref, old: Any, new: Dict[str, Any], pos: List[Any]) -> None:
    """`write` receives the old and the new fields (core auth/RoleEvalAction.scala WriteInstance)."""
    require(ctx, ("collection", ref.collection.id), "write", pos, lambda: [old.body, dict(new)])


@function("update", optional=("params",))
def _update(ctx: Context, pos: List[Any], target: Any, params: Any = None) -> Any:
    ref, version = _existing(ctx, target, pos, "update")
    refs: List[Ref] = []
    patch = freeze(args.obj(params or {}, pos + ["params"]), refs)
    if ref.kind is not None:
        from fauna_local.language.functions.schema import update_schema

        return update_schema(ctx, pos, ref, version, patch, replace=False)
    body = dict(version.body)
    for k in DOC_FIELDS:
        if k in patch:
            if patch[k] is None:
                body.pop(k, None)
            else:
                body[k] = merge(body.get(k), patch[k]) if k == "data" else patch[k]
    body = document_body(body, pos + ["params"])
    _may_write(ctx, ref, version, body, pos)
    return write_document(ctx, ref, body, pos, created=False, refs=refs)


@function("replace", "params")
def _replace(ctx: Context, pos: List[Any], target: Any, params: Any) -> Any:
    ref, version = _existing(ctx, target, pos, "replace")
    refs: List[Ref] = []
    patch = freeze(args.obj(params, pos + ["params"]), refs)
    if ref.kind is not None:
        from fauna_local.language.functions.schema import update_schema

        return update_schema(ctx, pos, ref, version, patch, replace=True)
    body = document_body(patch, pos + ["params"])
    _may_write(ctx, ref, version, body, pos)
    return write_document(ctx, ref, body, pos, created=False, refs=refs)


@function("delete")
def _delete(ctx: Context, pos: List[Any], target: Any) -> Any:
    ref, version = _existing(ctx, target, pos, "delete")
    # The answer is the version that was deleted, with its own ts (core ast/functions/WriteAdaptor.scala:
    # `delete` answers `VersionL(prev)`).
    before = document_value(ref, version)
    if ref.kind is not None:
        from fauna_local.language.functions.schema import delete_schema

        delete_schema(ctx, pos, ref)
        return before
    require(ctx, ("collection", ref.collection.id), "delete", pos, lambda: ref)
    write_document(ctx, ref, None, pos, created=False)
    return before
