"""The JSON schema of a collection's records: the file of every document's columns, merged by the
manifest's list of schema loaders with the columns the config adds."""

from pathlib import Path

import yaml
from airbyte_cdk.sources.declarative.schema.composite_schema_loader import CompositeSchemaLoader
from airbyte_cdk.sources.declarative.schema.json_file_schema_loader import JsonFileSchemaLoader

from source_fauna.components import FaunaSchemaLoader
from source_fauna.config import AdditionalColumn, CollectionSettings
from source_fauna.schema import configured_columns_schema

MANIFEST = Path(__file__).resolve().parents[1] / "source_fauna" / "manifest.yaml"
CONFIG = {
    "domain": "localhost",
    "secret": "s3cr3t",
    "collection": {"deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}},
    "collection_settings": [
        {
            "name": "users",
            "additional_columns": [
                {"name": "email", "path": ["data", "email"], "type": "string", "required": True},
                {"name": "at", "path": ["data", "at"], "type": "timestamp"},
            ],
        }
    ],
}


def manifest_schema(config, collection):
    """The schema the manifest's `collection_schema` loaders give a collection, built as the CDK builds them."""
    loaders = []
    for definition in yaml.safe_load(MANIFEST.read_text())["definitions"]["collection_schema"]:
        if definition["type"] == "JsonFileSchemaLoader":
            loaders.append(JsonFileSchemaLoader(config=config, parameters={}, file_path=definition["file_path"]))
        else:
            assert definition["class_name"].endswith(".FaunaSchemaLoader"), definition
            loaders.append(FaunaSchemaLoader(config=config, parameters={"collection_name": collection}))
    return CompositeSchemaLoader(schema_loaders=loaders, parameters={}).get_json_schema()


def test_the_schema_declares_every_column_a_record_can_hold():
    properties = manifest_schema(CONFIG, "users")["properties"]
    assert set(properties) == {"ref", "ts", "ttl", "data", "email", "at", "deleted_at"}
    assert properties["ref"]["type"] == "string"
    assert properties["ts"] == {"type": "integer", "description": properties["ts"]["description"]}
    assert properties["ttl"]["type"] == ["null", "string"] and properties["ttl"]["format"] == "date-time"
    assert properties["deleted_at"]["airbyte_type"] == "timestamp_with_timezone"
    assert properties["at"]["type"] == ["null", "string"] and properties["at"]["format"] == "date-time"
    # removals carry no document values, so even a required column is nullable when deletions are synced
    assert properties["email"]["type"] == ["null", "string"]


def test_a_collection_without_settings_has_the_document_columns_and_data():
    assert set(manifest_schema(CONFIG, "notes")["properties"]) == {"ref", "ts", "ttl", "data", "deleted_at"}


def test_only_columns_that_depend_on_the_config_are_built_in_python():
    settings = CollectionSettings(name="u", data_column=False, additional_columns=(AdditionalColumn("email", ("data", "email"), "string", required=True),))
    assert configured_columns_schema(settings)["properties"] == {
        "email": {"type": "string", "description": "From the document path data.email."}
    }
