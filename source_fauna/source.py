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
- `check` is the manifest's; a failure reports the connector's message without the CDK's wrapping.
"""

import ast
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
from source_fauna.runtime import runtime_for
from source_fauna.snapshot_progress import is_snapshot_state

cdk_internals.register_components(components)

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
        super().__init__(
            path_to_yaml="manifest.yaml",
            catalog=catalog,
            config=config,
            state=_without_full_refresh_states(state, catalog),
            **kwargs,
        )
        if snapshots and self._config:
            runtime_for(self._config).resume_snapshots(snapshots)
        cdk_internals.bound_record_queue(self)

    @classmethod
    def read_state(cls, state_path: str) -> List[AirbyteStateMessage]:
        return normalize_state(_read_json(state_path) if state_path else None)

    # The CDK's declarative source builds its streams from the config, catalog and state given to
    # __init__ and ignores those passed to check/discover/read. Callers that build it empty (the
    # CDK's standard tests, some tools) get a source bound to the arguments they pass.
    def _bound(self, config: Optional[Mapping[str, Any]], catalog: Any = None, state: Any = None) -> "SourceFauna":
        if self._config or not config:
            return self
        return type(self)(catalog=catalog, config=config, state=state)

    def check(self, logger: Any, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """The manifest's check, with the connector's own message when it fails."""
        status = super(SourceFauna, self._bound(config)).check(logger, config)
        if status.status == Status.FAILED and status.message:
            status.message = plain_check_message(status.message)
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
        return super(SourceFauna, bound).read(logger, config, catalog, state)


def _read_json(path: str) -> Any:
    with open(path) as file:
        try:
            return json.load(file)
        except json.JSONDecodeError as error:
            raise ValueError(f"The state file {path} is not valid JSON: {error}.") from None


# The CDK reports a failed CheckStream as the repr() of "Encountered an error while <action>. Error: <error>"
# (ConcurrentDeclarativeSource.check, CheckStream._log_error), where <error> is the connector's message.
_CHECK_FAILURE_PREFIX = re.compile(r"^Encountered an error while .*?\. Error: ", re.DOTALL)


def plain_check_message(message: str) -> str:
    """The connector's own message inside the CDK's report of a failed check; any other text as it is."""
    try:
        text = ast.literal_eval(message)
    except (ValueError, SyntaxError):
        return message
    return _CHECK_FAILURE_PREFIX.sub("", text, count=1) if isinstance(text, str) else message


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


def _per_stream(name: str, state: Mapping[str, Any], namespace: Optional[str] = None) -> AirbyteStateMessage:
    state = dict(state or {})
    if _legacy_migration.should_migrate(state):
        state = dict(_legacy_migration.migrate(state))
    return AirbyteStateMessage(
        type=AirbyteStateType.STREAM,
        stream=AirbyteStreamState(stream_descriptor=StreamDescriptor(name=name, namespace=namespace), stream_state=_state_blob(state)),
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
