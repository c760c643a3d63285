"""The typed decoder of document pages: what it keeps, and how it fails."""

import msgspec
import pytest

from source_fauna.wire import decode_document_page

REF = '{"@ref": {"id": "7", "collection": {"@ref": {"id": "users", "collection": {"@ref": {"id": "collections"}}}}}}'


def test_it_keeps_the_id_ts_data_and_ttl_and_the_cursor_as_sent():
    page = decode_document_page(
        f'{{"resource": {{"data": [{{"ref": {REF}, "ts": 5, "data": {{"n": {{"@date": "2020-01-02"}}}}, "ttl": {{"@ts": "2030-01-01T00:00:00Z"}}}}], "after": [{REF}]}}}}'.encode()
    )
    (document,) = page["data"]
    assert (document.id, document.ts, bytes(document.data), document.ttl_text) == ("7", 5, b'{"n": {"@date": "2020-01-02"}}', "2030-01-01T00:00:00Z")
    assert page["after"] == [msgspec.json.decode(REF)]


def test_a_document_without_data_or_ttl_and_the_last_page():
    page = decode_document_page(f'{{"resource": {{"data": [{{"ref": {REF}, "ts": 5}}]}}}}'.encode())
    assert (bytes(page["data"][0].data), page["data"][0].ttl_text, page["after"]) == (b"{}", None, None)


@pytest.mark.parametrize(
    "answer",
    ['{"resource": 5}', '{"resource": {"data": [{"ts": 5}]}}', f'{{"resource": {{"data": [{{"ref": {REF}, "ts": "5"}}]}}}}', '{"errors": []}'],
)
def test_an_answer_of_another_shape_is_a_validation_error(answer):
    with pytest.raises(msgspec.ValidationError):
        decode_document_page(answer.encode())


def test_a_truncated_answer_is_a_decode_error_not_a_shape_error():
    # The gateway retries the first (a dropped connection) and reports the second.
    with pytest.raises(msgspec.DecodeError) as raised:
        decode_document_page(f'{{"resource": {{"data": [{{"ref": {REF}, "ts'.encode())
    assert not isinstance(raised.value, msgspec.ValidationError)


@pytest.mark.parametrize("data", [b'{"a": 1', b'{"a": nope}'])
def test_data_kept_as_json_is_still_checked_to_be_json(data):
    with pytest.raises(msgspec.DecodeError):
        decode_document_page(b'{"resource": {"data": [{"ref": ' + REF.encode() + b', "ts": 5, "data": ' + data + b"}]}}")


def test_invalid_utf_8_in_data_is_a_decode_error_naming_where_it_is():
    # msgspec keeps `data` as bytes without checking its strings; the answer as a whole is checked.
    answer = b'{"resource": {"data": [{"ref": ' + REF.encode() + b', "ts": 5, "data": {"name": "\xff"}}]}}'
    with pytest.raises(msgspec.DecodeError, match=f"invalid UTF-8 at byte {answer.index(0xFF)}") as raised:
        decode_document_page(answer)
    assert not isinstance(raised.value, msgspec.ValidationError)
