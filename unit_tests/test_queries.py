"""The FQL the connector sends, compared as wire JSON (what reaches Fauna).

Expected shapes are those the driver's own serializer produces (faunadb-python `faunadb/query.py`,
`faunadb/_json.py` `to_json`) and the Fauna v4 docs for Paginate, Range, Events and At.
"""

import json

from faunadb._json import to_json
from faunadb.query import _wrap

from source_fauna import queries
from source_fauna.fauna_gateway import wire_literal

USERS_REF = {"@ref": {"id": "101", "collection": {"@ref": {"id": "users", "collection": {"@ref": {"id": "collections"}}}}}}


def wire(expression):
    return json.loads(to_json(_wrap(expression)))


def test_snapshot_page_reads_every_document_at_the_snapshot_time():
    assert wire(queries.snapshot_page("users", 1700000000000000, 64)) == {
        "at": 1700000000000000,
        "expr": {
            "map": {"lambda": "ref", "expr": {"get": {"var": "ref"}}},
            "collection": {"paginate": {"documents": {"collection": "users"}}, "size": 64},
        },
    }


def test_snapshot_page_sends_the_cursor_fauna_returned_verbatim():
    expression = queries.snapshot_page("users", 5, 2, after=wire_literal([USERS_REF]))
    assert wire(expression)["expr"]["collection"]["after"] == [USERS_REF]


def test_range_page_bounds_the_index_on_both_ends_and_gets_the_ref_of_each_entry():
    assert wire(queries.range_page("users_ts", 10, 20, 30, 100)) == {
        "at": 30,
        "expr": {
            "map": {"lambda": "entry", "expr": {"get": {"select": 1, "from": {"var": "entry"}}}},
            "collection": {"paginate": {"range": {"match": {"index": "users_ts"}}, "from": [10], "to": [20]}, "size": 100},
        },
    }


def test_range_page_without_upper_bound_is_open_ended():
    assert wire(queries.range_page("users_ts", 10, None, 30, 100))["expr"]["collection"]["paginate"]["to"] == []


def test_range_cursor_of_ts_ref_ref_is_sent_as_an_array():
    cursor = [1700, USERS_REF, USERS_REF]
    expression = queries.range_page("users_ts", 10, 20, 30, 100, after=wire_literal(cursor))
    assert wire(expression)["expr"]["collection"]["after"] == cursor


def test_removals_page_filters_remove_events_of_the_documents_set():
    assert wire(queries.removals_page("users", 1000, 2000, 64)) == {
        "at": 2000,
        "expr": {
            "filter": {"lambda": "event", "expr": {"equals": [{"select": "action", "from": {"var": "event"}}, "remove"]}},
            "collection": {"paginate": {"documents": {"collection": "users"}}, "after": 1000, "events": True, "size": 64},
        },
    }


def test_event_cursor_objects_are_wrapped_as_fql_objects():
    # An events `after` comes back as {"ts", "action", "document"}; as an expression a plain
    # object must be wrapped in {"object": …} (the driver does the same for dicts).
    cursor = {"ts": 1000, "action": "remove", "document": USERS_REF}
    expression = queries.removals_page("users", wire_literal(cursor), 2000, 64)
    assert wire(expression)["expr"]["collection"]["after"] == {"object": cursor}


def test_wire_literal_unescapes_at_obj_into_an_object_expression():
    assert wire(wire_literal({"@obj": {"@ref": "not a ref", "n": [1, {"k": 2}]}})) == {
        "object": {"@ref": "not a ref", "n": [1, {"object": {"k": 2}}]}
    }


def test_listing_queries_page_collections_and_indexes_with_their_documents():
    assert wire(queries.collections_page(1000)) == {
        "map": {"lambda": "c", "expr": {"get": {"var": "c"}}},
        "collection": {"paginate": {"collections": None}, "size": 1000},
    }
    assert wire(queries.indexes_page(10))["collection"] == {"paginate": {"indexes": None}, "size": 10}
    assert wire(queries.server_time()) == {"to_micros": {"now": None}}
