"""The JSON schema of a collection's records."""

from source_fauna.config import AdditionalColumn, CollectionSettings
from source_fauna.schema import json_schema


def test_schema_declares_every_column_a_record_can_hold():
    settings = CollectionSettings(
        name="users",
        additional_columns=(AdditionalColumn("email", ("data", "email"), "string", required=True), AdditionalColumn("at", ("data", "at"), "timestamp")),
        deleted_at_column="deleted_at",
    )
    properties = json_schema(settings)["properties"]
    assert properties["ts"] == {"type": "integer", "description": properties["ts"]["description"]}
    assert properties["ttl"]["type"] == ["null", "string"] and properties["ttl"]["format"] == "date-time"
    assert properties["deleted_at"]["airbyte_type"] == "timestamp_with_timezone"
    assert properties["at"]["type"] == ["null", "string"] and properties["at"]["format"] == "date-time"
    # removals carry no document values, so even a required column is nullable when deletions are synced
    assert properties["email"]["type"] == ["null", "string"]
    assert json_schema(CollectionSettings(name="u", additional_columns=settings.additional_columns[:1]))["properties"]["email"]["type"] == "string"
