"""Ref constructors: collection, index, database, ref(+id), new_id, and the native schema sets.

Wire forms from the driver's `query.py`: `{"collection": "users"}`, `{"ref": coll, "id": "1"}`,
`{"collections": null}`, each with an optional `scope` database.
"""

from __future__ import annotations

from typing import Any, List, Optional

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, function, legacy_ref
from fauna_local.language.resolve import doc_id
from fauna_local.storage.store import NATIVE_SPACES
from fauna_local.values import Ref, SetRef


def _scope(value: Any, pos: List[Any]) -> Optional[Ref]:
    if value is None:
        return None
    ref = args.ref(value, pos)
    if ref.kind != "databases":
        raise errors.wrong_type("Database Ref", "Ref", pos)
    return ref


def _schema_ref(kind: str):
    @function(kind, optional=("scope",))
    def make(ctx: Context, pos: List[Any], name: Any, scope: Any = None) -> Ref:
        return Ref(args.string(name, pos + [kind]), Ref(kind + "s" if kind != "index" else "indexes"), _scope(scope, pos + ["scope"]))


_schema_ref("collection")
_schema_ref("index")
_schema_ref("database")
_schema_ref("role")


@function("ref", optional=("id",))
def _ref(ctx: Context, pos: List[Any], target: Any, id: Any = None) -> Ref:
    if isinstance(target, str) and id is None:
        return legacy_ref(target, pos + ["ref"])
    coll = args.ref(target, pos + ["ref"])
    if id is None:
        return coll
    if isinstance(id, bool) or not isinstance(id, (str, int)):
        raise errors.wrong_type("String or Number", type(id).__name__, pos + ["id"])
    if coll.kind == "collections" or coll.collection is None and coll.id not in NATIVE_SPACES:
        doc_id(id, pos + ["id"])
    return Ref(str(id), coll)


@function("new_id")
def _new_id(ctx: Context, pos: List[Any], _: Any) -> str:
    return str(ctx.store.new_id())


def _native_set(kind: str):
    @function(kind)
    def make(ctx: Context, pos: List[Any], scope: Any) -> SetRef:
        from fauna_local.language.functions.sets import SchemaSet

        db_ref = _scope(scope, pos + [kind])
        return SetRef({kind: db_ref}, SchemaSet(kind, db_ref))


for _kind in NATIVE_SPACES:
    _native_set(_kind)
