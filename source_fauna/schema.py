"""The JSON schema of the columns of a collection's records that depend on the user's settings."""

from typing import Any, Dict

from source_fauna.config import CollectionSettings
from source_fauna.typed_columns import KIND_SCHEMAS


def configured_columns_schema(settings: CollectionSettings) -> Dict[str, Any]:
    """The JSON schema of the columns this collection's settings add to every document's own.

    `ref`, `ts` and `ttl`, which every record has, are in `schemas/fauna_document.json`; the
    manifest merges the two (a list of schema loaders).
    """
    properties: Dict[str, Any] = {}
    if settings.data_column:
        properties["data"] = {"type": ["null", "object"], "description": "The document's data."}
    for column in settings.additional_columns:
        schema = dict(KIND_SCHEMAS[column.type])  # the spec's column types are kinds of record values
        # Removal records carry no document values, so with deletions every column may be null.
        nullable = not column.required or settings.deleted_at_column
        schema["type"] = ["null", schema["type"]] if nullable else schema["type"]
        schema["description"] = f"From the document path {'.'.join(column.path)}."
        properties[column.name] = schema
    if settings.typed_columns is not None:
        properties.update(settings.typed_columns.properties())
    if settings.deleted_at_column:
        properties[settings.deleted_at_column] = {
            "type": ["null", "string"],
            "format": "date-time",
            "airbyte_type": "timestamp_with_timezone",
            "description": "When the document was deleted (UTC); null for documents that exist.",
        }
    return {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": properties}
