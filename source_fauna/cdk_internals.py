"""Every place the connector relies on airbyte-cdk behaviour that is not public API, and nothing else
(the interpreter's tuning is process_tuning's; the faunadb driver is touched only by fauna_gateway).

Each one buys a measured share of a sync's time or memory (bench/README.md shows the with/without
rows), or something the CDK offers custom components no public way to reach: the Connector Builder's
page log, and the connector's own message when the manifest's check fails; or it corrects what
the CDK would get wrong for this connector: the state that ends a failed stream.
unit_tests/test_cdk_internals.py fails, naming what moved, the day a CDK release changes one of them.
"""

import ast
import queue
import re
import sys
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any, Callable, Dict, Iterable, List, Optional, Set

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import AirbyteMessage, Level, Type
from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser
from airbyte_cdk.sources.types import StreamSlice

from source_fauna.snapshot_progress import is_snapshot_state

# The module name the Connector Builder and the declarative-manifest image give an injected
# components file; the manifest's `class_name`s use it.
INJECTED_COMPONENTS_MODULE = "source_declarative_manifest.components"


def register_components(module: ModuleType) -> None:
    """Makes the manifest's `source_declarative_manifest.components.X` names resolve to `module`.

    The CDK imports custom components by their dotted name, and registers an injected file under
    this name itself; registering the package's module here lets one manifest serve the package,
    the Builder and the declarative-manifest image.
    """
    sys.modules.setdefault(INJECTED_COMPONENTS_MODULE, module)
    sys.modules.setdefault("components", module)


def message_repository(cursor: Any) -> Any:
    """The message repository the Builder listens to: custom retrievers get none, their cursor has it."""
    return getattr(cursor, "_message_repository", None)


def emit_behind_records(repository: Any, message: AirbyteMessage) -> None:
    """Emits `message` (a snapshot's progress) behind the records the calling reader thread handed on before it.

    The concurrent source's repository puts a message on the queue its reader threads put records
    on, at once (ConcurrentMessageRepository): a state never goes out before the records it covers.
    """
    repository.emit_message(message)


def logs_debug(repository: Any) -> bool:
    """True when the repository keeps DEBUG messages: the Builder's manifest server, which sends no
    `__test_read_config`, logs at DEBUG; a sync logs at INFO."""
    # The concurrent source wraps its repository in a ConcurrentMessageRepository.
    inner = getattr(repository, "_decorated_message_repository", repository)
    return getattr(inner, "_log_level", None) == Level.DEBUG


class SliceWithCachedHash(StreamSlice):
    """The same slice, hashed once.

    The CDK's concurrent cursor hashes the slice of every record it observes, and a StreamSlice
    hashes itself by serialising to JSON and taking a SHA-256 each time. Equal to the original
    slice, with the same hash.
    """

    def __init__(self, original: StreamSlice) -> None:
        super().__init__(partition=original.partition, cursor_slice=original.cursor_slice, extra_fields=original.extra_fields)
        self._hash = hash(original)

    def __hash__(self) -> int:
        return self._hash


# The CDK's own bound stays as a backstop; readers wait at a page, long before it.
QUEUED_ITEMS = 2_000


def bound_record_queue(source: Any, items: int = QUEUED_ITEMS) -> bool:
    """Lets at most `items` records (and other messages) wait on the concurrent source's queue for the main thread,
    which writes them; answers whether the bound was set.

    The CDK bounds that queue at 10,000 items. A reader waiting on the network for every page keeps
    it near one page, but parallel readers (parallel_snapshot.py) work ahead, so whenever writing is
    the slower the queue fills: ten pages of records held at once. Retrievers wait (`records_waiting`)
    until less than a page is queued before they queue the next, so this bound is reached only when
    writing stalls. The main thread never waits on it (the CDK's ConcurrentMessageRepository buffers
    what it emits itself). The queue is the one the declarative source builds and hands its
    ConcurrentSource, which keeps it as `_queue`.
    """
    record_queue = getattr(getattr(source, "_concurrent_source", None), "_queue", None)
    if not isinstance(record_queue, queue.Queue):
        return False  # the sync runs as the CDK built it, only with more memory
    record_queue.maxsize = items
    return True


def records_waiting(repository: Any) -> Optional[int]:
    """How many messages wait on the concurrent source's queue to be written; None for another repository.

    The records a retriever yields go onto the queue its ConcurrentMessageRepository puts messages
    on (kept as `_queue`), and the main thread writes them from there.
    """
    record_queue = getattr(repository, "_queue", None)
    return record_queue.qsize() if isinstance(record_queue, queue.Queue) else None


def declarative_config(source: Any) -> Any:
    """The config a declarative source was built with: the very object the CDK hands its components
    (runtime.runtime_for keeps one runtime per such object). The source keeps it as `_config`, with no public accessor."""
    return source._config


_RECORD = '{"type":"RECORD"'
RECORDS_PER_WRITE = 100


def launch(source: Any, args: List[str]) -> None:
    """As the CDK's `launch`, but hands records to its print buffer 100 at a time, not one by one.

    The CDK's loop pays a `print` call, the buffer's lock and a clock read for every record.
    Any other message (state, log, trace) goes out at once, after the records before it, so a
    state is never written before its records nor held back; records read before a failure are
    still written.
    """
    entrypoint = AirbyteEntrypoint(source)
    parsed_args = entrypoint.parse_args(args)
    batch: List[str] = []

    def write_batch() -> None:
        PRINT_BUFFER.write("\n".join(batch) + "\n")
        batch.clear()

    with PRINT_BUFFER:
        try:
            for message in entrypoint.run(parsed_args):
                batch.append(message)
                if len(batch) >= RECORDS_PER_WRITE or not message.startswith(_RECORD):
                    write_batch()
        finally:
            if batch:
                write_batch()


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


def slice_windows_with(cursor: Any, windows: Callable[[Iterable[StreamSlice]], Iterable[StreamSlice]]) -> None:
    """Makes the CDK read a stream in the slices `windows` makes of those `cursor` cuts.

    `cursor` is the stream's ConcurrentCursor, the one custom retrievers are given: the declarative
    stream's partition generator asks that same object for the stream's slices
    (ModelToComponentFactory.create_default_stream), and its state follows the slices read.
    """
    cut = cursor.stream_slices
    cursor.stream_slices = lambda: windows(cut())


class FailedSnapshotStates:
    """Keeps the last progress of a failed stream's unfinished snapshot its last state.

    A snapshot checkpoints through states its retriever emits (snapshot_progress.py), which the
    stream's CDK cursor knows nothing of. When a stream fails, the CDK first emits its error TRACE
    (ConcurrentReadProcessor.on_exception), then ends the stream with the cursor's own state all
    the same (`_on_stream_is_done` calls `ensure_at_least_one_state_emitted`): the cursor's start
    `{"ts": "0"}`, or a full refresh's "no cursor" state. The platform keeps a stream's last state,
    so the next attempt would take the snapshot for done, or start it over. That state is replaced
    by the snapshot's last progress.
    """

    def __init__(self) -> None:
        self._progress: Dict[str, AirbyteMessage] = {}  # by stream: its last state, while it is a snapshot's progress
        self._failed: Set[str] = set()

    def checked(self, message: AirbyteMessage) -> AirbyteMessage:
        """`message`, or for the state that would end a failed stream past its snapshot's progress, that progress again."""
        if message.type == Type.TRACE and message.trace is not None and message.trace.error is not None:
            if message.trace.error.stream_descriptor is not None:
                self._failed.add(message.trace.error.stream_descriptor.name)
            return message
        stream = message.state.stream if message.type == Type.STATE and message.state is not None else None
        if stream is None:
            return message
        name = stream.stream_descriptor.name
        if stream.stream_state is not None and is_snapshot_state(stream.stream_state.__dict__):
            self._progress[name] = message
            return message
        if name in self._failed and name in self._progress:
            return self._progress[name]
        self._progress.pop(name, None)  # the snapshot finished and handed over to its cursor
        return message


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_MICROSECONDS = "%epoch_microseconds"
_format_with_floats = DatetimeParser.format


def _format_exactly(parser: DatetimeParser, dt: datetime, format: str) -> str:  # pylint: disable=redefined-builtin
    if format == _EPOCH_MICROSECONDS:
        return str((dt - _EPOCH) // timedelta(microseconds=1))
    return _format_with_floats(parser, dt, format)


def format_epoch_microseconds_exactly() -> None:
    """Makes the CDK write `%epoch_microseconds` (the manifest's `ts` format) with integers.

    The CDK writes it as `int(dt.timestamp() * 1_000_000)`: through a float, about one value in
    a hundred comes out 1 µs low. Every `ts` window boundary and saved cursor is written this
    way; a window whose end is written 1 µs low leaves that microsecond to neither window, and
    the next window waits for it (reader.WindowOrder). Parsing it is exact already.
    """
    DatetimeParser.format = _format_exactly  # type: ignore[method-assign, assignment]
