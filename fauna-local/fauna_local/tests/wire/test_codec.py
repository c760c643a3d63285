"""Tagged JSON rendering and decoding (driver `faunadb/_json.py`, core `Renderable.scala`)."""

import datetime
import json

from fauna_local.values import Bytes, RawJSON, Ref, Time
from fauna_local.wire import codec

USERS = Ref("users", Ref("collections"))


def test_given_refs_when_rendered_then_nested_at_ref_objects():
    # core Renderable.scala writeRef: {"@ref":{"id":…,"collection":{"@ref":{"id":"collections"}}}}
    assert json.loads(codec.render(Ref("1", USERS))) == {
        "@ref": {"id": "1", "collection": {"@ref": {"id": "users", "collection": {"@ref": {"id": "collections"}}}}}
    }


def test_given_times_when_rendered_then_trailing_zero_groups_trimmed():
    # core Timestamp.scala (Java Instant.toString).
    base = Time.parse("2024-01-02T03:04:05Z").nanos
    assert Time(base).iso() == "2024-01-02T03:04:05Z"
    assert Time(base + 120_000_000).iso() == "2024-01-02T03:04:05.120Z"
    assert Time(base + 123_456_000).iso() == "2024-01-02T03:04:05.123456Z"
    assert Time(base + 123_456_789).iso() == "2024-01-02T03:04:05.123456789Z"


def test_given_at_keyed_objects_when_rendered_then_wrapped_in_at_obj():
    # core Renderable.scala: objects whose keys start with '@' are escaped with @obj.
    assert json.loads(codec.render({"data": {"@ref": "x"}})) == {"data": {"@obj": {"@ref": "x"}}}
    assert json.loads(codec.render({"s": "@home"})) == {"s": "@home"}


def test_given_all_tagged_types_when_rendered_and_decoded_then_round_trip():
    value = {"t": Time.parse("2020-01-01T00:00:00Z"), "d": datetime.date(2020, 1, 2), "b": Bytes(b"\x01\x02"), "r": Ref("1", USERS), "n": 2**60}
    text = codec.render(value)
    assert '{"@bytes":"AQI="}' in text and '{"@date":"2020-01-02"}' in text
    assert codec.decode_stored(text) == value


def test_given_raw_json_when_rendered_then_spliced_verbatim():
    raw = RawJSON('{"pre":"rendered"}', lambda: {"pre": "rendered"})
    assert codec.render({"data": [raw, raw]}) == '{"data":[{"pre":"rendered"},{"pre":"rendered"}]}'


def test_given_a_document_when_rendered_then_ref_ts_then_body_fields():
    text = codec.render_document(Ref("1", USERS), 5, {"ttl": Time(0), "data": {"a": 1}})
    assert list(json.loads(text)) == ["ref", "ts", "ttl", "data"]
    assert codec.decode_document(text) == {"ttl": Time(0), "data": {"a": 1}}
