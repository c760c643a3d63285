"""Basic forms: object, let, var, lambda, if, do, and/or/not, equals, comparisons, arithmetic, select, merge, abort.

Semantics from the v4 docs pages of each function (docs.fauna.com/fauna/v4/api/fql/functions/<name>).
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Tuple

from fauna_local.language import args, errors
from fauna_local.language.compiler import NOT_CONSTANT, Context, compile_expr, constant, constant_value, describe, function, special_form
from fauna_local.values import QueryValue, RawJSON, Ref, SetRef, Time


def strict_equal(a: Any, b: Any) -> bool:
    """FQL equality: types must match (1 != 1.0? no: numbers compare by value; true != 1)."""
    a, b = args.plain(a), args.plain(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    return a == b


# -- values ----------------------------------------------------------------------------------------
@special_form("object")
def _object(expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int):
    fields = expr["object"]
    if not isinstance(fields, dict):
        raise errors.wrong_type("Object", describe(fields), list(pos) + ["object"])
    refs: List[Any] = []
    value = constant_value(fields, pos + ("object",), depth, refs)
    if value is not NOT_CONSTANT:
        # Pure data (the bulk of a Create): converted once into fresh structures, shared; values are never
        # mutated in place. `frozen_refs` tells writes that the value needs no copying, only ref checks.
        node = constant(lambda ctx: value)
        node.frozen_refs = refs  # type: ignore[attr-defined]
        return node
    nodes = [(k, compile_expr(v, pos + ("object", k), depth + 1)) for k, v in fields.items()]
    return lambda ctx: {k: n(ctx) for k, n in nodes}


# -- variables and lambdas --------------------------------------------------------------------------
@special_form("var")
def _var(expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int):
    name = expr["var"]
    p = list(pos)
    if not isinstance(name, str):
        # a parse error (core ast/Parser.scala InvalidExprType): invalid expression, not invalid argument
        raise errors.invalid_expression(f"String expected, {describe(name)} provided.", p + ["var"])

    def lookup(ctx: Context) -> Any:
        try:
            return ctx.vars[name]
        except KeyError:
            raise errors.unbound_variable(name, p) from None

    return lookup


@special_form("let", "in")
def _let(expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int):
    """Bindings as an object or an array of single-key objects; each sees the previous ones."""
    raw = expr["let"]
    if isinstance(raw, dict):
        pairs = [(k, v, ("let", k)) for k, v in raw.items()]
    elif isinstance(raw, list) and all(isinstance(b, dict) and len(b) == 1 for b in raw):
        pairs = [(k, v, ("let", i, k)) for i, b in enumerate(raw) for k, v in b.items()]
    else:
        raise errors.invalid_expression("Let bindings must be an object or an array of objects.", list(pos) + ["let"])
    bindings = [(k, compile_expr(v, pos + p, depth + 1)) for k, v, p in pairs]
    body = compile_expr(expr["in"], pos + ("in",), depth + 1)

    def run(ctx: Context) -> Any:
        scope = dict(ctx.vars)
        saved = ctx.vars
        ctx.vars = scope
        try:
            for name, node in bindings:
                scope[name] = node(ctx)
            return body(ctx)
        finally:
            ctx.vars = saved

    return run


@special_form("lambda", "expr")
def _lambda(expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int):
    params = expr["lambda"]
    p = list(pos)
    if isinstance(params, str):
        names: Any = params
    elif isinstance(params, list) and all(isinstance(n, str) for n in params):
        names = list(params)
    else:
        raise errors.invalid_expression("Lambda parameters must be a string or an array of strings.", p + ["lambda"])
    body = compile_expr(expr["expr"], pos + ("expr",), depth + 1)
    wire = RawJSON(json.dumps(expr, separators=(",", ":")), lambda: expr)

    def make(ctx: Context) -> QueryValue:
        captured = ctx.vars

        def call(call_ctx: Context, value: Any) -> Any:
            scope = dict(captured)
            if isinstance(names, str):
                if names != "_":
                    scope[names] = value
            else:
                value = args.plain(value)
                if not isinstance(value, list) or len(value) != len(names):
                    got = len(value) if isinstance(value, list) else 1
                    raise errors.invalid_argument(f"Lambda expects an array with {len(names)} elements. Array contains {got}.", p)
                for n, v in zip(names, value):
                    if n != "_":
                        scope[n] = v
            # Swap the variables in place (one context per request, evaluated by one thread) rather than
            # copying the context for every element of a Map.
            saved = call_ctx.vars
            call_ctx.vars = scope
            try:
                return body(call_ctx)
            finally:
                call_ctx.vars = saved

        return QueryValue(wire, call)

    return make


@function("query")
def _query(ctx: Context, pos: List[Any], fn: Any) -> QueryValue:
    # Query(Lambda(...)) is the lambda value itself, rendered as @query (driver test_echo_query).
    return args.lambda_(fn, pos + ["query"])


def apply(ctx: Context, fn: QueryValue, value: Any) -> Any:
    return fn.fn(ctx, value)


# -- control flow ----------------------------------------------------------------------------------
@function("if", "then", "else", lazy=True)
def _if(ctx: Context, pos: List[Any], cond, then, else_) -> Any:
    return then(ctx) if args.boolean(cond(ctx), pos + ["if"]) else else_(ctx)


@special_form("do")
def _do(expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int):
    """{"do": [e1, e2, ...]}: evaluated in order (writes included); the last value is returned."""
    body = expr["do"]
    if isinstance(body, list) and not body:
        # core ast/Parser.scala EmptyExpr, a parse error
        raise errors.invalid_expression("Expression list cannot be empty.", list(pos) + ["do"])
    items = body if isinstance(body, list) else [body]
    nodes = [compile_expr(e, pos + (("do", i) if isinstance(body, list) else ("do",)), depth + 1) for i, e in enumerate(items)]

    def run(ctx: Context) -> Any:
        value = None
        for node in nodes:
            value = node(ctx)
        return value

    return run


def _boolean_list(name: str):
    """And/Or: an empty expression list is a parse error (core ast/Parser.scala EmptyExpr at [name];
    BasicFormsSpec "empty and is error")."""

    @special_form(name)
    def compile_form(expr: Dict[str, Any], pos: Tuple[Any, ...], depth: int):
        body = expr[name]
        if isinstance(body, list) and not body:
            raise errors.invalid_expression("Expression list cannot be empty.", list(pos) + [name])
        items = compile_expr(body, pos + (name,), depth + 1)
        p = list(pos) + [name]
        combine = all if name == "and" else any

        def run(ctx: Context) -> bool:
            values = items(ctx)
            return combine(args.boolean(v, p) for v in (values if isinstance(values, list) else [values]))

        return run


_boolean_list("and")
_boolean_list("or")


@function("not")
def _not(ctx: Context, pos: List[Any], value: Any) -> bool:
    return not args.boolean(value, pos + ["not"])


@function("abort")
def _abort(ctx: Context, pos: List[Any], message: Any) -> Any:
    raise errors.transaction_aborted(args.string(message, pos + ["abort"]), pos)


# -- comparison and arithmetic ---------------------------------------------------------------------
def _operands(value: Any, pos: List[Any]) -> List[Any]:
    return value if isinstance(value, list) else [value]


@function("equals")
def _equals(ctx: Context, pos: List[Any], items: Any) -> bool:
    values = _operands(items, pos)
    if not values:
        raise errors.invalid_argument("Non-empty array expected.", pos + ["equals"])
    return all(strict_equal(values[0], v) for v in values[1:])


def _comparison(name: str, ok) -> None:
    from fauna_local.storage.ordering import sort_key

    @function(name)
    def compare(ctx: Context, pos: List[Any], items: Any) -> bool:
        keys = [sort_key(args.plain(v)) for v in _operands(items, pos)]
        return all(ok(a, b) for a, b in zip(keys, keys[1:]))


_comparison("lt", lambda a, b: a < b)
_comparison("lte", lambda a, b: a <= b)
_comparison("gt", lambda a, b: a > b)
_comparison("gte", lambda a, b: a >= b)


def _arith(name: str, op) -> None:
    """One or more numbers (core ast/Parser.scala `Casts.OneOrMore(Casts.Number)`): none is 400 "Non-empty
    array expected." at [name]; a wrong element is 400 at its own position (faunadb-python v4
    tests/test_errors.py test_invalid_argument: Add([1, "two"]) at ["add", 1])."""

    @function(name)
    def compute(ctx: Context, pos: List[Any], items: Any) -> Any:
        operands = _operands(items, pos)
        if not operands:
            raise errors.invalid_argument("Non-empty array expected.", pos + [name])
        at = (lambda i: pos + [name, i]) if isinstance(items, list) else (lambda i: pos + [name])
        values = [args.number(v, at(i)) for i, v in enumerate(operands)]
        result = values[0]
        for v in values[1:]:
            result = op(result, v, pos)
        return result


def _divide(a: Any, b: Any, pos: List[Any]) -> Any:
    if b == 0:
        raise errors.invalid_argument("Illegal division by zero.", pos)
    if isinstance(a, int) and isinstance(b, int):
        return int(a / b)
    return a / b


_arith("add", lambda a, b, p: a + b)
_arith("subtract", lambda a, b, p: a - b)
_arith("multiply", lambda a, b, p: a * b)
_arith("divide", _divide)
_arith("modulo", lambda a, b, p: math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else a - b * int(a / b) if b else _divide(a, b, p))


@function("abs")
def _abs(ctx: Context, pos: List[Any], value: Any) -> Any:
    return abs(args.number(value, pos + ["abs"]))


@function("is_null")
def _is_null(ctx: Context, pos: List[Any], value: Any) -> bool:
    return value is None


# -- objects ---------------------------------------------------------------------------------------
def select_path(value: Any, path: List[Any]) -> Tuple[bool, Any]:
    """Walk objects by key, arrays by index, refs by 'id'/'collection'/'database'. (found, value)."""
    cur = args.plain(value)
    for step in path:
        if isinstance(cur, dict) and isinstance(step, str) and step in cur:
            cur = args.plain(cur[step])
        elif isinstance(cur, list) and isinstance(step, int) and not isinstance(step, bool) and -len(cur) <= step < len(cur):
            cur = args.plain(cur[step])
        elif describe(cur) == "Page" and isinstance(step, int) and not isinstance(step, bool) and 0 <= step < len(cur["data"]):
            # a number selects from a page's data (core ReadAdaptor.scala valueAtPath0, case PageL)
            cur = args.plain(cur["data"][step])
        elif isinstance(cur, SetRef) and step == "@set":
            cur = cur.wire
        elif isinstance(cur, Ref) and step in ("id", "collection", "database"):
            nxt = getattr(cur, step)
            if nxt is None:
                return False, None
            cur = nxt
        else:
            return False, None
    return True, cur


def as_path(path: Any, pos: List[Any]) -> List[Any]:
    if isinstance(path, (str, int)) and not isinstance(path, bool):
        return [path]
    if isinstance(path, list) and all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in path):
        return path
    raise errors.invalid_argument("Path must be a String, Number or an Array of them.", pos)


@function("select", "from", optional=("default",), lazy=True)
def _select(ctx: Context, pos: List[Any], path, from_, default=None) -> Any:
    steps = as_path(path(ctx), pos + ["select"])
    source = from_(ctx)
    if isinstance(source, Ref) and source.kind is not None:
        # An unresolved ref in `from` is an error before any default applies (core EvalContext SelectE).
        from fauna_local.language.functions.read import read_version
        from fauna_local.language.resolve import undefined

        if read_version(ctx, source, pos + ["from"], missing_ok=True, as_reader=False) is None:
            raise undefined(source, pos + ["from"])
    found, value = select_path(source, steps)
    if found:
        return value
    if default is not None:
        return default(ctx)
    raise errors.value_not_found(steps, pos + ["from"])


@function("contains_path", "in")
def _contains_path(ctx: Context, pos: List[Any], path: Any, value: Any) -> bool:
    return select_path(value, as_path(path, pos + ["contains_path"]))[0]


@function("merge", "with")
def _merge(ctx: Context, pos: List[Any], base: Any, other: Any) -> Dict[str, Any]:
    result = dict(args.obj(base, pos + ["merge"]))
    for item in other if isinstance(other, list) else [other]:
        for k, v in args.obj(item, pos + ["with"]).items():
            if v is None:
                result.pop(k, None)
            else:
                result[k] = v
    return result


@function("to_string")
def _to_string(ctx: Context, pos: List[Any], value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Time):
        return value.iso()
    if value is None:
        return "null"
    raise errors.wrong_type("Scalar", describe(value), pos + ["to_string"])
