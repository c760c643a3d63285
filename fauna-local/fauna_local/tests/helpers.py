"""Shared helpers for fauna_local's own tests: run driver-built expressions through an in-process Engine."""

from __future__ import annotations

import warnings
from typing import Any, Tuple

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb._json import parse_json, to_json

from fauna_local.engine import Engine

SECRET = "secret"


def execute(engine: Engine, expr: Any, secret: str = SECRET) -> Tuple[int, Any]:
    """(status, decoded body) exactly as the driver would decode the HTTP answer."""
    status, body, _ = engine.execute(to_json(expr).encode("utf-8"), secret)
    return status, parse_json(body.decode("utf-8"))


def ok(engine: Engine, expr: Any, secret: str = SECRET) -> Any:
    status, body = execute(engine, expr, secret)
    assert status in (200, 201), body
    return body["resource"]


def error(engine: Engine, expr: Any, secret: str = SECRET) -> Tuple[int, str, str]:
    status, body = execute(engine, expr, secret)
    first = body["errors"][0]
    return status, first["code"], first["description"]
