"""What the connector relies on in the CDK beyond its public API (source_fauna/cdk_internals.py).

Each test fails, saying what changed, when a CDK release moves one of these internals. Also the
output loop: records go out in batches, and nothing is held back or lost."""

import inspect
import logging
import queue
import threading
from datetime import datetime, timedelta, timezone
from unittest.mock import MagicMock

import pytest

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStream,
    AirbyteStreamState,
    AirbyteStreamStatus,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    StreamDescriptor,
    SyncMode,
    Type,
)
from airbyte_cdk.sources.concurrent_source.concurrent_read_processor import ConcurrentReadProcessor
from airbyte_cdk.sources.concurrent_source.partition_generation_completed_sentinel import PartitionGenerationCompletedSentinel
from airbyte_cdk.sources.concurrent_source.stream_thread_exception import StreamThreadException
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.declarative.datetime.datetime_parser import DatetimeParser
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.message import InMemoryMessageRepository, LogAppenderMessageRepositoryDecorator
from airbyte_cdk.sources.message.concurrent_repository import ConcurrentMessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import ConcurrentCursor, CursorField, FinalStateCursor
from airbyte_cdk.sources.streams.concurrent.partitions.types import PartitionCompleteSentinel
from airbyte_cdk.sources.streams.concurrent.state_converters.datetime_stream_state_converter import CustomFormatConcurrentStreamStateConverter
from airbyte_cdk.models import Level, Status
from airbyte_cdk.sources.types import StreamSlice

from source_fauna import cdk_internals, components, runtime
from source_fauna.catalog import CollectionInfo
from source_fauna.errors import config_error
from source_fauna.source import SourceFauna


def test_the_manifest_class_names_resolve_to_this_package_components():
    resolved = ModelToComponentFactory._get_class_from_fully_qualified_class_name(
        f"{cdk_internals.INJECTED_COMPONENTS_MODULE}.FaunaDocumentsRetriever"
    )
    assert resolved is components.FaunaDocumentsRetriever


def test_the_cursors_hold_the_message_repository_the_builder_listens_to():
    repository = InMemoryMessageRepository(Level.DEBUG)
    cursor = FinalStateCursor("users", None, repository)
    assert cdk_internals.message_repository(cursor) is repository, "FinalStateCursor no longer keeps _message_repository"
    assert "self._message_repository = message_repository" in inspect.getsource(ConcurrentCursor.__init__), (
        "ConcurrentCursor no longer keeps _message_repository: the Builder's page log would be lost"
    )


def test_a_repository_that_keeps_debug_messages_is_told_apart_from_a_sync_one():
    assert cdk_internals.logs_debug(InMemoryMessageRepository(Level.DEBUG))
    assert cdk_internals.logs_debug(LogAppenderMessageRepositoryDecorator({}, InMemoryMessageRepository(Level.DEBUG), Level.DEBUG))
    assert cdk_internals.logs_debug(ConcurrentMessageRepository(queue.Queue(), InMemoryMessageRepository(Level.DEBUG)))
    assert not cdk_internals.logs_debug(ConcurrentMessageRepository(queue.Queue(), InMemoryMessageRepository(Level.INFO)))
    assert not cdk_internals.logs_debug(InMemoryMessageRepository(Level.INFO))
    assert not cdk_internals.logs_debug(None)


def test_the_cdk_hands_every_component_of_a_source_one_config_object(monkeypatch):
    # runtime_for shares one gateway and one collection list per config object (source_fauna/runtime.py);
    # were the CDK to copy the config per component, each would list the collections and open a pool of its own.
    built = []
    original_init = runtime.FaunaRuntime.__init__

    def counting_init(self, config):
        built.append(config)
        original_init(self, config)

    monkeypatch.setattr(runtime.FaunaRuntime, "__init__", counting_init)
    monkeypatch.setattr(runtime.FaunaRuntime, "catalog", lambda self, paginator=None: [CollectionInfo("users", None, "users_ts"), CollectionInfo("logs", None)])
    config = {"domain": "127.0.0.1", "port": 9, "scheme": "http", "secret": "s"}
    source = SourceFauna(config=config)
    streams = source.discover(logging.getLogger("airbyte"), config).streams
    assert sorted(stream.name for stream in streams) == ["logs", "users"]
    assert len(built) == 1, "the CDK no longer hands all components of a source one config object"
    assert built[0] is cdk_internals.declarative_config(source), "the config the components get is no longer the source's `_config`"


def test_records_wait_for_the_main_thread_a_page_at_a_time():
    source = SourceFauna(config={"domain": "127.0.0.1", "port": 9, "scheme": "http", "secret": "s"})
    record_queue = getattr(getattr(source, "_concurrent_source", None), "_queue", None)
    assert isinstance(record_queue, queue.Queue), (
        "the declarative source no longer keeps its records' queue as `_concurrent_source._queue`: "
        "parallel readers would fill it 10,000 records deep again"
    )
    assert record_queue.maxsize == cdk_internals.QUEUED_ITEMS, "SourceFauna no longer bounds its records' queue"


def test_the_main_thread_never_waits_on_a_full_record_queue():
    # The main thread alone empties the queue, and emits messages itself (a stream's last state): with a
    # smaller bound the queue is full more often, so a blocking put there would hang the sync.
    emitted = []

    def as_the_main_thread():
        full = queue.Queue(maxsize=1)
        full.put("a record")
        repository = ConcurrentMessageRepository(full, InMemoryMessageRepository(Level.INFO))
        state = AirbyteMessage(type=Type.STATE, state=AirbyteStateMessage(type=AirbyteStateType.STREAM))
        repository.emit_message(state)
        emitted.extend([state, list(repository.consume_queue())])

    thread = threading.Thread(target=as_the_main_thread, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive(), "the CDK's repository now blocks its consumer on a full queue: bound_record_queue could hang a sync"
    state, consumed = emitted
    assert consumed == [state]


def test_retrievers_see_how_many_records_wait_on_the_queue_the_source_writes_from():
    source = SourceFauna(config={"domain": "127.0.0.1", "port": 9, "scheme": "http", "secret": "s"})
    repository = source._message_repository  # the one the components, and so the retrievers' cursors, are given
    assert cdk_internals.records_waiting(repository) == 0, "the components' repository no longer keeps the source's queue as `_queue`"
    source._concurrent_source._queue.put("a record")
    assert cdk_internals.records_waiting(repository) == 1, "the components' repository puts on another queue than the source writes from"
    assert cdk_internals.records_waiting(InMemoryMessageRepository(Level.INFO)) is None


def test_a_source_without_the_queue_is_read_as_the_cdk_built_it():
    assert not cdk_internals.bound_record_queue(object())


def test_a_failed_check_reports_the_connectors_own_message(monkeypatch):
    # The manifest's CheckStream wraps the connector's error in the repr() of "Encountered an error while …";
    # plain_check_message takes it out again. Were the CDK to word or quote it differently, this fails.
    message = "`collection_settings` names index 'notes_ts' for collection 'users', but it cannot be used."

    def refuse(self, paginator=None):
        raise config_error(message)

    monkeypatch.setattr(runtime.FaunaRuntime, "catalog", refuse)
    config = {"domain": "127.0.0.1", "port": 9, "scheme": "http", "secret": "s"}
    status = SourceFauna(config=config).check(logging.getLogger("airbyte"), config)
    assert status.status == Status.FAILED
    assert status.message == message, f"the CDK reports a failed check differently now: {status.message!r}"
    assert cdk_internals.plain_check_message("not a repr") == "not a repr"


def test_a_slice_with_a_cached_hash_equals_the_slice_and_hashes_the_same():
    original = StreamSlice(partition={}, cursor_slice={"start_time": "0", "end_time": "99"})
    cached = cdk_internals.SliceWithCachedHash(original)
    assert cached == original and hash(cached) == hash(original)
    assert {original: 1}[cached] == 1


def _record(n: int) -> str:
    return '{"type":"RECORD","record":{"stream":"users","data":{"n":%d},"emitted_at":1}}' % n


STATE = '{"type":"STATE","state":{"type":"STREAM"}}'


class _Entrypoint:
    """Yields the given serialized messages, then fails if asked to."""

    messages: list = []
    failure = None

    def __init__(self, source):
        pass

    def parse_args(self, args):
        return args

    def run(self, parsed_args):
        yield from self.messages
        if self.failure:
            raise self.failure


@pytest.fixture
def entrypoint(monkeypatch):
    monkeypatch.setattr(cdk_internals, "AirbyteEntrypoint", _Entrypoint)
    _Entrypoint.failure = None
    return _Entrypoint


def test_every_message_is_written_once_in_order(entrypoint, capfd):
    entrypoint.messages = [_record(n) for n in range(250)] + [STATE] + [_record(250), STATE]
    cdk_internals.launch(None, [])
    assert capfd.readouterr().out.splitlines() == entrypoint.messages


def test_records_go_to_the_print_buffer_a_hundred_at_a_time_and_any_other_message_at_once(entrypoint, monkeypatch):
    writes = []

    class Buffer:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, text):
            writes.append(text.splitlines())

    monkeypatch.setattr(cdk_internals, "PRINT_BUFFER", Buffer())
    entrypoint.messages = [_record(n) for n in range(250)] + [STATE] + [_record(250), STATE]
    cdk_internals.launch(None, [])
    assert [len(lines) for lines in writes] == [100, 100, 51, 2]
    assert writes[2][-1] == STATE and writes[3] == [_record(250), STATE]


def test_records_read_before_a_failure_are_still_written(entrypoint, capfd):
    entrypoint.messages = [_record(n) for n in range(130)]  # a full batch and 30 pending
    entrypoint.failure = RuntimeError("the node went away")
    with pytest.raises(RuntimeError):
        cdk_internals.launch(None, [])
    assert capfd.readouterr().out.splitlines() == entrypoint.messages


def test_the_cdk_writes_a_record_message_with_its_type_first():
    record = AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream="users", data={"n": 1}, emitted_at=1))
    state = AirbyteMessage(type=Type.STATE, state=AirbyteStateMessage(type=AirbyteStateType.STREAM))
    assert AirbyteEntrypoint.airbyte_message_to_string(record).startswith(cdk_internals._RECORD), (
        "the CDK serializes records differently now: each would be written alone, as slowly as by the CDK's own launch"
    )
    assert not AirbyteEntrypoint.airbyte_message_to_string(state).startswith(cdk_internals._RECORD)


def _daily_windows_of_1974():
    """The `ts` windows the CDK cuts for the manifest's window cursor (P1D, both ends inclusive) over 1974."""
    converter = CustomFormatConcurrentStreamStateConverter(
        datetime_format="%epoch_microseconds", input_datetime_formats=["%epoch_microseconds"], cursor_granularity=timedelta(microseconds=1)
    )
    start, end = datetime(1974, 1, 1, tzinfo=timezone.utc), datetime(1975, 1, 1, tzinfo=timezone.utc)
    cursor = ConcurrentCursor(
        "users", None, {}, InMemoryMessageRepository(), ConnectorStateManager([]), converter, CursorField("ts"), ("start_time", "end_time"),
        start, lambda: end, slice_range=timedelta(days=1), cursor_granularity=timedelta(microseconds=1),
    )  # fmt: skip
    return [(int(window["start_time"]), int(window["end_time"])) for window in cursor.stream_slices()]


def test_the_cdk_writes_epoch_microseconds_through_a_float_that_loses_a_microsecond():
    end_of_a_day_in_1974 = datetime(1974, 4, 4, tzinfo=timezone.utc) - timedelta(microseconds=1)  # 134265599999999 µs
    assert cdk_internals._format_with_floats(DatetimeParser(), end_of_a_day_in_1974, "%epoch_microseconds") == "134265599999998", (
        "the CDK writes %epoch_microseconds exactly now: drop cdk_internals.format_epoch_microseconds_exactly"
    )
    assert DatetimeParser().format(end_of_a_day_in_1974, "%epoch_microseconds") == "134265599999999"


def test_ts_windows_are_written_exactly_so_that_each_starts_right_after_the_one_before():
    windows = _daily_windows_of_1974()
    assert len(windows) == 365
    assert all(upper - lower == 86_400_000_000 - 1 for lower, upper in windows[:-1]), "a window's end is written 1 µs low"
    assert all(following[0] == window[1] + 1 for window, following in zip(windows, windows[1:])), "a microsecond in no window"
    assert windows[0][0] == 126_230_400_000_000 and windows[-1][1] == 157_766_400_000_000  # the last one ends at the cursor's end


def _message_kinds(messages):
    return [(m.type.value, m.trace.type.value if m.type == Type.TRACE else None) for m in messages]


def test_a_failed_stream_ends_with_its_error_trace_then_its_cursors_own_state():
    """FailedSnapshotStates relies on this order, and on the CDK ending a failed stream with its cursor's state."""
    repository = InMemoryMessageRepository()
    cursor = FinalStateCursor("users", None, repository)
    stream = MagicMock(cursor=cursor, block_simultaneous_read="")
    stream.name = "users"
    stream.as_airbyte_stream.return_value = AirbyteStream(name="users", json_schema={}, supported_sync_modes=[SyncMode.full_refresh])
    partition = MagicMock()
    partition.stream_name.return_value = "users"
    no_slice_logs = MagicMock(should_log_slice_message=lambda logger: False)
    processor = ConcurrentReadProcessor([stream], MagicMock(), MagicMock(), logging.getLogger("test"), no_slice_logs, repository, MagicMock())
    processor.start_next_partition_generator()
    processor.on_partition(partition)
    emitted = list(processor.on_exception(StreamThreadException(config_error("no more retries"), "users")))
    emitted += list(processor.on_partition_generation_completed(PartitionGenerationCompletedSentinel(stream)))
    emitted += list(processor.on_partition_complete_sentinel(PartitionCompleteSentinel(partition, is_successful=False)))
    emitted = [message for message in emitted if message.type != Type.LOG]
    assert [message.type for message in emitted] == [Type.TRACE, Type.STATE, Type.TRACE], _message_kinds(emitted)
    assert emitted[0].trace.error.stream_descriptor.name == "users"
    assert emitted[2].trace.stream_status.status == AirbyteStreamStatus.INCOMPLETE


def _state(stream, value):
    return AirbyteMessage(
        type=Type.STATE,
        state=AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(stream_descriptor=StreamDescriptor(name=stream), stream_state=AirbyteStateBlob(value)),
        ),
    )


def _values(messages):
    return [(m.state.stream.stream_descriptor.name, m.state.stream.stream_state.__dict__) for m in messages if m.type == Type.STATE]


def test_a_failed_streams_last_state_is_its_snapshots_last_progress():
    progress = {"snapshot": {"at": 7, "ranges": [[5, None]]}}
    error = config_error("no more retries").as_airbyte_message(stream_descriptor=StreamDescriptor(name="users"))
    states = cdk_internals.FailedSnapshotStates()
    out = [states.checked(message) for message in (_state("users", progress), _state("orders", progress), error, _state("users", {"ts": "0"}), _state("orders", {"ts": "7"}))]
    assert _values(out) == [("users", progress), ("orders", progress), ("users", progress), ("orders", {"ts": "7"})]


def test_a_finished_snapshot_hands_over_to_its_cursor_even_if_the_stream_fails_later():
    error = config_error("no more retries").as_airbyte_message(stream_descriptor=StreamDescriptor(name="users"))
    states = cdk_internals.FailedSnapshotStates()
    messages = (_state("users", {"snapshot": {"at": 7, "ranges": [[5, None]]}}), _state("users", {"ts": "7"}), error, _state("users", {"ts": "9"}))
    assert _values([states.checked(message) for message in messages])[1:] == [("users", {"ts": "7"}), ("users", {"ts": "9"})]


def test_the_cdk_reads_a_stream_in_the_slices_its_cursors_windows_are_turned_into(monkeypatch):
    # slice_windows_with replaces the stream_slices of the cursor a custom retriever is given; the CDK's
    # partition generator must ask that same cursor for the stream's slices.
    monkeypatch.setattr(runtime.FaunaRuntime, "catalog", lambda self, paginator=None: [CollectionInfo("users", None, "users_ts")])
    monkeypatch.setattr(components.FaunaFirstChangeMigration, "should_migrate", lambda self, state: False)
    seen = []

    def one_window(self, windows):
        seen.extend(windows)
        yield StreamSlice(partition={}, cursor_slice={"start_time": "5", "end_time": "7"})

    monkeypatch.setattr(components.FaunaDocumentsRetriever, "_merged_windows", one_window)
    config = {"domain": "127.0.0.1", "port": 9, "scheme": "http", "secret": "s"}
    source = SourceFauna(config=config)
    catalog = source.discover(logging.getLogger("airbyte"), config)
    configured = ConfiguredAirbyteCatalog(
        streams=[ConfiguredAirbyteStream(stream=catalog.streams[0], sync_mode=SyncMode.incremental, destination_sync_mode=DestinationSyncMode.append)]
    )
    state = [_state("users", {"ts": "5"}).state]
    stream = next(s for s in SourceFauna(catalog=configured, config=config, state=state).streams(config) if s.name == "users")
    partitions = [partition.to_slice() for partition in stream.generate_partitions()]
    assert partitions == [{"start_time": "5", "end_time": "7"}], "the CDK no longer slices a stream with its cursor's stream_slices"
    assert seen and int(seen[0]["start_time"]) <= 6, "the windows the cursor cut from the state"


def test_a_progress_state_goes_out_behind_the_records_its_reader_thread_handed_on():
    # emit_behind_records relies on the concurrent source's repository putting a message, at once, on the
    # queue its reader threads put records on.
    concurrent_source = SourceFauna()._concurrent_source
    repository, records = concurrent_source._message_repository, concurrent_source._queue
    assert isinstance(repository, ConcurrentMessageRepository), "the concurrent source's repository changed"
    progress = _state("users", {"snapshot": {"at": 7, "ranges": [[5, None]]}})

    def reader_thread():
        records.put("a record")
        cdk_internals.emit_behind_records(repository, progress)

    thread = threading.Thread(target=reader_thread)
    thread.start()
    thread.join()
    assert [records.get(block=False), records.get(block=False)] == ["a record", progress], "the state no longer follows its records"
