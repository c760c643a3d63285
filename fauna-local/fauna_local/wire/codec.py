"""Tagged JSON in both directions (driver `faunadb/_json.py`, core `Renderable.scala`): values -> wire text,
wire JSON -> values.

Rendering is hand-rolled rather than `json.dumps(default=...)` so that pre-rendered document versions
(`RawJSON`) are spliced in as text and refs are rendered once and cached.
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, Dict, List

from fauna_local.values import Bytes, QueryValue, RawJSON, Ref, SetRef, Time

_ref_cache: Dict[Ref, str] = {}


def render_ref(ref: Ref) -> str:
    text = _ref_cache.get(ref)
    if text is None:
        parts = ['{"@ref":{"id":', _quote(ref.id)]
        if ref.collection is not None:
            parts += [',"collection":', render_ref(ref.collection)]
        if ref.database is not None:
            parts += [',"database":', render_ref(ref.database)]
        parts.append("}}")
        text = "".join(parts)
        if len(_ref_cache) < 200_000:
            _ref_cache[ref] = text
    return text


def _render_into(value: Any, out: List[str]) -> None:
    t = type(value)
    if t is str:
        out.append(_quote(value))
    elif t is RawJSON:
        out.append(value.raw)
    elif t is int:
        out.append(str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif t is float:
        out.append(repr(value) if value == value and value not in (float("inf"), float("-inf")) else "null")
    elif t is Ref:
        out.append(render_ref(value))
    elif t is list or t is tuple:
        out.append("[")
        first = True
        for item in value:
            if not first:
                out.append(",")
            first = False
            _render_into(item, out)
        out.append("]")
    elif t is dict:
        # Objects with '@'-prefixed keys are escaped with @obj (core `Renderable.scala`, ObjectL).
        escape = any(k.startswith("@") for k in value)
        out.append('{"@obj":{' if escape else "{")
        first = True
        for k, v in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_quote(k))
            out.append(":")
            _render_into(v, out)
        out.append("}}" if escape else "}")
    elif t is Time:
        out.append('{"@ts":"%s"}' % value.iso())
    elif t is Bytes:
        out.append('{"@bytes":"%s"}' % base64.b64encode(value).decode("ascii"))
    elif t is datetime.date:
        out.append('{"@date":"%s"}' % value.isoformat())
    elif t is SetRef:
        out.append('{"@set":')
        _render_into(value.wire, out)
        out.append("}")
    elif t is QueryValue:
        out.append('{"@query":')
        _render_into(value.wire, out)
        out.append("}")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    else:
        raise TypeError(f"cannot render {t.__name__}")


class _SlowPath(Exception):
    """The value holds something only the Python renderer handles (RawJSON, sets, lambdas, tuples)."""


class _TagCounter(threading.local):
    tags = 0


_counter = _TagCounter()


def _default(o: Any) -> Any:
    """Tagged values for the C encoder; counts the tags it emits (see _fast)."""
    t = type(o)
    _counter.tags += 1
    if t is Ref:
        inner: Dict[str, Any] = {"id": o.id}
        if o.collection is not None:
            inner["collection"] = o.collection
        if o.database is not None:
            inner["database"] = o.database
        return {"@ref": inner}
    if t is Time:
        return {"@ts": o.iso()}
    if t is Bytes:
        return {"@bytes": base64.b64encode(o).decode("ascii")}
    if t is datetime.date:
        return {"@date": o.isoformat()}
    raise _SlowPath


_encoder = json.JSONEncoder(default=_default, separators=(",", ":"), allow_nan=False, ensure_ascii=True)
_encode = _encoder.iterencode


def _fast(value: Any) -> str:
    """Render plain data with the C JSON encoder; tagged values go through `_default`.

    Objects with '@'-keys need @obj escaping, which the C encoder cannot do: the output's count of '"@'
    must equal the number of tags emitted, otherwise (a user '@' key or a string starting with '@') the
    Python renderer is used.
    """
    _counter.tags = 0
    text = "".join(_encode(value, True))
    if text.count('"@') != _counter.tags:
        raise _SlowPath
    return text


def render(value: Any) -> str:
    t = type(value)
    if t is dict or t is list:
        try:
            return _fast(value)
        except (_SlowPath, ValueError, TypeError):
            pass
    out: List[str] = []
    _render_into(value, out)
    return "".join(out)


def render_document(ref: Ref, ts: int, body: Dict[str, Any]) -> str:
    """A document version as Fauna renders it: ref, ts, then the body fields (ttl, data, ...)."""
    # Document refs are many and rendered once each: built here rather than kept in the ref cache.
    if ref.collection is not None and ref.database is None:
        ref_text = '{"@ref":{"id":' + _quote(ref.id) + ',"collection":' + render_ref(ref.collection) + "}}"
    else:
        ref_text = render_ref(ref)
    head = '{"ref":' + ref_text + ',"ts":' + str(ts)
    if not body:
        return head + "}"
    return head + "," + render(body)[1:]


def decode_ref(obj: Any) -> Ref:
    """`{"id", "collection"?, "database"?}` (the inside of an @ref object) -> Ref."""
    coll = obj.get("collection")
    db = obj.get("database")
    return Ref(obj["id"], _tagged_ref(coll) if coll is not None else None, _tagged_ref(db) if db is not None else None)


def _tagged_ref(obj: Any) -> Ref:
    return decode_ref(obj["@ref"])


def _hook(obj: Dict[str, Any]) -> Any:
    if len(obj) == 1:
        (k, v), = obj.items()
        if k == "@ref" and isinstance(v, dict):
            return Ref(v["id"], v.get("collection"), v.get("database"))
        if k == "@ts":
            return Time.parse(v)
        if k == "@date":
            return datetime.date.fromisoformat(v)
        if k == "@bytes":
            return Bytes(base64.b64decode(v))
        if k == "@obj":
            return v
    return obj


def decode_stored(text: str) -> Any:
    """Decode wire JSON that this server rendered itself (stored versions; the WAL)."""
    return json.loads(text, object_hook=_hook)


def decode_document(text: str) -> Dict[str, Any]:
    """A rendered document version -> its body (everything but ref and ts)."""
    doc = decode_stored(text)
    doc.pop("ref", None)
    doc.pop("ts", None)
    return doc


def decode_document_ref(text: str) -> Ref:
    return decode_stored(text)["ref"]
