"""Time: now, at, to_micros/millis/seconds, time, epoch, time_add/subtract/diff, date, to_time, to_date.

Now() is the snapshot time (core `TimeFunctions.scala`); At(ts) reads the past and a future ts is not an
error (core `ast/EvalContext.scala`).
"""

from __future__ import annotations

import datetime
from typing import Any, List

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, describe, function
from fauna_local.values import Date, Time

UNITS_NANOS = {
    "second": 1_000_000_000, "seconds": 1_000_000_000,
    "millisecond": 1_000_000, "milliseconds": 1_000_000,
    "microsecond": 1_000, "microseconds": 1_000,
    "nanosecond": 1, "nanoseconds": 1,
    "minute": 60_000_000_000, "minutes": 60_000_000_000,
    "hour": 3_600_000_000_000, "hours": 3_600_000_000_000,
    "day": 86_400_000_000_000, "days": 86_400_000_000_000,
}
EPOCH_DAY = Date(1970, 1, 1).toordinal()


def _unit(value: Any, pos: List[Any]) -> int:
    unit = args.string(value, pos)
    if unit not in UNITS_NANOS:
        raise errors.invalid_argument(f"Invalid time unit '{unit}'.", pos)
    return UNITS_NANOS[unit]


def _nanos(value: Any, pos: List[Any]) -> int:
    if isinstance(value, Time):
        return value.nanos
    if isinstance(value, Date):
        return (value.toordinal() - EPOCH_DAY) * 86_400_000_000_000
    raise errors.wrong_type("Time or Date", describe(value), pos)


@function("now")
def _now(ctx: Context, pos: List[Any], _: Any) -> Time:
    return Time(ctx.now * 1000)


@function("at", "expr", lazy=True)
def _at(ctx: Context, pos: List[Any], ts, expr) -> Any:
    at = args.timestamp_micros(ts(ctx), pos + ["at"])
    return expr(ctx.derive(ts=min(at, ctx.ts)))


def _to_unit(name: str, divisor: int) -> None:
    @function(name)
    def convert(ctx: Context, pos: List[Any], value: Any) -> int:
        return _nanos(value, pos + [name]) // divisor


_to_unit("to_micros", 1000)
_to_unit("to_millis", 1_000_000)
_to_unit("to_seconds", 1_000_000_000)


@function("time")
def _time(ctx: Context, pos: List[Any], text: Any) -> Time:
    s = args.string(text, pos + ["time"])
    if s == "now":
        return Time(ctx.now * 1000)
    try:
        return Time.parse(s)
    except ValueError:
        raise errors.invalid_argument(f"Cannot cast '{s}' to a time.", pos + ["time"]) from None


@function("epoch", "unit")
def _epoch(ctx: Context, pos: List[Any], n: Any, unit: Any) -> Time:
    return Time(args.integer(n, pos + ["epoch"]) * _unit(unit, pos + ["unit"]))


def _shift(name: str, sign: int) -> None:
    @function(name, "offset", "unit")
    def shift(ctx: Context, pos: List[Any], base: Any, offset: Any, unit: Any) -> Any:
        delta = sign * args.integer(offset, pos + ["offset"]) * _unit(unit, pos + ["unit"])
        if isinstance(base, Date):
            return Date.fromordinal(base.toordinal() + delta // 86_400_000_000_000)
        return Time(_nanos(base, pos + [name]) + delta)


_shift("time_add", 1)
_shift("time_subtract", -1)


@function("time_diff", "other", "unit")
def _time_diff(ctx: Context, pos: List[Any], a: Any, b: Any, unit: Any) -> int:
    return int((_nanos(b, pos + ["other"]) - _nanos(a, pos + ["time_diff"])) / _unit(unit, pos + ["unit"]))


@function("date")
def _date(ctx: Context, pos: List[Any], text: Any) -> Date:
    try:
        return datetime.date.fromisoformat(args.string(text, pos + ["date"]))
    except ValueError:
        raise errors.invalid_argument(f"Cannot cast '{text}' to a date.", pos + ["date"]) from None


@function("to_time")
def _to_time(ctx: Context, pos: List[Any], value: Any) -> Time:
    if isinstance(value, str):
        return _time(ctx, pos, value)
    return Time(_nanos(value, pos + ["to_time"]))


@function("to_date")
def _to_date(ctx: Context, pos: List[Any], value: Any) -> Date:
    if isinstance(value, str):
        return _date(ctx, pos, value)
    return Date.fromordinal(EPOCH_DAY + _nanos(value, pos + ["to_date"]) // 86_400_000_000_000)
