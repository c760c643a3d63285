"""Schema mode `typed`: the top-level fields of documents' `data` as typed columns.

Each Fauna wire value has one kind (`kind_of`), whose JSON schema describes the record value that
`values.to_airbyte_value` makes of it: a ref is an object `{id, collection?, type}`, a time (`@ts`)
a `date-time` string, a date (`@date`) a `date` string, bytes a base64 string, a set or query its
FQL JSON as a string, and an integer an `integer` at any size (JSON numbers are exact; Airbyte's
integer is 64-bit, as Fauna's).

The columns of a collection are merged from a sample of its documents (`ColumnSampler`):
- a field seen with one kind gets that kind's schema; one seen as integer and double is a `number`;
  one seen with other kinds gets an `anyOf` of their schemas;
- a field absent from some sampled documents, and every column when deletions are synced, is
  nullable (`"null"` added to its `type`, or to its `anyOf`).

A field is named by its literal key, also in data that Fauna sends escaped as `{"@obj": {...}}` (an
object with a key starting with `@`). Column names follow `column_names`. The Fauna field name of
each column is its schema's `title`, so that a read maps the columns of the catalog it was
configured with back to the fields.
"""

import re
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Tuple

from source_fauna.values import object_fields

# The column that holds, when the `data` column is not kept, the fields without a column or whose value does not fit it.
CATCH_ALL_COLUMN = "unmatched_data"

# The JSON schema of each kind of record value (also the types of the spec's additional columns).
KIND_SCHEMAS: Dict[str, Dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "object": {"type": "object"},
    "array": {"type": "array"},
    "ref": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "collection": {"type": "string"}, "type": {"type": "string"}},
    },
    "timestamp": {"type": "string", "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
    "date": {"type": "string", "format": "date"},
    "bytes": {"type": "string", "contentEncoding": "base64url"},
}

_TAG_KINDS = {
    "@ref": "ref",
    "@ts": "timestamp",
    "@date": "date",
    "@bytes": "bytes",
    "@set": "string",
    "@query": "string",
    "@obj": "object",
}
_SCALAR_KINDS = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
_UNTAGGED_KINDS = {**_SCALAR_KINDS, list: "array"}  # every type of a decoded JSON value but dict, with its kind

# Destinations such as Postgres cut identifiers at 63 bytes; BigQuery and Snowflake allow longer ones.
MAX_COLUMN_NAME = 63
_INVALID_CHARACTER = re.compile(r"[^A-Za-z0-9_]")


def kind_of(value: Any) -> str:
    """The kind of a wire value (decoded JSON with Fauna's `@` tags): a key of KIND_SCHEMAS, or "null"."""
    kind = _SCALAR_KINDS.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if key in _TAG_KINDS:
            return _TAG_KINDS[key]
    return "object"


@dataclass(frozen=True)
class TypedColumn:
    name: str
    field: str
    kinds: FrozenSet[str]  # never empty of non-null kinds unless the field was only ever null
    nullable: bool

    def accepts(self, kind: str) -> bool:
        """Whether a value of this kind fits the column's schema."""
        if kind in self.kinds:
            return True
        return (kind == "integer" and "number" in self.kinds) or (kind == "null" and self.nullable)

    def fitting_types(self) -> FrozenSet[type]:
        """The types of the untagged wire values (any but an object) whose kind the column accepts: for such a
        value, `type(value) in fitting_types()` is `accepts(kind_of(value))`, without a call per value."""
        return frozenset(python_type for python_type, kind in _UNTAGGED_KINDS.items() if self.accepts(kind))

    def schema(self) -> Dict[str, Any]:
        alternatives = [dict(KIND_SCHEMAS[kind]) for kind in sorted(self.kinds)]
        if len(alternatives) == 1:
            schema = alternatives[0]
            if self.nullable:
                schema["type"] = ["null", schema["type"]]
        else:
            schema = {"anyOf": alternatives + ([{"type": "null"}] if self.nullable or not alternatives else [])}
        schema["title"] = self.field
        schema["description"] = f"The field `{self.field}` of the document's data."
        return schema


@dataclass(frozen=True)
class TypedColumns:
    """The typed columns of one collection, and whether its records carry the catch-all column."""

    columns: Tuple[TypedColumn, ...]
    catch_all: bool

    def properties(self) -> Dict[str, Any]:
        properties = {column.name: column.schema() for column in self.columns}
        if self.catch_all:
            properties[CATCH_ALL_COLUMN] = {
                "type": ["null", "object"],
                "description": "The fields of the document's data that have no column, or whose value does not fit its column.",
            }
        return properties


def column_names(fields: Iterable[str], reserved: Iterable[str]) -> Dict[str, str]:
    """Field name → column name, by the rule the docs state:

    1. every character other than an ASCII letter, digit or `_` becomes `_`, and a name that starts
       with a digit (or is empty) gets a leading `_`;
    2. a name equal to a reserved column (ignoring case) or starting with `_airbyte` gets the prefix `data_`;
    3. the name is cut to MAX_COLUMN_NAME characters;
    4. a name already taken (ignoring case) by a field earlier in sorted order gets `_2`, `_3`, … .
    """
    reserved_names = {name.casefold() for name in reserved}
    taken = set(reserved_names)
    names: Dict[str, str] = {}
    for field in sorted(fields):
        base = _INVALID_CHARACTER.sub("_", field)
        if not base or base[0].isdigit():
            base = "_" + base
        if base.casefold() in reserved_names or base.startswith("_airbyte"):
            base = "data_" + base
        base = base[:MAX_COLUMN_NAME]
        name, number = base, 2
        while name.casefold() in taken:
            suffix = f"_{number}"
            name, number = base[: MAX_COLUMN_NAME - len(suffix)] + suffix, number + 1
        taken.add(name.casefold())
        names[field] = name
    return names


class ColumnSampler:
    """Merges the kinds of the top-level fields of sampled documents' data."""

    def __init__(self) -> None:
        self._kinds: Dict[str, set] = {}
        self._seen: Dict[str, int] = {}
        self.documents = 0

    def add(self, data: Mapping[str, Any]) -> None:
        """One document's `data`, as wire values."""
        self.documents += 1
        for field, value in object_fields(data).items():
            self._kinds.setdefault(field, set()).add(kind_of(value))
            self._seen[field] = self._seen.get(field, 0) + 1

    def columns(self, reserved: Iterable[str], all_nullable: bool, catch_all: bool) -> TypedColumns:
        """The columns of the fields seen; `all_nullable` when deletions are synced (removal records carry no values)."""
        names = column_names(self._kinds, reserved)
        columns: List[TypedColumn] = []
        for field in sorted(self._kinds):
            kinds = self._kinds[field] - {"null"}
            if {"integer", "number"} <= kinds:
                kinds.discard("integer")  # a number column accepts integers
            nullable = all_nullable or "null" in self._kinds[field] or self._seen[field] < self.documents
            columns.append(TypedColumn(name=names[field], field=field, kinds=frozenset(kinds), nullable=nullable))
        return TypedColumns(columns=tuple(columns), catch_all=catch_all)


def columns_from_schema(properties: Mapping[str, Any], catch_all: bool) -> TypedColumns:
    """The typed columns of a schema that `TypedColumns.properties` wrote (a configured catalog's): those with a `title`."""
    columns = []
    for name, schema in properties.items():
        if not isinstance(schema, Mapping) or "title" not in schema:
            continue
        kinds, nullable = _kinds_of(schema)
        columns.append(TypedColumn(name=name, field=schema["title"], kinds=kinds, nullable=nullable))
    return TypedColumns(columns=tuple(columns), catch_all=catch_all)


def _kinds_of(schema: Mapping[str, Any]) -> Tuple[FrozenSet[str], bool]:
    alternatives = list(schema.get("anyOf") or [schema])
    kinds, nullable = set(), False
    for alternative in alternatives:
        alternative = {key: value for key, value in alternative.items() if key not in ("title", "description")}
        types = alternative.get("type")
        if isinstance(types, list):
            nullable = nullable or "null" in types
            rest = [item for item in types if item != "null"]
            alternative["type"] = rest[0] if len(rest) == 1 else rest
        if alternative.get("type") in ("null", []):
            nullable = True
            continue
        kind = _kind_with_schema(alternative)
        if kind is not None:
            kinds.add(kind)
    return frozenset(kinds), nullable


def _kind_with_schema(schema: Mapping[str, Any]) -> Optional[str]:
    for kind, known in KIND_SCHEMAS.items():
        if known == schema:
            return kind
    return None
