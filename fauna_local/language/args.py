"""Argument coercion shared by function families: one place for 'X expected, Y provided.' errors."""

from __future__ import annotations

from typing import Any, Dict, List

from fauna_local.language import errors
from fauna_local.language.compiler import describe
from fauna_local.values import QueryValue, RawJSON, Ref, SetRef, Time


def obj(value: Any, pos: List[Any]) -> Dict[str, Any]:
    if type(value) is RawJSON:
        return value.value
    if isinstance(value, dict):
        return value
    raise errors.wrong_type("Object", describe(value), pos)


def integer(value: Any, pos: List[Any]) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise errors.wrong_type("Integer", describe(value), pos)


def number(value: Any, pos: List[Any]) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise errors.wrong_type("Number", describe(value), pos)


def string(value: Any, pos: List[Any]) -> str:
    if isinstance(value, str):
        return value
    raise errors.wrong_type("String", describe(value), pos)


def boolean(value: Any, pos: List[Any]) -> bool:
    if isinstance(value, bool):
        return value
    raise errors.wrong_type("Boolean", describe(value), pos)


def array(value: Any, pos: List[Any]) -> List[Any]:
    if isinstance(value, list):
        return value
    raise errors.wrong_type("Array", describe(value), pos)


def ref(value: Any, pos: List[Any]) -> Ref:
    if isinstance(value, Ref):
        return value
    raise errors.wrong_type("Ref", describe(value), pos)


def set_ref(value: Any, pos: List[Any]) -> SetRef:
    if isinstance(value, SetRef):
        return value
    raise errors.wrong_type("Set", describe(value), pos)


def lambda_(value: Any, pos: List[Any]) -> QueryValue:
    if isinstance(value, QueryValue):
        return value
    raise errors.wrong_type("Lambda", describe(value), pos)


def timestamp_micros(value: Any, pos: List[Any]) -> int:
    """A point in time given as µs (Integer) or a Time (At, Get ts, Paginate ts)."""
    if isinstance(value, Time):
        return value.micros
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise errors.wrong_type("Integer or Time", describe(value), pos)


def plain(value: Any) -> Any:
    """Stored document values (RawJSON) -> their object form, for comparisons and selection."""
    if type(value) is RawJSON:
        return value.value
    return value
