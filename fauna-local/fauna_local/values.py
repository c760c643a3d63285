"""FQL v4 value types shared by storage, language and wire.

Plain JSON values map to Python (None, bool, int, float, str, list, dict = FQL object). The tagged
types below are the ones the wire protocol marks with `@ref`, `@ts`, `@date`, `@bytes`, `@set`,
`@query` (driver `faunadb/_json.py`: `to_json` and `_parse_json_hook`).
"""

from __future__ import annotations

import datetime
from typing import Any, Optional

NATIVE_COLLECTIONS = ("collections", "indexes", "databases", "keys", "functions", "roles", "tokens", "credentials")


class Ref:
    """A reference: `id` within `collection` (itself a Ref) of `database` (a Ref, None = the caller's DB).

    Native refs (`Ref("collections")`) have no collection.
    """

    __slots__ = ("id", "collection", "database", "_hash")

    def __init__(self, id: str, collection: Optional["Ref"] = None, database: Optional["Ref"] = None):
        self.id = id
        self.collection = collection
        self.database = database
        self._hash = hash((id, collection, database))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Ref)
            and self.id == other.id
            and self.collection == other.collection
            and self.database == other.database
        )

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Ref({self.id!r}, {self.collection!r})" if self.collection else f"Ref({self.id!r})"

    @property
    def kind(self) -> Optional[str]:
        """'collections', 'indexes', 'databases', 'keys' for schema refs; None for documents."""
        if self.collection is not None and self.collection.collection is None and self.collection.id in NATIVE_COLLECTIONS:
            return self.collection.id
        return None


def schema_ref(kind: str, name: str, database: Optional[Ref] = None) -> Ref:
    return Ref(name, Ref(kind), database)


class Time:
    """A timestamp with nanosecond precision (`@ts`)."""

    __slots__ = ("nanos",)

    def __init__(self, nanos: int):
        self.nanos = nanos

    @property
    def micros(self) -> int:
        return self.nanos // 1000

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Time) and other.nanos == self.nanos

    def __hash__(self) -> int:
        return hash(("ts", self.nanos))

    def __repr__(self) -> str:
        return f"Time({self.iso()})"

    def iso(self) -> str:
        """Java `Instant.toString`: trailing zero groups of the fraction trimmed (core `Timestamp.scala`)."""
        secs, frac = divmod(self.nanos, 1_000_000_000)
        base = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
        text = base.strftime("%Y-%m-%dT%H:%M:%S")
        if frac:
            if frac % 1_000_000 == 0:
                text += ".%03d" % (frac // 1_000_000)
            elif frac % 1000 == 0:
                text += ".%06d" % (frac // 1000)
            else:
                text += ".%09d" % frac
        return text + "Z"

    @classmethod
    def parse(cls, text: str) -> "Time":
        """ISO-8601 with a `Z` or numeric offset, up to nanoseconds."""
        s = text.strip()
        if s.endswith("Z") or s.endswith("z"):
            s, offset = s[:-1], datetime.timedelta(0)
        elif len(s) > 6 and s[-6] in "+-" and s[-3] == ":":
            sign = 1 if s[-6] == "+" else -1
            offset = sign * datetime.timedelta(hours=int(s[-5:-3]), minutes=int(s[-2:]))
            s = s[:-6]
        else:
            raise ValueError(text)
        frac_nanos = 0
        if "." in s:
            s, frac = s.split(".", 1)
            if not frac.isdigit() or len(frac) > 9:
                raise ValueError(text)
            frac_nanos = int(frac.ljust(9, "0"))
        fmt = "%Y-%m-%dT%H:%M:%S" if len(s) > 16 else "%Y-%m-%dT%H:%M"
        base = datetime.datetime.strptime(s, fmt) - offset
        secs = (base - datetime.datetime(1970, 1, 1)) // datetime.timedelta(seconds=1)
        return cls(secs * 1_000_000_000 + frac_nanos)


class Bytes(bytes):
    """`@bytes`: distinct from str so it renders tagged."""


class SetRef:
    """`@set`: a set expression. `wire` is its JSON form (how Fauna renders it); `spec` the evaluable set."""

    __slots__ = ("wire", "spec")

    def __init__(self, wire: Any, spec: Any):
        self.wire = wire
        self.spec = spec

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SetRef) and other.wire == self.wire

    def __hash__(self) -> int:
        return hash(repr(self.wire))


class QueryValue:
    """`@query`: a lambda value. `wire` is its JSON form."""

    __slots__ = ("wire", "fn")

    def __init__(self, wire: Any, fn: Any):
        self.wire = wire
        self.fn = fn

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueryValue) and other.wire == self.wire

    def __hash__(self) -> int:
        return hash(repr(self.wire))


class RawJSON:
    """A value whose wire JSON was rendered once (a stored document version); `value` is its decoded form.

    The encoder splices `raw` into responses instead of re-rendering, which keeps the read path cheap.
    """

    __slots__ = ("raw", "loader")

    def __init__(self, raw: str, loader: Any):
        self.raw = raw
        self.loader = loader

    @property
    def value(self) -> Any:
        return self.loader()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RawJSON):
            return other.raw == self.raw
        return self.value == other

    def __hash__(self) -> int:
        return hash(self.raw)


Date = datetime.date
