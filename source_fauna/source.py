"""The connector as a CDK source: the manifest, plus what a manifest cannot say about its inputs.

- The manifest's `class_name`s read `source_declarative_manifest.components.X`, the name the
  Connector Builder and the declarative-manifest image give the injected components file; here
  that name is bound to this package's module, so one manifest works in all three places.
- States saved by the old connector (a legacy blob of every stream, or per-stream states with
  `updates_cursor`/`remove_cursor`) are turned into per-stream states.
- A stream synced in full refresh mode ignores any state but that of a snapshot in progress, so that
  it really reads everything, and resumes an interrupted attempt (resumable full refresh).
- The state of a snapshot in progress is kept from the CDK and handed to the stream's retriever
  (through the runtime): given any state, the CDK would route a stream to its incremental reads.
- In schema mode `typed`, a read maps documents to the columns of the configured catalog (the
  destination's), which reach the components inside the config (see runtime.CONFIGURED_SCHEMAS_KEY).
- A saved cursor that is not a Fauna timestamp stops the read before it starts, naming the stream
  to reset (the CDK would fail parsing it with no word of which stream or what to do).
- A read is wrapped by `read_outcome.guarded_read`: missing streams, unusable indexes, failure types,
  and a failed stream's last state.
- `ts` window bounds and cursors are written with integers (cdk_internals.format_epoch_microseconds_exactly).
- At most two pages of records wait to be written, not 10,000 (cdk_internals.bound_record_queue; retrievers
  queue a page once less than a page waits).
- `check` is the manifest's; a failure reports the connector's message without the CDK's wrapping, a
  success how many databases and collections it found.
"""

import json
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    AirbyteStateType,
    AirbyteStreamState,
    ConfiguredAirbyteCatalog,
    Status,
    StreamDescriptor,
    SyncMode,
)
from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from source_fauna import cdk_internals, components
from source_fauna.errors import config_error
from source_fauna.read_outcome import guarded_read
from source_fauna.runtime import runtime_for
from source_fauna.snapshot_progress import is_snapshot_state

cdk_internals.register_components(components)
cdk_internals.format_epoch_microseconds_exactly()

_legacy_migration = components.FaunaLegacyStateMigration()


class SourceFauna(YamlDeclarativeSource):
    def __init__(
        self,
        catalog: Optional[ConfiguredAirbyteCatalog] = None,
        config: Optional[Mapping[str, Any]] = None,
        state: Optional[List[AirbyteStateMessage]] = None,
        **kwargs: Any,
    ) -> None:
        state, snapshots = _snapshots_apart(state or [])
        state = _without_full_refresh_states(state, catalog)
        check_cursors(state)
        super().__init__(
            path_to_yaml="manifest.yaml",
            catalog=catalog,
            config=_with_configured_schemas(config, catalog),
            state=state,
            **kwargs,
        )
        if snapshots and self.built_config:
            runtime_for(self.built_config).resume_snapshots(snapshots)
        cdk_internals.bound_record_queue(self)

    @property
    def built_config(self) -> Optional[Mapping[str, Any]]:
        """The config this source was built with: the object its components get (empty when built without one)."""
        return cdk_internals.declarative_config(self)

    @classmethod
    def read_state(cls, state_path: str) -> List[AirbyteStateMessage]:
        return normalize_state(_read_json(state_path) if state_path else None)

    # The CDK's declarative source builds its streams from the config, catalog and state given to
    # __init__ and ignores those passed to check/discover/read. Callers that build it empty (the
    # CDK's standard tests, some tools) get a source bound to the arguments they pass.
    def _bound(self, config: Optional[Mapping[str, Any]], catalog: Any = None, state: Any = None) -> "SourceFauna":
        if self.built_config or not config:
            return self
        return type(self)(catalog=catalog, config=config, state=state)

    def check(self, logger: Any, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """The manifest's check, with the connector's own message when it fails, and what it found when it passes."""
        bound = self._bound(config)
        status = super(SourceFauna, bound).check(logger, config)
        if status.status == Status.FAILED and status.message:
            status.message = cdk_internals.plain_check_message(status.message)
        elif status.status == Status.SUCCEEDED and bound.built_config:
            config = bound.built_config
            runtime = runtime_for(config)
            collections, databases = len(runtime.catalog(components.paginator_for(config))), len(runtime.databases)
            status.message = f"Found {collections} collection(s) to sync in {databases} database(s)."
        return status

    def discover(self, logger: Any, config: Mapping[str, Any]) -> Any:
        catalog = super(SourceFauna, self._bound(config)).discover(logger, config)
        # Every stream's snapshot resumes where an interrupted attempt stopped, with or without a cursor:
        # the platform keeps the state of a full refresh between attempts only for resumable streams.
        for stream in catalog.streams:
            stream.is_resumable = True
        return catalog

    def read(self, logger: Any, config: Mapping[str, Any], catalog: Any, state: Optional[List[Any]] = None) -> Any:
        bound = self._bound(config, catalog, state)
        return guarded_read(bound.built_config or config, catalog, super(SourceFauna, bound).read(logger, config, catalog, state))


def _with_configured_schemas(config: Optional[Mapping[str, Any]], catalog: Optional[ConfiguredAirbyteCatalog]) -> Optional[Mapping[str, Any]]:
    if not config or catalog is None or config.get("schema_mode") != "typed":
        return config
    from source_fauna.runtime import CONFIGURED_SCHEMAS_KEY

    schemas = {stream.stream.name: stream.stream.json_schema for stream in catalog.streams}
    return {**config, CONFIGURED_SCHEMAS_KEY: schemas}


def _read_json(path: str) -> Any:
    with open(path) as file:
        try:
            return json.load(file)
        except json.JSONDecodeError as error:
            raise ValueError(f"The state file {path} is not valid JSON: {error}.") from None


def normalize_state(raw: Any) -> List[AirbyteStateMessage]:
    """Per-stream state messages from any state this connector or its predecessor wrote."""
    if not raw:
        return []
    if isinstance(raw, Mapping):  # a bare legacy blob: {"users": {...}, "orders": {...}}
        raw = [{"type": "LEGACY", "data": raw}]
    if not isinstance(raw, list):
        raise ValueError("The state file must hold a list of Airbyte state messages, or the old connector's state object.")
    messages: List[AirbyteStateMessage] = []
    for item in raw:
        if item.get("type") in (None, "LEGACY") and "data" in item and "stream" not in item:
            messages.extend(_per_stream(name, state) for name, state in (item["data"] or {}).items())
        else:
            message = AirbyteStateMessageSerializer.load(item)
            if message.type == AirbyteStateType.STREAM and message.stream and message.stream.stream_state:
                state = message.stream.stream_state.__dict__ if hasattr(message.stream.stream_state, "__dict__") else dict(message.stream.stream_state)
                messages.append(_per_stream(message.stream.stream_descriptor.name, state, message.stream.stream_descriptor.namespace))
            else:
                messages.append(message)
    return [message for message in messages if message.stream is None or message.stream.stream_state]


def _per_stream(name: str, state: Any, namespace: Optional[str] = None) -> AirbyteStateMessage:
    if state is not None and not isinstance(state, Mapping):
        raise _unreadable_state(name, f"it is {json.dumps(state, default=str)[:100]}, not an object")
    state = dict(state or {})
    if _legacy_migration.should_migrate(state):
        state = dict(_legacy_migration.migrate(state))
    return AirbyteStateMessage(
        type=AirbyteStateType.STREAM,
        stream=AirbyteStreamState(stream_descriptor=StreamDescriptor(name=name, namespace=namespace), stream_state=_state_blob(state)),
    )


_WHOLE_NUMBER = re.compile(r"[0-9]+")


def check_cursors(state: List[AirbyteStateMessage]) -> None:
    """Raises a config error naming the first stream whose saved `ts` cursor is not a Fauna timestamp (µs, an integer)."""
    for message in state:
        if message.stream is None or not message.stream.stream_state:
            continue
        values = message.stream.stream_state.__dict__
        cursor = values.get("ts")
        if "ts" in values and not (type(cursor) is int or isinstance(cursor, str) and _WHOLE_NUMBER.fullmatch(cursor)):
            detail = f"its cursor `ts` is {json.dumps(cursor, default=str)[:100]}, not a Fauna timestamp (microseconds since 1970 as a whole number)"
            raise _unreadable_state(message.stream.stream_descriptor.name, detail)


def _unreadable_state(stream: str, detail: str) -> Exception:
    return config_error(
        f"The saved state of stream '{stream}' cannot be read: {detail}. Clear (reset) the data of stream '{stream}' in "
        "Airbyte so that its next sync starts from a full snapshot, or restore a state this connector wrote."
    )


def _state_blob(state: Dict[str, Any]) -> Any:
    return AirbyteStateBlob(**state) if state else None


def _snapshots_apart(state: List[AirbyteStateMessage]) -> Tuple[List[AirbyteStateMessage], Dict[str, Mapping[str, Any]]]:
    """The states for the CDK, and those of snapshots in progress by stream name."""
    rest: List[AirbyteStateMessage] = []
    snapshots: Dict[str, Mapping[str, Any]] = {}
    for message in state:
        blob = message.stream.stream_state if message.stream is not None else None
        saved = blob.__dict__ if blob is not None else None
        if message.stream is not None and is_snapshot_state(saved):
            snapshots[message.stream.stream_descriptor.name] = dict(saved or {})
        else:
            rest.append(message)
    return rest, snapshots


def _without_full_refresh_states(
    state: List[AirbyteStateMessage], catalog: Optional[ConfiguredAirbyteCatalog]
) -> List[AirbyteStateMessage]:
    if catalog is None:
        return state
    full_refresh = {
        (stream.stream.name, stream.stream.namespace) for stream in catalog.streams if stream.sync_mode == SyncMode.full_refresh
    }
    return [
        message
        for message in state
        if message.stream is None
        or (message.stream.stream_descriptor.name, message.stream.stream_descriptor.namespace) not in full_refresh
    ]
