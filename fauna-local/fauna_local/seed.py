"""`--seed sample`: a small realistic database for the demo (users, products, orders).

Each collection has an index `<collection>_ts` with values [ts, ref] and no terms; users and products keep
30 days of history, orders keep it forever (created with `history_days: null`, so without the field). The
documents cover every value type Fauna stores (strings, ints, floats, a number above 2^53, booleans, nested
objects, arrays, times, dates, bytes, refs, a ttl; never a null, which Fauna does not store); some share one
transaction, some are updated later (one update removes a field with null), some deleted. Written through the engine with ordinary FQL, so it exercises the same code as clients.
"""

from __future__ import annotations

from typing import Any, Dict, List

from fauna_local.engine import Engine

COLLECTIONS = {"users": 30, "products": 30, "orders": None}


def _coll(name: str) -> Dict[str, Any]:
    return {"collection": name}


def _ref(coll: str, doc_id: str) -> Dict[str, Any]:
    return {"ref": _coll(coll), "id": doc_id}


def _obj(**fields: Any) -> Dict[str, Any]:
    return {"object": fields}


def _create(coll: str, doc_id: str, data: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    return {"create": _ref(coll, doc_id), "params": _obj(data={"object": data}, **extra)}


def _run(engine: Engine, expr: Any) -> None:
    status, body, _ = engine.execute(expr, engine.secret)
    if status >= 300:
        raise RuntimeError(f"seeding failed: {status} {body[:300]!r}")


def seed_sample(engine: Engine) -> None:
    """Load the sample data unless the database already has collections (a persistent data dir)."""
    if engine.store.root.collections:
        return
    for name, days in COLLECTIONS.items():
        _run(engine, {"create_collection": _obj(name=name, history_days=days)})
    for name in COLLECTIONS:
        _run(engine, {"create_index": _obj(name=f"{name}_ts", source=_coll(name), values=[_obj(field="ts"), _obj(field="ref")])})
    users: List[Any] = [
        _create("users", "101", {"name": "Ada Lovelace", "email": "ada@example.com", "age": 36, "active": True,
                                  "score": 98.5, "tags": ["admin", "math"], "address": _obj(city="London"),
                                  "joined": {"@date": "2020-01-15"}, "last_login": {"@ts": "2024-01-02T03:04:05.123456Z"}}),
        _create("users", "102", {"name": "Alan Turing", "email": "alan@example.com", "age": 41, "active": False,
                                  "score": 87.25, "tags": [], "address": _obj(city="Wilmslow", zip="SK9"),
                                  "avatar": {"@bytes": "AQIDBA=="}}),
        _create("users", "103", {"name": "Grace Hopper", "age": 85, "active": True,
                                  "score": 100, "big": 9007199254740993, "nested": _obj(a=_obj(b=_obj(c=[1, 2, _obj(d="e")])))}),
    ]
    _run(engine, users)  # one transaction: the three users share a ts
    _run(engine, [
        _create("products", "201", {"title": "Keyboard", "price": 49.99, "stock": 12, "sku": "KB-1"}),
        _create("products", "202", {"title": "Mouse", "price": 19.5, "stock": 0, "sku": "MS-2"}),
        _create("products", "203", {"title": "Monitor", "price": 199, "stock": 3, "sku": "MN-3"}),
    ])
    _run(engine, _create("orders", "301", {"user": _ref("users", "101"), "items": [_obj(product=_ref("products", "201"), qty=2)],
                                           "total": 99.98, "placed": {"time": "2024-02-01T10:00:00Z"}, "status": "paid"}))
    _run(engine, _create("orders", "302", {"user": _ref("users", "102"), "items": [_obj(product=_ref("products", "202"), qty=1)],
                                           "total": 19.5, "placed": {"time": "2024-02-02T11:30:00Z"}, "status": "pending"},
                         ttl={"time": "2099-01-01T00:00:00Z"}))
    _run(engine, _create("orders", "303", {"user": _ref("users", "103"), "items": [], "total": 0, "status": "cancelled"}))
    _run(engine, {"update": _ref("users", "102"), "params": _obj(data=_obj(active=True, address=_obj(zip=None)))})
    _run(engine, {"update": _ref("products", "202"), "params": _obj(data=_obj(stock=25))})
    _run(engine, {"delete": _ref("orders", "303")})
    _run(engine, {"delete": _ref("products", "203")})
