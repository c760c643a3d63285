"""Fauna wire values (tagged JSON) → Airbyte record values.

Value mapping (kept from the old connector so existing destinations see the same shapes):

| Fauna | record value |
|---|---|
| document ref | `{"id": "42", "collection": "users", "type": "document"}` |
| schema ref (collection, index, …) | `{"id": "users", "type": "collection"}` |
| time (`@ts`) | the string Fauna sent, nanoseconds kept: `"2022-01-01T00:00:00.123456789Z"` |
| date (`@date`) | `"YYYY-MM-DD"` |
| bytes (`@bytes`) | URL-safe base64 with padding |
| set (`@set`), query (`@query`) | their FQL wire JSON, as a string |
| numbers | as they are (64-bit integers exactly; destinations may round beyond 2^53) |

Unlike the driver's decoder, an object escaped with `@obj` (a user object whose key starts with
`@`) keeps its keys literally.

A document's `data` whose only tagged values are times and dates (most data) is not decoded at all:
its JSON goes on as Fauna sent it, those tags unwrapped, inside an `orjson.Fragment` that the CDK's
serializer writes out verbatim, instead of being decoded into objects, converted and encoded again
only to drop those tags. Code that reads a record's values (transformations, the
Connector Builder) gets them through `with_plain_values`.
"""

import base64
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence

import msgspec
import orjson

_SCHEMA_COLLECTIONS = {
    "collections": "collection",
    "databases": "database",
    "indexes": "index",
    "functions": "function",
    "roles": "role",
    "access_providers": "access_provider",
    "keys": "key",
    "tokens": "token",
    "credentials": "credential",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def to_airbyte_value(value: Any) -> Any:
    """Converts one wire value (decoded JSON with Fauna's `@` tags) into a JSON value for Airbyte.

    Objects and arrays are converted in place (only tagged values are replaced): a page's values
    are decoded for this alone, so nothing else holds them and a copy would be wasted.
    """
    kind = type(value)
    if kind is dict:
        if len(value) == 1:
            for tag in value:
                if tag[:1] == "@":
                    return _TAGS[tag](value[tag]) if tag in _TAGS else {tag: to_airbyte_value(value[tag])}
        # Most values are scalars: testing the type inline saves a call per field (the hot path of a sync).
        for key, item in value.items():
            if type(item) not in _SCALARS:
                value[key] = to_airbyte_value(item)  # replacing a value while iterating is allowed: no key is added
        return value
    if kind is list:
        for index, item in enumerate(value):
            if type(item) not in _SCALARS:
                value[index] = to_airbyte_value(item)
        return value
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def object_fields(wire: Mapping[str, Any]) -> Mapping[str, Any]:
    """A wire object → its fields by their literal names, values still wire values: Fauna escapes an
    object with a key starting with `@` as `{"@obj": {...}}` (a document's whole `data` included), and
    no other object has an `@obj` key alone (a user's `@obj` key is itself escaped)."""
    return wire["@obj"] if len(wire) == 1 and "@obj" in wire else wire


def ref_to_airbyte(ref: Mapping[str, Any]) -> Dict[str, Any]:
    """`{"@ref": ref}` → `{"id", "collection"?, "type"}`, as the old connector's `ref_to_airbyte`."""
    parent = _inner_ref(ref.get("collection"))
    if parent is None:
        return {"id": ref["id"], "type": "unknown"}
    grandparent = _inner_ref(parent.get("collection"))
    if grandparent is None:
        return {"id": ref["id"], "type": _SCHEMA_COLLECTIONS.get(parent["id"], parent["id"])}
    if grandparent.get("collection") is None and grandparent["id"] == "collections":
        return {"id": ref["id"], "collection": parent["id"], "type": "document"}
    return {"id": ref["id"], "type": "unknown"}


def _inner_ref(value: Any) -> Optional[Mapping[str, Any]]:
    return value["@ref"] if isinstance(value, dict) and "@ref" in value else None


def _bytes(encoded: str) -> str:
    # Fauna sends standard base64; the driver decodes either alphabet and the old connector re-encoded URL-safe.
    return base64.urlsafe_b64encode(base64.urlsafe_b64decode(encoded.encode())).decode()


def _fql_json(tag: str) -> Any:
    return lambda inner: json.dumps({tag: inner}, separators=(",", ":"))


_TAGS = {
    "@ref": ref_to_airbyte,
    "@ts": lambda text: text,
    "@date": lambda text: text,
    "@bytes": _bytes,
    "@set": _fql_json("@set"),
    "@query": _fql_json("@query"),
    "@obj": lambda obj: {key: to_airbyte_value(item) for key, item in obj.items()},  # its keys are literal, never tags
}


# A time or date tag, its text captured with its quotes: `split` then gives the JSON around the tags
# and each tag's string, in order (texts hold no quote, escape or line break: anything else is not matched).
_TIME_TAG = re.compile(rb'\{"@(?:ts|date)":("[^"\\\n]*")\}')


def unwrap_time_tags(raw: bytes) -> Optional[bytes]:
    """Fauna's JSON of a value → the JSON of its record value, if its only tags are times and dates; else None.

    `{"@ts":"…"}` and `{"@date":"…"}` become their strings, as `to_airbyte_value` makes them. A
    `{"@` can only open an object whose first key starts with `@` (inside a JSON string every
    quote is escaped), so any other tag (`@ref`, `@obj`, …), a string that starts with `@`, an
    escaped `@` (`\\u0040`) or a tag written with spaces (Fauna sends none) gives None, and the
    value is decoded and converted instead. So does a line break between tokens: a record is one
    line of the Airbyte protocol (inside strings JSON escapes them).
    """
    if raw.find(b"\n") >= 0 or raw.find(b"\r") >= 0:
        return None
    return _unwrap(raw)


def _unwrap(raw: bytes) -> Optional[bytes]:
    # Passes of C over the bytes: one split at the tags; `find` rules out the common case before
    # the multi-byte search.
    if raw.find(b"\\") >= 0 and raw.find(b"\\u0040") >= 0:
        return None
    pieces = _TIME_TAG.split(raw)
    if raw.count(b'"@') != len(pieces) >> 1:  # a `"@` that is not a time or date tag
        return None
    return b"".join(pieces)


def data_value(raw: bytes) -> Any:
    """A document's `data` as Fauna sent it (JSON) → its record value: the JSON itself where it can be, else objects."""
    plain = unwrap_time_tags(raw)
    return orjson.Fragment(plain) if plain is not None else to_airbyte_value(msgspec.json.decode(raw))


def data_values(raws: Sequence[Any]) -> List[Any]:
    """The `data` of a page's documents (JSON, bytes-like) → their record values, as `data_value` gives them.

    Unwrapped as one text, joined by line breaks (which compact JSON holds none of): a few passes
    over the page instead of a few per document, and no copy of each. If any document holds
    another tag or a line break, each is taken on its own.
    """
    joined = b"\n".join(raws)
    plain = _unwrap(joined) if joined.find(b"\r") < 0 else None
    if plain is not None:
        values = plain.split(b"\n")
        if len(values) == len(raws):
            return [orjson.Fragment(value) for value in values]
    return [data_value(bytes(raw)) for raw in raws]


def with_plain_values(record: Dict[str, Any]) -> Dict[str, Any]:
    """The record with every value a Python object (a `data` kept as JSON decoded), for code that reads values."""
    return orjson.loads(orjson.dumps(record))


def micros_to_iso(micros: int) -> str:
    """Integer µs since the epoch → ISO 8601 in UTC with its offset, exact to the µs."""
    return (_EPOCH + timedelta(microseconds=micros)).isoformat()
