"""Resolve refs against the store: databases, collections, indexes, document ids (who may read or write
them is decided in permissions.py)."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from fauna_local.language import errors
from fauna_local.language.compiler import Context
from fauna_local.storage.documents import Space
from fauna_local.storage.indexes import Index
from fauna_local.storage.store import Database
from fauna_local.values import Ref


def database_of(ctx: Context, scope: Optional[Ref], pos: List[Any]) -> Optional[Database]:
    """The database a ref lives in: the caller's, or a child named by `scope` (recursively)."""
    if scope is None:
        return ctx.db
    parent = database_of(ctx, scope.database, pos)
    if parent is None:
        return None
    return parent.children.get(scope.id)


def collection(ctx: Context, ref: Ref, pos: List[Any]) -> Tuple[Database, Space]:
    """A collection ref -> (database, space); undefined -> 400 invalid ref (core Error.scala InvalidRef)."""
    if ref.kind != "collections":
        raise errors.invalid_argument("Collection ref expected.", pos)
    db = database_of(ctx, ref.database, pos)
    space = db.collections.get(ref.id) if db is not None else None
    if space is None:
        raise errors.undefined_collection(ref.id, pos)
    return db, space


def index(ctx: Context, ref: Ref, pos: List[Any]) -> Tuple[Database, Index]:
    if ref.kind != "indexes":
        raise errors.invalid_argument("Index ref expected.", pos)
    db = database_of(ctx, ref.database, pos)
    idx = db.indexes.get(ref.id) if db is not None else None
    if idx is None:
        raise errors.undefined_index(ref.id, pos)
    return db, idx


def check_mvt(ctx: Context, space: Space) -> None:
    """Reading the past below a collection's min valid time is refused (core ReadValidTimeBelowMVT)."""
    if ctx.ts < ctx.now:
        mvt = ctx.store.min_valid_time(space, ctx.now)
        if ctx.ts < mvt:
            from fauna_local.values import Time

            raise errors.read_below_mvt(Time(ctx.ts * 1000).iso(), Time(mvt * 1000).iso())


def document(ctx: Context, ref: Ref, pos: List[Any]) -> Tuple[Database, Space, int]:
    """A document ref -> (database, space, numeric id)."""
    if ref.collection is None or ref.kind is not None:
        raise errors.invalid_argument("Document ref expected.", pos)
    db, space = collection(ctx, ref.collection, pos)
    return db, space, doc_id(ref.id, pos)


def doc_id(value: Any, pos: List[Any]) -> int:
    """Document ids are 64-bit numbers given as numeric strings (core DocID.scala; Renderable.scala
    NonNumericSubIDArgument)."""
    text = str(value)
    if not text.isdigit():
        raise errors.non_numeric_id(text, pos)
    if int(text) >= 2**63:
        raise errors.id_too_large(text, pos)
    return int(text)


def undefined(ref: Ref, pos: List[Any]) -> errors.FaunaError:
    kind = ref.kind
    if kind == "indexes":
        return errors.undefined_index(ref.id, pos)
    if kind == "databases":
        return errors.undefined_database(ref.id, pos)
    if kind == "collections":
        return errors.undefined_collection(ref.id, pos)
    return errors.instance_not_found(pos)
