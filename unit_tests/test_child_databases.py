"""Child databases: stream names, which databases a selection reaches, and how the listing treats a database it cannot open."""

import logging

import pytest

from source_fauna.catalog import load_catalog
from source_fauna.config import ChildDatabases, parse_config
from source_fauna.databases import synced_databases
from source_fauna.errors import AccessDenied, Unauthorized, config_error
from source_fauna.stream_names import is_fauna_name, split_stream_name, stream_name, table_name

TracedError = type(config_error("x"))


class Paginator:
    """Pages as FaunaPaginator.pages does, one page per listing."""

    def pages(self, query_for, send, purpose, after=None):
        query = query_for(100, None)
        yield query, send(query)


class Tree:
    """Gateways of a tree of databases: `children[path]` are the databases in it, `collections[path]` its collections."""

    def __init__(self, children, collections=None, refused=()):
        self.children, self.collections, self.refused, self.sent = children, collections or {}, refused, []

    def gateway(self, path):
        tree = self

        class Gateway:
            def query(self, expression, purpose):
                tree.sent.append((path, purpose))
                if path in tree.refused:
                    raise Unauthorized(f"refused {'/'.join(path)}")
                text = str(expression.to_fauna_json() if hasattr(expression, "to_fauna_json") else expression)
                if "databases" in text:
                    return {"data": [{"@ref": {"id": name}} for name in tree.children.get(path, [])]}
                if "indexes" in text:
                    return {"data": []}
                return {"data": [{"name": name} for name in tree.collections.get(path, [])]}

        return Gateway()


TREE = {(): ["a", "b"], ("a",): ["eu"], ("a", "eu"): [], ("b",): []}


def test_stream_names_join_the_database_path_and_split_back():
    assert stream_name((), "users") == "users"
    assert stream_name(("a", "eu"), "users") == "a/eu/users"
    assert split_stream_name("a/eu/users") == (("a", "eu"), "users")
    assert split_stream_name("users") == ((), "users")


@pytest.mark.parametrize("name,valid", [("tenant_a", True), ("t-1.x~%$@+;!", True), ("ünï", True), ("_", False), ("a/b", False), ("a b", False), ("a:b", False), ("", False)])
def test_fauna_names_follow_the_core_rule(name, valid):
    assert is_fauna_name(name) is valid


def test_destination_tables_replace_what_is_not_a_letter_digit_or_underscore():
    assert table_name("tenant_a/eu/Users") == "tenant_a_eu_users"


def test_a_listed_path_reaches_itself_the_databases_inside_it_and_the_way_down_to_it():
    listed = ChildDatabases("listed", (("a", "eu"),))
    assert [listed.wants(path) for path in [(), ("a",), ("a", "eu"), ("a", "eu", "x"), ("b",)]] == [True, False, True, True, False]
    assert [listed.descends_into(path) for path in [(), ("a",), ("a", "eu"), ("b",)]] == [True, True, True, False]
    assert not ChildDatabases().descends_into(()) and ChildDatabases("all").wants(("x", "y"))


def test_child_database_paths_in_the_config_are_checked_against_fauna_s_name_rule():
    config = parse_config({"domain": "h", "secret": "s", "child_databases": {"mode": "listed", "paths": ["/a/eu/", "b"]}})
    assert config.child_databases.paths == (("a", "eu"), ("b",))
    with pytest.raises(TracedError, match=r"child_databases.paths\[0\]` is not a database path: 'a:b'"):
        parse_config({"domain": "h", "secret": "s", "child_databases": {"mode": "listed", "paths": ["a:b"]}})


def test_every_database_is_listed_once_level_by_level():
    tree = Tree(TREE)
    assert synced_databases(tree.gateway, ChildDatabases("all"), Paginator()) == [(), ("a",), ("b",), ("a", "eu")]
    assert len(tree.sent) == 4


def test_a_listed_selection_lists_only_the_databases_on_the_way():
    tree = Tree(TREE)
    assert synced_databases(tree.gateway, ChildDatabases("listed", (("a", "eu"),)), Paginator()) == [(), ("a", "eu")]
    assert [path for path, _ in tree.sent] == [(), ("a",), ("a", "eu")]


def test_a_child_database_that_cannot_be_opened_is_named_and_left_out_while_the_others_are_listed(caplog):
    tree = Tree(TREE, refused={("a",)})
    with caplog.at_level(logging.ERROR, logger="airbyte"):
        assert synced_databases(tree.gateway, ChildDatabases("all"), Paginator()) == [(), ("a",), ("b",)]
    assert "Leaving child database 'a' out of this sync" in caplog.text


def test_a_key_that_may_not_list_databases_is_told_to_use_an_admin_key():
    class Refusing:
        def query(self, expression, purpose):
            raise AccessDenied("403")

    with pytest.raises(TracedError, match="`child_databases` needs an admin key"):
        synced_databases(lambda path: Refusing(), ChildDatabases("all"), Paginator())


def test_the_catalog_names_child_collections_by_stream_and_leaves_out_a_database_it_cannot_open(caplog):
    tree = Tree(TREE, {(): ["users"], ("a",): ["users"], ("b",): ["users"]}, refused={("b",)})
    config = parse_config({"domain": "h", "secret": "s"})
    with caplog.at_level(logging.ERROR, logger="airbyte"):
        catalog = load_catalog(tree.gateway, config, Paginator(), [(), ("a",), ("b",)])
    assert [(info.name, info.database, info.collection) for info in catalog] == [("users", (), "users"), ("a/users", ("a",), "users")]
    assert "Leaving child database 'b' out of this sync" in caplog.text


def test_a_child_stream_that_would_share_a_destination_table_is_refused():
    tree = Tree(TREE, {(): ["a_users"], ("a",): ["users"]})
    with pytest.raises(TracedError, match="'a_users' and 'a/users' would land in the same table"):
        load_catalog(tree.gateway, parse_config({"domain": "h", "secret": "s"}), Paginator(), [(), ("a",)])


def test_a_short_history_warning_names_the_stream_and_the_update_to_run_in_its_database(caplog):
    class History(Tree):
        def gateway(self, path):
            inner = super().gateway(path)

            class Gateway:
                def query(self, expression, purpose):
                    page = inner.query(expression, purpose)
                    return {"data": [{**item, "history_days": 0} if "name" in item else item for item in page["data"]]}

            return Gateway()

    tree = History(TREE, {(): ["orders"], ("a",): ["users"]})
    config = parse_config({"domain": "h", "secret": "s", "collection": {"deletions": {"deletion_mode": "deleted_field", "column": "deleted_at"}}})
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        load_catalog(tree.gateway, config, Paginator(), [(), ("a",)])
    assert "Collection 'a/users' keeps its history for only 0 day(s)" in caplog.text
    assert 'Update(Collection("users"), {history_days: 7})' in caplog.text
