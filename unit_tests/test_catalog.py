"""Which index serves incremental reads of a collection.

Fauna echoes field specs exactly as written ("ts" or ["ts"], Fauna core
`ext/api/src/test/scala/api/IndexSpec.scala`), reports `active: false` while building, and may omit `terms`;
the rule is the old connector's (source = the collection, no terms, values [ts, ref]) made tolerant of those
forms (its `find_index_for_stream` compared `{"field": "ts"}` exactly and failed on an index without `terms`).
"""

import pytest

from source_fauna.catalog import choose_index, unfit_reason
from source_fauna.errors import config_error

TracedError = type(config_error("x"))
COLLECTIONS = {"@ref": {"id": "collections"}}


def collection_ref(name):
    return {"@ref": {"id": name, "collection": COLLECTIONS}}


def index(name="users_ts", source="users", **fields):
    document = {"name": name, "active": True, "source": collection_ref(source), "values": [{"field": ["ts"]}, {"field": ["ref"]}]}
    document.update(fields)
    return document


@pytest.mark.parametrize(
    "document",
    [
        index(),
        index(values=[{"field": "ts"}, {"field": "ref"}]),
        index(values=[{"field": ["ts"]}, {"field": "ref"}, {"field": ["data", "x"]}]),
        index(terms=[]),
        index(terms=None),
        index(values=[{"field": ["ts"], "reverse": False}, {"field": ["ref"]}]),
    ],
    ids=["list-fields", "string-fields", "extra-values", "empty-terms", "null-terms", "reverse-false"],
)
def test_fitting_index_shapes(document):
    assert unfit_reason(document) is None


@pytest.mark.parametrize(
    "document,reason",
    [
        (index(active=False), "not active"),
        (index(terms=[{"field": ["data", "x"]}]), "has terms"),
        (index(values=[{"field": ["ref"]}, {"field": ["ts"]}]), "do not begin with ts then ref"),
        (index(values=[{"field": ["ts"]}]), "do not begin with ts then ref"),
        (index(values=None), "do not begin with ts then ref"),
        (index(values=[{"field": ["ts"], "reverse": True}, {"field": ["ref"]}]), "ts value is reversed"),
        (index(values=[{"binding": "x"}, {"field": ["ref"]}]), "do not begin with ts then ref"),
    ],
    ids=["inactive", "terms", "wrong-order", "one-value", "no-values", "reversed", "binding"],
)
def test_unfit_index_shapes_say_why(document, reason):
    assert reason in unfit_reason(document)


def test_choose_index_prefers_the_narrowest_fitting_index_and_explains_the_others():
    indexes = [
        index("wide", values=[{"field": ["ts"]}, {"field": ["ref"]}, {"field": ["data"]}]),
        index("narrow"),
        index("building", active=False),
        index("elsewhere", source="orders"),
    ]
    chosen, notes = choose_index("users", indexes, None)
    assert chosen == "narrow"
    assert any("'building'" in note and "not active" in note for note in notes)
    assert not any("elsewhere" in note for note in notes)


def test_choose_index_accepts_the_collection_in_source_object_and_single_element_list_forms():
    assert choose_index("users", [index(source=None) | {"source": [collection_ref("users")]}], None)[0] == "users_ts"
    assert choose_index("users", [index() | {"source": {"collection": collection_ref("users"), "fields": {}}}], None)[0] == "users_ts"
    assert choose_index("users", [index() | {"source": [collection_ref("users"), collection_ref("orders")]}], None)[0] is None


def test_without_a_fitting_index_the_collection_is_full_refresh_only():
    chosen, notes = choose_index("users", [index(terms=[{"field": ["data", "x"]}])], None)
    assert chosen is None and any("full refresh only" in note for note in notes)


def test_a_named_index_must_fit_or_check_says_what_to_create():
    assert choose_index("users", [index("a"), index("b")], "b")[0] == "b"
    with pytest.raises(TracedError) as raised:
        choose_index("users", [index("a", active=False)], "a")
    assert "not active" in raised.value.message and "values" in raised.value.message
    with pytest.raises(TracedError) as raised:
        choose_index("users", [index("a")], "nope")
    assert "no index named 'nope'" in raised.value.message
