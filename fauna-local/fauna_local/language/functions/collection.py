"""Functions over arrays and pages: map, filter, foreach, take, drop, reverse, prepend, append, is_empty;
count, max, min and reverse also over sets.

A page keeps its `before`/`after` and only `data` is transformed (core `ArrayFunctions.scala`).
"""

from __future__ import annotations

from typing import Any, Callable, List

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, describe, function
from fauna_local.language.functions.sets import ReverseSet, as_set
from fauna_local.storage.ordering import sort_key
from fauna_local.values import Ref, SetRef


def _over(value: Any, pos: List[Any], transform: Callable[[List[Any]], Any]) -> Any:
    """Apply `transform` to an array, or to a page's data keeping its cursors."""
    if isinstance(value, list):
        return transform(value)
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        out = {k: v for k, v in value.items() if k != "data"}
        out["data"] = transform(value["data"])
        # keep Fauna's key order: before, after, data
        return {**{k: out[k] for k in ("before", "after") if k in out}, "data": out["data"]}
    raise errors.wrong_type("Array or Page", describe(value), pos)


@function("map", "collection")
def _map(ctx: Context, pos: List[Any], fn: Any, coll: Any) -> Any:
    call = args.lambda_(fn, pos + ["map"]).fn
    return _over(coll, pos + ["collection"], lambda items: [call(ctx, v) for v in items])


@function("foreach", "collection")
def _foreach(ctx: Context, pos: List[Any], fn: Any, coll: Any) -> Any:
    call = args.lambda_(fn, pos + ["foreach"]).fn

    def run(items: List[Any]) -> List[Any]:
        for v in items:
            call(ctx, v)
        return items

    return _over(coll, pos + ["collection"], run)


@function("filter", "collection")
def _filter(ctx: Context, pos: List[Any], fn: Any, coll: Any) -> Any:
    call = args.lambda_(fn, pos + ["filter"]).fn
    p = pos + ["filter"]
    return _over(coll, pos + ["collection"], lambda items: [v for v in items if args.boolean(call(ctx, v), p)])


def _fold(ctx: Context, value: Any, pos: List[Any], reduce: Callable[[List[Any]], Any]) -> Any:
    """Count, Max, Min over an Array, a Page or a Set (core ast/functions/AbstractFoldFunction.scala: an array
    gives the value, a page a page of the one value with its cursors, a set the value over all its
    elements); anything else is 400 "Array, Set, or Page expected" (core ast/Casts.scala Iterable)."""
    if isinstance(value, list):
        return reduce(value)
    if describe(value) == "Page":
        return _over(value, pos, lambda items: [reduce(items)])
    if isinstance(value, SetRef):
        spec = value.spec
        return reduce([spec.element(k) for k in spec.keys(ctx, pos)])
    raise errors.wrong_type("Array, Set, or Page", describe(value), pos)


@function("count")
def _count(ctx: Context, pos: List[Any], coll: Any) -> Any:
    return _fold(ctx, coll, pos + ["count"], len)


def _extreme(name: str, pick: Callable[..., Any]) -> None:
    @function(name)
    def compute(ctx: Context, pos: List[Any], coll: Any) -> Any:
        p = pos + [name]

        def reduce(items: List[Any]) -> Any:
            if not items:  # core ReduceFunctions.scala AbstractCBORFunction: EmptyArrayArgument
                raise errors.invalid_argument("Non-empty array expected.", p)
            return pick(items, key=lambda v: sort_key(args.plain(v)))

        return _fold(ctx, coll, p, reduce)


_extreme("max", max)
_extreme("min", min)


@function("is_empty")
def _is_empty(ctx: Context, pos: List[Any], coll: Any) -> Any:
    return _over(coll, pos + ["is_empty"], lambda items: not items)


@function("is_nonempty")
def _is_nonempty(ctx: Context, pos: List[Any], coll: Any) -> Any:
    return _over(coll, pos + ["is_nonempty"], lambda items: bool(items))


@function("take", "collection")
def _take(ctx: Context, pos: List[Any], n: Any, coll: Any) -> Any:
    k = max(0, args.integer(n, pos + ["take"]))
    return _over(coll, pos + ["collection"], lambda items: items[:k])


@function("drop", "collection")
def _drop(ctx: Context, pos: List[Any], n: Any, coll: Any) -> Any:
    k = max(0, args.integer(n, pos + ["drop"]))
    return _over(coll, pos + ["collection"], lambda items: items[k:])


@function("reverse")
def _reverse(ctx: Context, pos: List[Any], coll: Any) -> Any:
    """An array or a page's data reversed (a page keeps its cursors), or a set read from its end (core
    SetFunctions.scala ReverseFunction); anything else is 400 "Array, Set, or Page expected" (core ast/Casts.scala Iterable)."""
    if isinstance(coll, (SetRef, Ref)):  # a ref of a native collection or a document is a set too (core Casts.Identifier)
        return SetRef({"reverse": coll}, ReverseSet(as_set(coll, pos + ["reverse"])))
    if not isinstance(coll, list) and describe(coll) != "Page":
        raise errors.wrong_type("Array, Set, or Page", describe(coll), pos + ["reverse"])
    return _over(coll, pos + ["reverse"], lambda items: items[::-1])


@function("prepend", "collection")
def _prepend(ctx: Context, pos: List[Any], elems: Any, coll: Any) -> Any:
    head = args.array(elems, pos + ["prepend"])
    return _over(coll, pos + ["collection"], lambda items: head + items)


@function("append", "collection")
def _append(ctx: Context, pos: List[Any], elems: Any, coll: Any) -> Any:
    tail = args.array(elems, pos + ["append"])
    return _over(coll, pos + ["collection"], lambda items: items + tail)
