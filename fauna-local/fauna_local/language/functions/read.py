"""Reads: get (± ts), exists. Documents come back as their pre-rendered version (RawJSON).

Status pairs from core `ast/Error.scala`: missing/deleted document -> 404 instance not found; undefined collection or
index -> 400 invalid ref; `Exists` answers false for both (core `ReadFunctions.scala`).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, function
from fauna_local.language.functions.sets import as_set
from fauna_local.language.permissions import allowed
from fauna_local.language.resolve import check_mvt, collection, database_of, doc_id, undefined
from fauna_local.storage.documents import Version
from fauna_local.values import RawJSON, Ref, SetRef, Time


def read_version(
    ctx: Context, ref: Ref, pos: List[Any], missing_ok: bool = False, missing_pos: Optional[List[Any]] = None, as_reader: bool = True
) -> Optional[Tuple[Ref, Version]]:
    """The version of `ref` visible at ctx.ts. Raises invalid ref (at `pos`) or instance not found (at
    `missing_pos`, default `pos`) unless missing_ok. With `as_reader`, a document the key may not read
    is 403 at `missing_pos` (core ast/functions/ReadAdaptor.scala `get`: PermissionDenied at the call's
    position), or absent when missing_ok (`exists` answers `canRead && exists`); writes read the
    previous version without that check (core WriteAdaptor reads `prev` from the store)."""
    kind = ref.kind
    if kind is not None:
        db = database_of(ctx, ref.database, pos)
        space = db.natives[kind] if db is not None else None
        key = space.by_name.get(ref.id) if space is not None else None
        doc = space.docs.get(key) if key is not None else None
        version = doc.at(ctx.ts) if doc is not None else None
        if version is None:
            if missing_ok:
                return None
            raise undefined(ref, pos)
        if as_reader and not allowed(ctx, ("native", kind), "read", lambda: ref):
            if missing_ok:
                return None
            raise errors.permission_denied(pos if missing_pos is None else missing_pos)
        return ref, version
    if ref.collection is None:
        if missing_ok:
            return None
        raise errors.invalid_argument("Document ref expected.", pos)
    try:
        db, space = collection(ctx, ref.collection, pos)
    except errors.FaunaError:
        if missing_ok:
            return None
        raise
    check_mvt(ctx, space)
    if as_reader and not allowed(ctx, ("collection", space.name), "read", lambda: ref):
        if missing_ok:
            return None
        raise errors.permission_denied(pos if missing_pos is None else missing_pos)
    doc = space.docs.get(doc_id(ref.id, pos))
    version = doc.at(ctx.ts) if doc is not None else None
    if version is not None:
        # A version whose ttl is at or before the transaction's snapshot time is gone, whatever the
        # valid time read (core repo/Store.scala checkTTL compares with Query.snapshotTime; StoreSpec
        # "ttl on read": a document with ttl 15 is not found at valid time 10 either).
        ttl = version.ttl
        if isinstance(ttl, Time) and ttl.micros <= ctx.now:
            version = None
    if version is None:
        if missing_ok:
            return None
        raise errors.instance_not_found(pos if missing_pos is None else missing_pos)
    return ref, version


def document_value(ref: Ref, version: Version) -> RawJSON:
    """A stored version as a value: spliced as raw JSON on output, decoded only if selected into."""
    ts = version.ts
    return RawJSON(version.raw, lambda: {"ref": ref, "ts": ts, **version.body})


@function("get", optional=("ts",))
def _get(ctx: Context, pos: List[Any], target: Any, ts: Any = None) -> Any:
    if ts is not None:
        ctx = ctx.derive(ts=min(args.timestamp_micros(ts, pos + ["ts"]), ctx.ts))
    if isinstance(target, SetRef):
        spec = as_set(target, pos + ["get"])
        keys = spec.keys(ctx, pos + ["get"])
        if not keys:
            raise errors.set_not_found(pos)
        target = spec.element(keys[0])
    ref = args.ref(target, pos + ["get"])
    # invalid ref at ["get"]; a missing document at the call itself (test_errors: position [])
    found = read_version(ctx, ref, pos + ["get"], missing_pos=pos)
    return document_value(*found)


@function("exists", optional=("ts",))
def _exists(ctx: Context, pos: List[Any], target: Any, ts: Any = None) -> bool:
    if ts is not None:
        ctx = ctx.derive(ts=min(args.timestamp_micros(ts, pos + ["ts"]), ctx.ts))
    if isinstance(target, SetRef):
        return bool(as_set(target, pos + ["exists"]).keys(ctx, pos + ["exists"]))
    ref = args.ref(target, pos + ["exists"])
    if ref.collection is not None and ref.kind is None and not ref.id.isdigit():
        return False
    return read_version(ctx, ref, pos, missing_ok=True) is not None
