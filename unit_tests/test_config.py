"""Config parsing: the spec's defaults, the old connector's shapes, and errors that name the field."""

import pytest

from source_fauna.components import with_spec_defaults
from source_fauna.config import connection_specification, parse_config
from source_fauna.errors import config_error

TracedError = type(config_error("x"))
BASE = {"domain": "localhost", "secret": "s3cr3t"}


def test_defaults_point_at_a_self_hosted_node_over_https():
    config = parse_config(BASE)
    assert config.connection.endpoint == "https://localhost:8443"
    assert config.deleted_at_column is None
    assert config.collections == () and config.wants("anything")
    assert (config.parallel_streams, config.readers_per_collection, config.concurrent_queries) == (4, 8, 32)


def test_an_old_connector_config_keeps_working_unchanged():
    old = {
        "domain": "127.0.0.1",
        "port": 8443,
        "scheme": "http",
        "secret": "secret",
        "collection": {"page_size": 2, "deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}},
    }
    config = parse_config(old)
    assert config.connection.endpoint == "http://127.0.0.1:8443"
    assert config.for_collection("foo").deleted_at_column == "deleted_at"
    assert parse_config({**old, "collection": {"page_size": 64, "deletions": {"deletion_mode": "ignore"}}}).deleted_at_column is None


def test_per_collection_settings_override_the_defaults():
    config = parse_config(
        {
            **BASE,
            "collections": ["users"],
            "collection": {"deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}},
            "collection_settings": [
                {
                    "name": "users",
                    "data_column": False,
                    "deleted_at_column": "_ab_cdc_deleted_at",
                    "index": "users_by_ts",
                    "additional_columns": [{"name": "email", "path": ["data", "email"], "type": "string", "required": True}],
                }
            ],
        }
    )
    users = config.for_collection("users")
    assert (users.data_column, users.deleted_at_column, users.index) == (False, "_ab_cdc_deleted_at", "users_by_ts")
    assert users.additional_columns[0].path == ("data", "email") and users.additional_columns[0].required
    assert config.wants("users") and not config.wants("orders")
    assert config.for_collection("orders").deleted_at_column == "deleted_at"


@pytest.mark.parametrize(
    "override,field",
    [
        ({"domain": ""}, "`domain`"),
        ({"domain": "http://localhost:8443"}, "`domain`"),
        ({"scheme": "ftp"}, "`scheme`"),
        ({"secret": ""}, "`secret`"),
        ({"port": 0}, "`port`"),
        ({"port": "eighty"}, "`port`"),
        ({"collection": {"page_size": 100001}}, "`collection.page_size`"),
        ({"collection": {"page_size": 0}}, "`collection.page_size`"),
        ({"partitions_per_collection": 0}, "`partitions_per_collection`"),
        ({"max_parallel_streams": 33}, "`max_parallel_streams`"),
        ({"collection": {"deletions": {"deletion_mode": "soft"}}}, "`collection.deletions.deletion_mode`"),
        ({"collections": ["a", "a"]}, "`collections`"),
        ({"tls": {"ca_certificate": "not a pem"}}, "`tls.ca_certificate`"),
        ({"collection_settings": [{"name": "u"}, {"name": "u"}]}, "`collection_settings`"),
        ({"collection_settings": [{"data_column": True}]}, "`collection_settings[0].name`"),
        ({"collection_settings": [{"name": "u", "additional_columns": [{"name": "ts", "path": ["data", "ts"]}]}]}, "'ts' is already used"),
        ({"collection_settings": [{"name": "u", "additional_columns": [{"name": "a", "path": ["x"]}, {"name": "a", "path": ["y"]}]}]}, "'a' is already used"),
        ({"collection_settings": [{"name": "u", "additional_columns": [{"name": "a", "path": []}]}]}, "additional_columns[0].path"),
        ({"collection_settings": [{"name": "u", "additional_columns": [{"name": "a", "path": ["x"], "type": "uuid"}]}]}, "additional_columns[0].type"),
        ({"collection_settings": [{"name": "u", "additional_columns": [{"name": "_airbyte_raw", "path": ["x"]}]}]}, "reserved by Airbyte"),
        (
            {"schema_mode": "typed", "collection_settings": [{"name": "u", "additional_columns": [{"name": "unmatched_data", "path": ["x"]}]}]},
            "'unmatched_data' is already used",
        ),
        ({"schema_mode": "strict"}, "`schema_mode`"),
        ({"schema_sample_size": 0}, "`schema_sample_size`"),
        (
            {"collection": {"deletions": {"deletion_mode": "deleted_field", "column": "gone"}}, "collection_settings": [{"name": "u", "additional_columns": [{"name": "gone", "path": ["x"]}]}]},
            "'gone' is already used",
        ),
    ],
    ids=lambda value: str(value)[:60],
)
def test_invalid_values_are_rejected_naming_the_field(override, field):
    with pytest.raises(TracedError) as raised:
        parse_config({**BASE, **override})
    assert field in raised.value.message
    assert "s3cr3t" not in raised.value.message


def test_defaults_come_from_the_spec():
    spec = connection_specification()["properties"]
    values = with_spec_defaults({**BASE, "collection_settings": [{"name": "u", "additional_columns": [{"name": "e", "path": ["data", "e"]}]}]}, connection_specification())
    assert values["port"] == spec["port"]["default"] and values["max_parallel_streams"] == spec["max_parallel_streams"]["default"]
    assert values["collection"]["page_size"] == spec["collection"]["properties"]["page_size"]["default"]
    assert values["collection"]["deletions"]["deletion_mode"] == "ignore"
    assert values["tls"]["verify_certificate"] is True
    (settings,) = values["collection_settings"]
    assert settings["data_column"] is True and settings["additional_columns"][0] == {"name": "e", "path": ["data", "e"], "type": "string", "required": False}
    assert "port" not in BASE, "the config itself is left as it was"


@pytest.mark.parametrize(
    "override,message",
    [
        ({"max_parallel_streams": 0}, "`max_parallel_streams` is not valid: 0 is less than the minimum of 1."),
        ({"collection": {"deletions": {"deletion_mode": "soft"}}}, "`collection.deletions.deletion_mode` must be 'ignore' or 'deleted_field', got 'soft'."),
        ({"collection_settings": [{"name": "u", "additional_columns": [{"name": "a", "path": []}]}]}, "`collection_settings[0].additional_columns[0].path` is not valid: [] should be non-empty."),
    ],
)
def test_a_value_the_spec_rejects_gets_a_message_naming_the_setting(override, message):
    with pytest.raises(TracedError) as raised:
        parse_config({**BASE, **override})
    assert raised.value.message == message


def test_a_missing_setting_is_named_with_what_it_is():
    with pytest.raises(TracedError) as raised:
        parse_config({"secret": "s3cr3t"})
    assert raised.value.message.startswith("`domain` is required: Host name or IP address of your Fauna node")


@pytest.mark.parametrize("secret", [12345, ""])
def test_an_invalid_secret_is_named_but_never_quoted(secret):
    with pytest.raises(TracedError) as raised:
        parse_config({**BASE, "secret": secret})
    assert raised.value.message.startswith("`secret` is not valid") and "12345" not in raised.value.message
