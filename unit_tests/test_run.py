"""The `source-fauna` command's output loop: records go out in batches, nothing is held back or lost."""

import pytest

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
    monkeypatch.setattr(run, "AirbyteEntrypoint", _Entrypoint)
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
