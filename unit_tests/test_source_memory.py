"""The records the CDK holds between the page readers and the stdout writer are bounded."""

import queue

import pytest

from source_fauna.source import RECORDS_IN_FLIGHT, SourceFauna


def test_the_queue_between_readers_and_writer_holds_at_most_records_in_flight():
    # The queue is the CDK's own (it has no setting for it): if a CDK release renames or rebuilds
    # it, the bound would silently be lost, so this reaches in on purpose.
    records = SourceFauna()._concurrent_source._queue
    for number in range(RECORDS_IN_FLIGHT):
        records.put(number, block=False)
    with pytest.raises(queue.Full):
        records.put(RECORDS_IN_FLIGHT, block=False)
