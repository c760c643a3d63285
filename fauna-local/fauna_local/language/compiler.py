"""Compile a JSON FQL v4 expression into a tree of Python closures, then evaluate it.

Each JSON object is a function call chosen by its **exact key set** (core `ast/Parser.scala`): the function's name
key holds its first argument, the other keys are named arguments.
Functions register themselves with `@function(name, *required, optional=..., lazy=...)`, declaring their
arguments once; compiling validates the key set (400 invalid expression with the position) before anything
runs. Any function nests in any other: arguments are compiled recursively.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from fauna_local.language import errors
from fauna_local.values import Bytes, QueryValue, Ref, SetRef, Time

Node = Callable[["Context"], Any]
MAX_DEPTH = 200


@dataclass
class Spec:
    name: str
    required: Tuple[str, ...]
    optional: Tuple[str, ...]
    impl: Callable[..., Any]
    lazy: bool  # impl receives compiled nodes instead of values (If, And, Let, At, ...)
    special: Optional[Callable[..., Node]] = None  # impl compiles its own arguments (Lambda, Let, Var)
    arg_compilers: Optional[Dict[str, Callable[..., Node]]] = None  # per-argument syntax (Paginate cursor)

    def __post_init__(self) -> None:
        self.keys: FrozenSet[str] = frozenset((self.name,) + self.required)
        self.allowed: FrozenSet[str] = self.keys | frozenset(self.optional)


FUNCTIONS: Dict[str, Spec] = {}


def function(name: str, *required: str, optional: Sequence[str] = (), lazy: bool = False, arg_compilers: Optional[Dict[str, Callable[..., Node]]] = None) -> Callable:
    """Register `impl(ctx, pos, first, *required, **optional)` as the FQL function `name`."""

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[name] = Spec(name, tuple(required), tuple(optional), impl, lazy, None, arg_compilers)
        return impl

    return register


def special_form(name: str, *required: str, optional: Sequence[str] = ()) -> Callable:
    """Register a form that compiles its own arguments: `compile_fn(compiler, expr, pos) -> Node`."""

    def register(compile_fn: Callable[..., Node]) -> Callable[..., Node]:
        FUNCTIONS[name] = Spec(name, tuple(required), tuple(optional), compile_fn, False, compile_fn)
        return compile_fn

    return register


class Context:
    """Evaluation state of one request: database, snapshot time, transaction, variables, role."""

    __slots__ = ("engine", "store", "db", "ts", "now", "txn", "vars", "role", "created", "read_only_ts", "depth")

    def __init__(self, engine: Any, db: Any, txn: Any, role: Any):
        self.engine = engine
        self.store = engine.store
        self.db = db
        self.txn = txn
        self.ts = txn.ts  # snapshot time for reads; At/Get(ts)/Paginate(ts) lower it
        self.now = txn.ts
        self.vars: Dict[str, Any] = {}
        self.role = role  # a built-in role's name, or a custom role (language/permissions.py)
        self.created: set = set()  # id() of values that are newly created documents (-> HTTP 201)
        self.read_only_ts = False
        self.depth = 0

    def derive(self, **changes: Any) -> "Context":
        other = Context.__new__(Context)
        for slot in Context.__slots__:
            setattr(other, slot, getattr(self, slot))
        for k, v in changes.items():
            setattr(other, k, v)
        return other


# Checked in order: bool before int (bool is an int in Python), Bytes before str-like types.
_TYPE_NAMES = [
    (bool, "Boolean"), (int, "Integer"), (float, "Double"), (str, "String"), (list, "Array"), (Ref, "Ref"),
    (Time, "Time"), (datetime.date, "Date"), (Bytes, "Bytes"), (SetRef, "Set"), (QueryValue, "Lambda"),
]


def describe(value: Any) -> str:
    """Type names as Fauna prints them in 'X expected, Y provided.' (core `Type.scala`)."""
    if value is None:
        return "Null"
    for python_type, name in _TYPE_NAMES:
        if isinstance(value, python_type):
            return name
    if isinstance(value, dict) and "data" in value and set(value) <= {"before", "after", "data"}:
        return "Page"
    return "Object"


def compile_expr(expr: Any, pos: Tuple[Any, ...] = (), depth: int = 0) -> Node:
    """JSON expression -> closure. Raises errors.FaunaError (400) for anything that is not a valid form."""
    if depth > MAX_DEPTH:
        raise errors.too_deep(list(pos))
    t = type(expr)
    if t is str or t is int or t is float or t is bool or expr is None:
        return constant(lambda ctx, v=expr: v)
    if t is list:
        items = [compile_expr(e, pos + (i,), depth + 1) for i, e in enumerate(expr)]
        if all(getattr(n, "constant", False) for n in items):
            values = [n(None) for n in items]
            return constant(lambda ctx: values)

        def evaluate_all(ctx: Context) -> List[Any]:
            # Every element is evaluated and all their errors reported (core EvalContext.scala evalList).
            out, failed = [], None
            for n in items:
                try:
                    out.append(n(ctx))
                except errors.FaunaError as e:
                    failed = (failed or []) + [e]
            if failed:
                raise errors.combine(failed)
            return out

        return evaluate_all
    if t is dict:
        return _compile_object(expr, pos, depth)
    raise errors.invalid_expression("Unsupported JSON value.", list(pos))


def _compile_object(expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int) -> Node:
    keys = list(expr)
    if len(keys) == 1 and keys[0] in ("@set", "@query"):
        # A set or lambda value sent back: evaluating its expression rebuilds the value.
        return compile_expr(expr[keys[0]], pos + (keys[0],), depth + 1)
    if len(keys) == 1 and keys[0].startswith("@"):
        value = literal(keys[0], expr[keys[0]], pos, depth)
        return constant(lambda ctx: value)
    key_set = expr.keys()
    for k in keys:
        spec = FUNCTIONS.get(k)
        if spec is not None and spec.keys <= key_set <= spec.allowed:
            return _compile_call(spec, expr, pos, depth)
    raise errors.no_form(keys, list(pos))


def _compile_call(spec: Spec, expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int) -> Node:
    if spec.special is not None:
        return spec.special(expr, pos, depth)
    name = spec.name
    arg = expr[name]
    if len(expr) == 1 and not spec.lazy and (arg is None or type(arg) is str or type(arg) is int):
        impl, plist = spec.impl, list(pos)
        return lambda ctx: impl(ctx, plist, arg)  # e.g. {"collection": "users"}: no node for the scalar
    first = compile_expr(arg, pos + (name,), depth + 1)
    required = [compile_expr(expr[k], pos + (k,), depth + 1) for k in spec.required]
    special_args = spec.arg_compilers or {}
    optional = {k: special_args.get(k, compile_expr)(expr[k], pos + (k,), depth + 1) for k in spec.optional if k in expr}
    impl = spec.impl
    plist = list(pos)
    if spec.lazy:
        return lambda ctx: impl(ctx, plist, first, *required, **optional)
    if not required and not optional:
        return lambda ctx: impl(ctx, plist, first(ctx))
    if not optional and len(required) == 1:
        second = required[0]
        return lambda ctx: impl(ctx, plist, first(ctx), second(ctx))

    def call(ctx: Context) -> Any:
        return impl(ctx, plist, first(ctx), *[n(ctx) for n in required], **{k: n(ctx) for k, n in optional.items()})

    return call


def literal(tag: str, body: Any, pos: Tuple[Any, ...], depth: int) -> Any:
    """Tagged literals: @ref (object and legacy string), @ts, @date, @bytes, @obj."""
    p = list(pos) + [tag]
    try:
        if tag == "@ref":
            if isinstance(body, str):
                return legacy_ref(body, p)
            if isinstance(body, dict) and "id" in body:
                coll = body.get("collection")
                db = body.get("database")
                return Ref(
                    str(body["id"]),
                    literal("@ref", coll["@ref"], pos, depth) if isinstance(coll, dict) and "@ref" in coll else None,
                    literal("@ref", db["@ref"], pos, depth) if isinstance(db, dict) and "@ref" in db else None,
                )
        elif tag == "@ts" and isinstance(body, str):
            return Time.parse(body)
        elif tag == "@date" and isinstance(body, str):
            return datetime.date.fromisoformat(body)
        elif tag == "@bytes" and isinstance(body, str):
            return Bytes(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)) if ("-" in body or "_" in body) else base64.b64decode(body))
        elif tag == "@obj" and isinstance(body, dict):
            return {k: _literal_value(v, pos + ("@obj", k), depth + 1) for k, v in body.items()}
    except (ValueError, TypeError, KeyError):
        pass
    raise errors.invalid_literal(tag, p)


def _literal_value(value: Any, pos: Tuple[Any, ...], depth: int) -> Any:
    """Inside @obj: plain JSON values stay data; nested tags are still decoded."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith("@"):
            k = next(iter(value))
            return literal(k, value[k], pos, depth)
        return {k: _literal_value(v, pos + (k,), depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal_value(v, pos + (i,), depth + 1) for i, v in enumerate(value)]
    return value


def legacy_ref(text: str, pos: List[Any]) -> Ref:
    """`{"@ref":"classes/users/1"}` / `"collections/users"` / `"indexes/x"` (driver `ref("classes/x")`)."""
    parts = text.strip("/").split("/")
    kinds = {"classes": "collections", "collections": "collections", "indexes": "indexes", "databases": "databases", "keys": "keys", "roles": "roles"}
    if len(parts) == 1 and parts[0] in kinds:
        return Ref(kinds[parts[0]])
    if len(parts) == 2 and parts[0] in kinds:
        return Ref(parts[1], Ref(kinds[parts[0]]))
    if len(parts) == 3 and parts[0] in ("classes", "collections"):
        return Ref(parts[2], Ref(parts[1], Ref("collections")))
    raise errors.invalid_expression(f"Invalid ref string '{text}'.", pos)


def constant(node: Node) -> Node:
    """Mark a node whose value does not depend on the context (lets enclosing arrays fold too)."""
    node.constant = True  # type: ignore[attr-defined]
    return node


NOT_CONSTANT = object()
_SCALARS = (str, int, float, bool, type(None))


def constant_value(fields: Dict[str, Any], pos: Tuple[Any, ...], depth: int, refs: List[Any]) -> Any:
    """The value of an `object` body made only of data (scalars, arrays, nested `object`s, tagged
    literals), or NOT_CONSTANT when any function call appears. Cheaper than compiling node by node.
    Refs met are appended to `refs` (writes validate them)."""
    return _constant_fields(fields, depth, pos, refs)


def _constant(value: Any, level: int, pos: Tuple[Any, ...], refs: List[Any]) -> Any:
    t = type(value)
    if t in _SCALARS:
        return value
    if level > MAX_DEPTH:
        raise errors.too_deep(list(pos))
    if t is list:
        out = []
        for v in value:
            c = _constant(v, level + 1, pos, refs)
            if c is NOT_CONSTANT:
                return NOT_CONSTANT
            out.append(c)
        return out
    if t is dict and len(value) == 1:
        (k, v), = value.items()
        if k == "object" and type(v) is dict:
            return _constant_fields(v, level + 1, pos, refs)
        if k.startswith("@") and k not in ("@set", "@query"):
            lit = literal(k, v, pos, level)
            if type(lit) is Ref:
                refs.append(lit)
            return lit
    return NOT_CONSTANT


def _constant_fields(body: Dict[str, Any], level: int, pos: Tuple[Any, ...], refs: List[Any]) -> Any:
    out = {}
    for k, v in body.items():
        c = _constant(v, level, pos, refs)
        if c is NOT_CONSTANT:
            return NOT_CONSTANT
        out[k] = c
    return out
