"""Argument coercion shared by function families: one place for 'X expected, Y provided.' errors."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from fauna_local.language import errors
from fauna_local.language.compiler import describe
from fauna_local.values import QueryValue, RawJSON, Ref, SetRef, Time


def obj(value: Any, pos: List[Any]) -> Dict[str, Any]:
    if type(value) is RawJSON:
        return value.value
    if isinstance(value, dict):
        return value
    raise errors.wrong_type("Object", describe(value), pos)


def _expect(value: Any, accepted: Tuple[type, ...], name: str, pos: List[Any]) -> Any:
    """`value` if it is one of `accepted` (never a bool unless asked), else 400 'X expected, Y provided.'"""
    if isinstance(value, accepted) and (bool in accepted or not isinstance(value, bool)):
        return value
    raise errors.wrong_type(name, describe(value), pos)


def integer(value: Any, pos: List[Any]) -> int:
    return _expect(value, (int,), "Integer", pos)


def number(value: Any, pos: List[Any]) -> float:
    return _expect(value, (int, float), "Number", pos)


def string(value: Any, pos: List[Any]) -> str:
    return _expect(value, (str,), "String", pos)


def boolean(value: Any, pos: List[Any]) -> bool:
    return _expect(value, (bool,), "Boolean", pos)


def array(value: Any, pos: List[Any]) -> List[Any]:
    return _expect(value, (list,), "Array", pos)


def ref(value: Any, pos: List[Any]) -> Ref:
    return _expect(value, (Ref,), "Ref", pos)


def set_ref(value: Any, pos: List[Any]) -> SetRef:
    return _expect(value, (SetRef,), "Set", pos)


def lambda_(value: Any, pos: List[Any]) -> QueryValue:
    return _expect(value, (QueryValue,), "Lambda", pos)


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
