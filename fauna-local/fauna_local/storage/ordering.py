"""Total order over stored values, used by index entries (sort keys) and range bounds.

Order of kinds follows the core's IndexTerm ordering by type (numbers before strings, then refs, etc.);
inside a kind, the natural order. Document ids order as 64-bit numbers (core `DocID.scala`).
"""

from __future__ import annotations

import datetime
from typing import Any, Tuple

from fauna_local.values import Bytes, Ref, Time

_NUM, _BYTES, _STR, _REF, _TIME, _DATE, _BOOL, _NULL, _OTHER = range(9)


def ref_key(ref: Ref) -> Tuple[Any, ...]:
    """Refs order by id as a number when numeric (core `DocID.compare`), then collection."""
    coll = ref.collection.id if ref.collection is not None else ""
    rid = ref.id
    if rid.isdigit():
        return (0, int(rid), "", coll)
    return (1, 0, rid, coll)


def sort_key(value: Any) -> Tuple[Any, ...]:
    if value is None:
        return (_NULL,)
    if value is True or value is False:
        return (_BOOL, value)
    if isinstance(value, (int, float)):
        return (_NUM, value)
    if isinstance(value, Bytes):
        return (_BYTES, bytes(value))
    if isinstance(value, str):
        return (_STR, value)
    if isinstance(value, Ref):
        return (_REF, ref_key(value))
    if isinstance(value, Time):
        return (_TIME, value.nanos)
    if isinstance(value, datetime.date):
        return (_DATE, value.toordinal())
    if isinstance(value, list):
        return (_OTHER, tuple(sort_key(v) for v in value))
    return (_OTHER, repr(value))


class Reversed:
    """Wraps a sort key so that it orders descending (index values with `reverse: true`)."""

    __slots__ = ("key",)

    def __init__(self, key: Any):
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reversed) and self.key == other.key

    def __lt__(self, other: object) -> bool:
        return other.key < self.key if isinstance(other, Reversed) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.key < other.key if isinstance(other, Reversed) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.key)


class _Extreme:
    """Sorts below (`lo`) or above (`hi`) every key; pads partial range bounds (prefix semantics)."""

    def __init__(self, high: bool):
        self.high = high

    def __lt__(self, other: object) -> bool:
        return not self.high and other is not self

    def __gt__(self, other: object) -> bool:
        return self.high and other is not self

    def __le__(self, other: object) -> bool:
        return not self.high or other is self

    def __ge__(self, other: object) -> bool:
        return self.high or other is self

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return id(self)


LOWEST = _Extreme(False)
HIGHEST = _Extreme(True)
