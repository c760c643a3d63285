"""A page of documents as Fauna sends it, typed, so that it is decoded straight into what a record needs.

Pages of documents are most of what a sync decodes. Decoded into plain objects, every document
brings its ref as six nested objects (`{"@ref": {"id", "collection": {"@ref": {"id", "collection":
…}}}}`) and an envelope of which the connector reads four fields. msgspec decodes the page into
these structs instead, keeping of each ref its id only: every document of a page belongs to the
collection being read. `data` is any JSON: it is kept as the bytes Fauna sent (checked to be valid
JSON and UTF-8), since a record mostly carries it on unchanged (see records.py); unknown fields are
ignored.
"""

from typing import Any, Dict, List, Optional

import msgspec


class _Id(msgspec.Struct):
    id: str


class _Ref(msgspec.Struct):
    ref: _Id = msgspec.field(name="@ref")


class _Time(msgspec.Struct):
    text: str = msgspec.field(name="@ts")


class WireDocument(msgspec.Struct):
    """`{"ref": {"@ref": {"id": …}}, "ts": …, "data": {…}, "ttl": {"@ts": …}?}`, `data` as its JSON bytes."""

    ref: _Ref
    ts: int
    data: msgspec.Raw = msgspec.Raw(b"{}")
    ttl: Optional[_Time] = None

    @property
    def id(self) -> str:
        return self.ref.ref.id

    @property
    def ttl_text(self) -> Optional[str]:
        return self.ttl.text if self.ttl is not None else None


class _Page(msgspec.Struct):
    data: List[WireDocument]
    after: Any = None


class _Answer(msgspec.Struct):
    resource: _Page


_decoder = msgspec.json.Decoder(_Answer)


def decode_document_page(content: bytes) -> Dict[str, Any]:
    """An answer holding a page of documents → `{"data": [WireDocument, …], "after": cursor or None}`.

    Raises `msgspec.ValidationError` for valid JSON of another shape, and `msgspec.DecodeError`
    (its base class) for a body that is not JSON, such as a truncated one.
    """
    page = _decoder.decode(content).resource
    try:
        # msgspec checks the JSON of `data` but not its strings' UTF-8; the page is checked once here,
        # as decoding `data` into objects did.
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise msgspec.DecodeError(f"invalid UTF-8 at byte {error.start} of the answer") from None
    return {"data": page.data, "after": page.after}
