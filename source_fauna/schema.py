"""The JSON schema of one collection's records, as `RecordBuilder` makes them."""

from typing import Any, Dict

from source_fauna.config import CollectionSettings


_COLUMN_SCHEMAS: Dict[str, Dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "object": {"type": "object"},
    "array": {"type": "array"},
    "timestamp": {"type": "string", "format": "date-time", "airbyte_type": "timestamp_with_timezone"},
    "date": {"type": "string", "format": "date"},
}


def json_schema(settings: CollectionSettings) -> Dict[str, Any]:
    """The JSON schema of the records `RecordBuilder` makes for this collection."""
    properties: Dict[str, Any] = {
        "ref": {"type": "string", "description": "The document's id."},
        "ts": {"type": "integer", "description": "Time of the document's last change, µs since the epoch."},
    }
    if settings.data_column:
        properties["data"] = {"type": ["null", "object"], "description": "The document's data."}
    properties["ttl"] = {
        "type": ["null", "string"],
        "format": "date-time",
        "airbyte_type": "timestamp_with_timezone",
        "description": "When Fauna will remove the document, if it has a ttl.",
    }
    for column in settings.additional_columns:
        schema = dict(_COLUMN_SCHEMAS[column.type])
        # Removal records carry no document values, so with deletions every column may be null.
        nullable = not column.required or settings.deleted_at_column
        schema["type"] = ["null", schema["type"]] if nullable else schema["type"]
        schema["description"] = f"From the document path {'.'.join(column.path)}."
        properties[column.name] = schema
    if settings.deleted_at_column:
        properties[settings.deleted_at_column] = {
            "type": ["null", "string"],
            "format": "date-time",
            "airbyte_type": "timestamp_with_timezone",
            "description": "When the document was deleted (UTC); null for documents that exist.",
        }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
    }
