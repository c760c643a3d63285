"""Incoming state: the old connector's shapes are migrated, never rejected, and removes are not lost;
a cursor that is not a Fauna timestamp is refused naming the stream.

The old connector (0.1.x) saved one legacy blob of every stream, holding per stream an
`updates_cursor`, a `remove_cursor` (with deletions) and, during a full refresh, a
`full_sync_cursor` (airbytehq/airbyte, `airbyte-integrations/connectors/source-fauna/source_fauna/source.py`).
"""

import json

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer, AirbyteStateType, ConfiguredAirbyteCatalogSerializer, FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_fauna.components import FaunaLegacyStateMigration
from source_fauna.source import SourceFauna, _without_full_refresh_states, check_cursors, normalize_state

OLD_BLOB = {
    "users": {"updates_cursor": {"ts": 30, "ref": "3"}, "remove_cursor": {"ts": 20, "ref": "7"}},
    "orders": {"updates_cursor": {"ts": 50, "ref": "1", "after": "[...]"}},
    "fresh": {"full_sync_cursor": {"ts": 1700000000000000, "after": "[...]"}},
    "empty": {"updates_cursor": {"ts": 0, "ref": ""}},
    "done": {},
}


def stream_states(messages):
    assert all(message.type == AirbyteStateType.STREAM for message in messages)
    return {message.stream.stream_descriptor.name: message.stream.stream_state.__dict__ for message in messages}


def test_legacy_blob_becomes_per_stream_states_resuming_from_the_older_cursor():
    # removes between ts 20 and 30 are read again rather than lost
    assert stream_states(normalize_state(OLD_BLOB)) == {"users": {"ts": "20"}, "orders": {"ts": "50"}}


def test_legacy_state_message_and_bare_blob_give_the_same_result():
    assert stream_states(normalize_state([{"type": "LEGACY", "data": OLD_BLOB}])) == stream_states(normalize_state(OLD_BLOB))
    assert stream_states(normalize_state([{"data": OLD_BLOB}])) == stream_states(normalize_state(OLD_BLOB))


def test_old_per_stream_states_are_migrated_and_current_ones_kept():
    messages = normalize_state(
        [
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"}, "stream_state": {"updates_cursor": {"ts": 30, "ref": "3"}}}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "orders"}, "stream_state": {"ts": "1700000000000001"}}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "fresh"}, "stream_state": {"full_sync_cursor": {"ts": 5}}}},
        ]
    )
    assert stream_states(messages) == {"users": {"ts": "30"}, "orders": {"ts": "1700000000000001"}}


def test_state_migration_component_used_by_the_manifest():
    migration = FaunaLegacyStateMigration()
    assert not migration.should_migrate({"ts": "5"})
    assert migration.migrate({"updates_cursor": {"ts": 30, "ref": "3"}, "remove_cursor": {"ts": 40}}) == {"ts": "30"}
    assert migration.migrate({"updates_cursor": {"ts": 0, "ref": ""}}) == {}


def test_streams_synced_in_full_refresh_mode_ignore_their_state(tmp_path):
    catalog = ConfiguredAirbyteCatalogSerializer.load(
        {
            "streams": [
                {"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}, "sync_mode": mode, "destination_sync_mode": "append"}
                for name, mode in (("users", "full_refresh"), ("orders", "incremental"))
            ]
        }
    )
    state = normalize_state([{"type": "STREAM", "stream": {"stream_descriptor": {"name": n}, "stream_state": {"ts": "5"}}} for n in ("users", "orders")])
    assert [m.stream.stream_descriptor.name for m in _without_full_refresh_states(state, catalog)] == ["orders"]


def test_read_state_accepts_the_old_connectors_state_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps(OLD_BLOB))
    assert stream_states(SourceFauna.read_state(str(path))) == {"users": {"ts": "20"}, "orders": {"ts": "50"}}


@pytest.mark.parametrize("cursor", ["garbage", {"a": 1}, None, True, "-5", "1.5", "²"])
def test_a_saved_cursor_that_is_not_a_fauna_timestamp_is_refused_naming_the_stream(cursor):
    state = [AirbyteStateMessageSerializer.load({"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"}, "stream_state": {"ts": cursor}}})]
    with pytest.raises(AirbyteTracedException) as raised:
        check_cursors(state)
    assert raised.value.failure_type == FailureType.config_error
    assert raised.value.message.startswith("The saved state of stream 'users' cannot be read: its cursor `ts` is ")


@pytest.mark.parametrize("cursor", ["1704067200000000", 1704067200000000, "0"])
def test_a_saved_cursor_of_whole_microseconds_is_accepted(cursor):
    check_cursors([AirbyteStateMessageSerializer.load({"type": "STREAM", "stream": {"stream_descriptor": {"name": "users"}, "stream_state": {"ts": cursor}}})])
