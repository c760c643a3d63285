"""The `source-fauna` command's output loop: records go out in batches, nothing is held back or lost,
and every state carries the count of records before it that the CDK would give it."""

import copy
from collections import defaultdict

import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    Level,
    StreamDescriptor,
    Type,
)

from source_fauna import run


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
    monkeypatch.setattr(run, "_Entrypoint", _Entrypoint)
    _Entrypoint.failure = None
    return _Entrypoint


def test_every_message_is_written_once_in_order(entrypoint, capfd):
    entrypoint.messages = [_record(n) for n in range(250)] + [STATE] + [_record(250), STATE]
    run.launch(None, [])
    assert capfd.readouterr().out.splitlines() == entrypoint.messages


def test_records_read_before_a_failure_are_still_written(entrypoint, capfd):
    entrypoint.messages = [_record(n) for n in range(130)]  # a full batch and 30 pending
    entrypoint.failure = RuntimeError("the node went away")
    with pytest.raises(RuntimeError):
        run.launch(None, [])
    assert capfd.readouterr().out.splitlines() == entrypoint.messages


def _record_message(stream: str, namespace=None) -> AirbyteMessage:
    return AirbyteMessage(type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, namespace=namespace, data={}, emitted_at=1))


def _state_message(stream: str, namespace=None) -> AirbyteMessage:
    descriptor = StreamDescriptor(name=stream, namespace=namespace)
    state = AirbyteStateMessage(type=AirbyteStateType.STREAM, stream=AirbyteStreamState(stream_descriptor=descriptor))
    return AirbyteMessage(type=Type.STATE, state=state)


def test_each_state_carries_the_record_count_the_cdk_gives_it():
    log = AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.INFO, message="page"))
    messages = (
        [_record_message("users")] * 3
        + [_record_message("orders")] * 2
        + [_record_message("users", "other")]
        + [log, _state_message("users")]
        + [_record_message("users")] * 4
        + [_state_message("orders"), _state_message("users"), _state_message("users", "other"), _state_message("empty")]
    )
    entrypoint = run._Entrypoint(source=None)
    ours, cdks = defaultdict(float), defaultdict(float)
    counted = [entrypoint.handle_record_counts(copy.deepcopy(message), ours) for message in messages]
    expected = [AirbyteEntrypoint.handle_record_counts(copy.deepcopy(message), cdks) for message in messages]

    def record_counts(output):
        return [message.state.sourceStats.recordCount for message in output if message.type == Type.STATE]

    assert record_counts(counted) == record_counts(expected) == [3.0, 2.0, 4.0, 1.0, 0.0]
    assert counted == expected
