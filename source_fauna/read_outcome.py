"""What a read says around the CDK's own messages, so that the platform and the user act right.

- A configured stream whose collection the source no longer offers (deleted, renamed, left out by
  `collections`) is named, with what to do; the other streams still sync, then the read fails
  with a config error. The CDK itself only marks such a stream INCOMPLETE.
- A stream configured for incremental sync whose collection has no usable index is read in full
  (its stream offers full refresh only); a warning names the collection and the index to create.
- The platform types a failed attempt by its earliest error TRACE (AirbyteMessageTracker
  `errorTraceMessageFailure` sorts them by time, ConnectionManagerWorkflowImpl reads the first)
  and retries it unless that type is config_error; it also shows a connection as failed when
  any of its errors is a config_error. The CDK ends a read in which streams failed with a summary
  typed config_error ("not actionable", ConcurrentReadProcessor.is_done); here it carries the
  type of the first stream error instead, so a transient failure is not shown as a setting to fix.
- A failed stream's last state is its snapshot's last progress, not the CDK cursor's own state
  (cdk_internals.FailedSnapshotStates).
"""

from typing import Any, Iterable, Iterator, List, Mapping, Optional

from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, ConfiguredAirbyteCatalog, FailureType, Level, SyncMode, TraceType, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_fauna import cdk_internals, components
from source_fauna.errors import config_error
from source_fauna.runtime import runtime_for


def guarded_read(config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog, messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
    """`messages` (the CDK's read of `catalog`), preceded by warnings and followed by the errors above.

    `config` is the completed config the source's components were built with.
    """
    collections = {info.name: info for info in runtime_for(config).catalog(components.paginator_for(config))}
    missing = [stream.stream.name for stream in catalog.streams if stream.stream.name not in collections]
    for stream in catalog.streams:
        info = collections.get(stream.stream.name)
        if info is not None and stream.sync_mode == SyncMode.incremental and not info.ts_index:
            yield _warning(
                f"Stream '{info.name}' is configured for incremental sync, but collection '{info.name}' has no index "
                f"incremental reads can use, so this sync reads all its documents. {info.incremental_advice()}"
            )
    first_failure: Optional[FailureType] = None
    snapshots = cdk_internals.FailedSnapshotStates()
    try:
        for message in messages:
            trace = message.trace if message.type == Type.TRACE else None
            if first_failure is None and trace is not None and trace.type == TraceType.ERROR and trace.error is not None:
                first_failure = trace.error.failure_type
            yield snapshots.checked(message)
    except AirbyteTracedException as error:
        if missing:
            yield _missing_streams_error(missing).as_airbyte_message()
        if first_failure is not None:
            error.failure_type = first_failure
        raise
    if missing:
        raise _missing_streams_error(missing)


def _missing_streams_error(names: List[str]) -> AirbyteTracedException:
    listed = ", ".join(f"'{name}'" for name in names)
    return config_error(
        f"Stream(s) {listed} of the connection are not offered by the source any more: their collection was deleted or "
        "renamed, or `collections` leaves it out. The other streams were synced. Refresh the source schema in Airbyte "
        "(and deselect the stream(s) if they are gone for good)."
    )


def _warning(text: str) -> AirbyteMessage:
    return AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.WARN, message=text))
