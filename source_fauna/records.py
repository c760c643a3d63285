"""Turns Fauna documents and events (wire values) into the Airbyte records of one collection.

Which columns a record has follows the user's settings (`CollectionSettings`); `schema.py` says
the same in JSON schema, and the values are converted by `values.py`.
"""

import logging
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set

import msgspec

from source_fauna.config import AdditionalColumn, CollectionSettings
from source_fauna.errors import config_error
from source_fauna.typed_columns import CATCH_ALL_COLUMN, kind_of
from source_fauna.values import data_value, data_values, micros_to_iso, object_fields, to_airbyte_value
from source_fauna.wire import WireDocument

logger = logging.getLogger("airbyte")


def _with_article(kind: str) -> str:
    """A kind as a message names it: "an integer", "a string", and "null" (which takes no article)."""
    if kind == "null":
        return kind
    return ("an " if kind[0] in "aeiou" else "a ") + kind


class RecordBuilder:
    """Builds the records of one collection according to the user's column choices.

    `settings.name` is the collection's name in its own database, which its documents' refs carry;
    messages name the `stream` (`tenant_a/users` for a collection of a child database), which tells
    apart collections of the same name in different databases.
    """

    def __init__(self, settings: CollectionSettings, stream: Optional[str] = None) -> None:
        self._settings = settings
        self._stream = stream or settings.name
        self._columns: List[AdditionalColumn] = list(settings.additional_columns)
        self._typed = settings.typed_columns
        self._typed_fields = {column.field for column in self._typed.columns} if self._typed else set()
        self._typed_plan = [(column, column.fitting_types()) for column in self._typed.columns] if self._typed else []
        self._warned: Set[str] = set()  # what was logged already: each problem once per stream

    def page(self, documents: Sequence[WireDocument]) -> List[Dict[str, Any]]:
        """A page of documents of this collection → their records, the page's data converted at once."""
        if self._columns or self._typed or not self._settings.data_column:
            return [self.document(document) for document in documents]
        values = data_values([document.data for document in documents])
        return [self._record(document, data) for document, data in zip(documents, values)]

    def document(self, document: WireDocument) -> Dict[str, Any]:
        """A document of this collection, as Fauna sent it → a record."""
        raw = bytes(document.data)
        if self._typed:
            return self._typed_record(document, msgspec.json.decode(raw))
        if self._columns:  # the columns read values out of the data
            return self._record(document, to_airbyte_value(msgspec.json.decode(raw)))
        return self._record(document, data_value(raw) if self._settings.data_column else None)

    def _record(self, document: WireDocument, data: Any) -> Dict[str, Any]:
        ref_id = document.id
        record: Dict[str, Any] = {"ref": ref_id, "ts": document.ts}
        if self._settings.data_column:
            record["data"] = data
        record["ttl"] = document.ttl_text
        if self._columns:
            # The document's ref as `ref_to_airbyte` gives it: the document belongs to this collection.
            ref = {"id": ref_id, "collection": self._settings.name, "type": "document"}
            view = {"ref": ref, "ts": document.ts, "data": data, "ttl": record["ttl"]}
            for column in self._columns:
                record[column.name] = self._extract(view, column, ref_id)
        if self._settings.deleted_at_column:
            record[self._settings.deleted_at_column] = None
        return record

    def _typed_record(self, document: WireDocument, wire: Dict[str, Any]) -> Dict[str, Any]:
        """A record with the typed columns: each field's value in its column when its kind fits, else left to
        `data` (when kept) or the catch-all column, so that no value is lost."""
        assert self._typed is not None
        fields = object_fields(wire)
        # The kinds of objects (tagged values among them), taken before conversion replaces their tags; any
        # other value keeps its type through conversion, which gives its kind (`fitting_types`).
        tagged = {field: kind_of(value) for field, value in fields.items() if type(value) is dict}
        data = to_airbyte_value(wire)
        record = self._record(document, data)
        unmatched = {}
        if not data.keys() <= self._typed_fields:  # most documents have no field without a column
            unmatched = {field: data[field] for field in data if field not in self._typed_fields}
        if unmatched:
            self._warn_once("new", f"Documents of collection '{self._stream}' have field(s) the discovered schema has no column for "
                            f"(first seen: {', '.join(sorted(unmatched))} in document {document.id}); {self._kept_where()}.")
        for column, fitting_types in self._typed_plan:
            field = column.field
            if field not in fields:
                if column.nullable:
                    record[column.name] = None
                continue
            kind = tagged.get(field)
            fits = column.accepts(kind) if kind is not None else type(fields[field]) in fitting_types
            if fits:
                record[column.name] = data[field]
            else:
                if column.nullable:  # a column that is not nullable is left out: a record lacking it still fits the schema
                    record[column.name] = None
                unmatched[field] = data[field]
                self._warn_once(
                    "misfit", f"Field '{field}' of document {document.id} in collection '{self._stream}' holds "
                    f"{_with_article(kind or kind_of(fields[field]))}, which its column '{column.name}' does not accept; {self._kept_where()}.",
                )
        if self._typed.catch_all:
            record[CATCH_ALL_COLUMN] = unmatched or None
        return record

    def _kept_where(self) -> str:
        where = "the `data` column" if self._settings.data_column else f"the `{CATCH_ALL_COLUMN}` column"
        return f"such values are kept in {where}. Refresh the source schema to give them columns"

    def _warn_once(self, problem: str, message: str) -> None:
        if problem not in self._warned:  # a race may log twice; never more
            self._warned.add(problem)
            logger.warning(message)

    def removal(self, event: Mapping[str, Any]) -> Dict[str, Any]:
        """A `remove` event → a record with the deleted-at column set and no document values."""
        record: Dict[str, Any] = {"ref": event["document"]["@ref"]["id"], "ts": event["ts"]}
        if self._settings.data_column:
            record["data"] = None
        record["ttl"] = None
        for column in self._columns:
            record[column.name] = None
        for typed in self._typed.columns if self._typed else ():
            record[typed.name] = None
        if self._typed and self._typed.catch_all:
            record[CATCH_ALL_COLUMN] = None
        record[self._settings.deleted_at_column] = micros_to_iso(event["ts"])
        return record

    def _extract(self, document: Mapping[str, Any], column: AdditionalColumn, ref_id: str) -> Any:
        """Follows the column's path through the document's converted values (refs are objects)."""
        value: Any = document
        for key in column.path:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            else:
                value = None
                break
        if value is None and column.required:
            raise config_error(
                f"Document {ref_id} of collection '{self._stream}' has no value at path "
                f"{'.'.join(column.path)}, which the required column '{column.name}' reads. "
                "Mark the column as not required, or fix the document."
            )
        return value
