"""A reader's access check (its first query, and `verify_access` when Fauna refuses it) and `verify_documents_readable`:
an empty first page is told apart from a collection the key may not read.

Fauna leaves out of `Documents()` every document the key may not read (core model/set/DocumentsSet.scala
`filteredForRead`), so an unreadable collection pages as empty; a Get of a document id answers 403 when
the key may not read the collection, and 404 when it may and the document does not exist.
"""

from typing import Any, List

import pytest

from source_fauna.catalog import CollectionInfo, verify_documents_readable
from source_fauna.config import CollectionSettings
from source_fauna.errors import AccessDenied, DocumentNotFound
from source_fauna.reader import CollectionReader

NOW = 1_700_000_000_000_000


class AnsweringGateway:
    """Answers queries in order; an exception in the list is raised instead."""

    def __init__(self, answers: List[Any]) -> None:
        self.answers = list(answers)
        self.purposes: List[str] = []

    def query(self, expr: Any, purpose: str) -> Any:
        self.purposes.append(purpose)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_a_collection_with_a_readable_document_needs_no_probe():
    gateway = AnsweringGateway([{"data": [{"ref": "1"}]}])
    verify_documents_readable(gateway, "users")
    assert gateway.purposes == ["read the documents of collection 'users'"]


def test_an_empty_collection_the_key_may_read_passes():
    gateway = AnsweringGateway([{"data": []}, DocumentNotFound("instance not found")])
    verify_documents_readable(gateway, "users")
    assert len(gateway.purposes) == 2


def test_an_empty_looking_collection_the_key_may_not_read_fails_naming_the_privilege():
    gateway = AnsweringGateway([{"data": []}, AccessDenied("403")])
    with pytest.raises(Exception) as info:
        verify_documents_readable(gateway, "users")
    assert "may not read the documents of collection 'users'" in info.value.message
    assert 'read` on Collection("users")' in info.value.message


def reader(gateway: AnsweringGateway) -> CollectionReader:
    return CollectionReader(gateway, CollectionInfo("users", 30, ts_index="users_ts"), CollectionSettings(name="users"))


def test_a_reader_reads_the_time_the_documents_and_the_incremental_index_in_one_round_trip():
    gateway = AnsweringGateway([[NOW, {"data": [{"ref": "1"}]}, {"data": []}]])
    assert reader(gateway).snapshot() == NOW
    assert gateway.purposes == ["start reading collection 'users'"]


def test_an_empty_looking_collection_read_in_that_round_trip_is_still_probed():
    gateway = AnsweringGateway([[NOW, {"data": []}, {"data": []}], AccessDenied("403")])
    with pytest.raises(Exception) as info:
        reader(gateway).snapshot()
    assert "may not read the documents of collection 'users'" in info.value.message


def test_a_refused_round_trip_is_read_apart_so_the_message_names_the_index():
    gateway = AnsweringGateway([AccessDenied("403"), {"data": [{"ref": "1"}]}, AccessDenied("403")])
    with pytest.raises(AccessDenied):
        reader(gateway).snapshot()
    assert gateway.purposes[1] == "read the documents of collection 'users'"
    assert gateway.purposes[2].startswith("read index 'users_ts' of collection 'users'")


def test_a_refusal_that_reading_apart_does_not_explain_is_raised_as_fauna_gave_it():
    refused = AccessDenied("403: history")
    gateway = AnsweringGateway([refused, {"data": [{"ref": "1"}]}, {"data": []}])
    with pytest.raises(AccessDenied) as info:
        reader(gateway).snapshot()
    assert info.value is refused
