"""The `source-fauna` command: spec, check, discover and read, as every Airbyte source."""

import gc
import sys
import traceback
from datetime import datetime, timezone
from typing import DefaultDict, Dict, List, Optional, Tuple

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import (
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    TraceType,
    Type,
)
from airbyte_cdk.sources.connector_state_manager import HashableStreamDescriptor

from source_fauna.source import SourceFauna


def _source(args: List[str]) -> Optional[SourceFauna]:
    # The declarative source reads its config, catalog and state when it is built, so build it
    # from the command's files; a bad file is reported as an Airbyte error, not a traceback.
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    config_path = AirbyteEntrypoint.extract_config(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    try:
        return SourceFauna(
            SourceFauna.read_catalog(catalog_path) if catalog_path else None,
            SourceFauna.read_config(config_path) if config_path else None,
            SourceFauna.read_state(state_path) if state_path else None,
            config_path=config_path,
        )
    except Exception as error:
        message = AirbyteMessage(
            type=Type.TRACE,
            trace=AirbyteTraceMessage(
                type=TraceType.ERROR,
                emitted_at=int(datetime.now(timezone.utc).timestamp() * 1000),
                error=AirbyteErrorTraceMessage(
                    message=f"source-fauna could not start: {error}",
                    internal_message=repr(error),
                    stack_trace=traceback.format_exc(),
                    failure_type=FailureType.config_error,
                ),
            ),
        )
        print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode())
        return None


class _Entrypoint(AirbyteEntrypoint):
    """The CDK's entrypoint, counting each stream's records with one lookup of a plain key.

    The CDK counts records to set each state's `sourceStats.recordCount`, and builds and hashes a
    dataclass per record to do it (1.3 µs, a sixteenth of a record's CPU in the benchmark).
    Records are counted by stream name and namespace here, and the counts are handed over before
    any other message, so every state carries the count the CDK would give it.
    """

    def __init__(self, source: SourceFauna) -> None:
        super().__init__(source)
        self._records: Dict[Tuple[str, Optional[str]], float] = {}

    def handle_record_counts(  # type: ignore[override]  # an instance's method, where the CDK's is static
        self, message: AirbyteMessage, stream_message_count: DefaultDict[HashableStreamDescriptor, float]
    ) -> AirbyteMessage:
        record = message.record
        if message.type == Type.RECORD and record is not None:
            key = (record.stream, record.namespace)
            self._records[key] = self._records.get(key, 0.0) + 1.0
            return message
        for (name, namespace), count in self._records.items():
            stream_message_count[HashableStreamDescriptor(name=name, namespace=namespace)] += count
        self._records.clear()
        return AirbyteEntrypoint.handle_record_counts(message, stream_message_count)


_RECORD = '{"type":"RECORD"'
_BATCH = 100


def launch(source: SourceFauna, args: List[str]) -> None:
    """As the CDK's `launch`, but hands records to stdout 100 at a time.

    The CDK prints every message on its own through its print buffer (a lock, a buffer write and
    a clock read each): 1.2 µs per record against 0.1 µs in batches, measured. Any other message
    (state, log, trace) goes out at once with the records before it, so a state is never written
    before its records nor held back.
    """
    entrypoint = _Entrypoint(source)
    parsed_args = entrypoint.parse_args(args)
    batch: List[str] = []
    with PRINT_BUFFER:
        try:
            for message in entrypoint.run(parsed_args):
                batch.append(message)
                if len(batch) >= _BATCH or not message.startswith(_RECORD):
                    PRINT_BUFFER.write("\n".join(batch) + "\n")
                    batch.clear()
        finally:
            if batch:  # what was read before a failure is still delivered
                PRINT_BUFFER.write("\n".join(batch) + "\n")


def run() -> None:
    args = sys.argv[1:]
    source = _source(args)
    if source is None:
        sys.exit(1)
    # The CDK leaves ~100,000 long-lived objects after start-up, and Python's cyclic garbage
    # collector walks them again and again while pages are decoded (each page allocates tens of
    # thousands of objects): measured at 15 µs per document instead of 4. Freezing what exists
    # now keeps it out of those collections. Records are acyclic (freed by reference counting the
    # moment they are written), so collections can also run far less often than every 700
    # allocations without holding memory: 22 -> 15 µs per decoded document in a micro-benchmark.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    # The CDK decodes pages in worker threads and writes records from the main thread, both busy
    # with the CPU. By default Python makes a busy thread hand the GIL to a waiting one every 5 ms,
    # and each handover leaves the other thread cold caches. Every 20 ms costs about 7 % less CPU
    # per record. Longer is not better: a reader that gives the GIL up for a network call may wait
    # that long to take it back, and 50 ms slowed parallel reads of a remote node (bench/README.md).
    sys.setswitchinterval(0.02)
    launch(source, args)


if __name__ == "__main__":
    run()
