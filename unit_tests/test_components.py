"""The paginator every page loop runs through, and the documents retriever, which hands records on as
built, or with plain values to code that reads them."""

from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
import yaml
from airbyte_cdk.sources.declarative.models.declarative_component_schema import CustomPaginationStrategy
from airbyte_cdk.sources.declarative.parsers.model_to_component_factory import ModelToComponentFactory
from airbyte_cdk.sources.declarative.transformations.add_fields import AddedFieldDefinition, AddFields
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_fauna.components import FaunaDocumentsRetriever, FaunaPaginator, FaunaSpecDefaults, with_spec_defaults
from source_fauna.config import CollectionSettings
from source_fauna.errors import PageTooLarge
from source_fauna.records import RecordBuilder
from source_fauna.wire import decode_document_page

ANSWER = b'{"resource":{"data":[{"ref":{"@ref":{"id":"1"}},"ts":5,"data":{"name":"Ada","born":{"@date":"1815-12-10"}}}]}}'


MANIFEST = Path(__file__).resolve().parents[1] / "source_fauna" / "manifest.yaml"


def paginator(page_size=1000):
    return FaunaPaginator(config={}, parameters={}, page_size=page_size)


def page():
    (document,) = decode_document_page(ANSWER)["data"]
    return SimpleNamespace(records=[RecordBuilder(CollectionSettings(name="users")).document(document)], query="{}", after=None)


def test_a_sync_passes_the_data_on_as_the_json_fauna_sent():
    (record,) = FaunaDocumentsRetriever(config={}, parameters={}, paginator=paginator(), name="users")._records([page()], None)
    assert isinstance(record["data"], orjson.Fragment)
    assert orjson.loads(orjson.dumps(record.data))["data"] == {"name": "Ada", "born": "1815-12-10"}


def test_transformations_read_the_datas_values():
    greeting = AddedFieldDefinition(path=["greeting"], value="Hello {{ record['data']['name'] }}", value_type=None, parameters={})
    retriever = FaunaDocumentsRetriever(config={}, parameters={}, paginator=paginator(), name="users", transformations=[AddFields(fields=[greeting], parameters={})])
    (record,) = retriever._records([page()], None)
    assert record["greeting"] == "Hello Ada"
    assert record["data"] == {"name": "Ada", "born": "1815-12-10"}


def test_the_builders_page_log_names_the_node_with_the_specs_port_and_scheme(monkeypatch):
    """The Builder shows each page's URL; the config leaves `port` and `scheme` to the spec's defaults."""
    logged = []
    retriever = FaunaDocumentsRetriever(config={"domain": "::1", "secret": "secret"}, parameters={}, paginator=paginator(), name="users")
    monkeypatch.setattr(retriever, "_repository", lambda: SimpleNamespace(log_message=lambda level, message: logged.append(message())))
    monkeypatch.setattr(retriever, "_in_builder", lambda: True)
    retriever._log_page(page(), [])
    assert [entry["url"]["full"] for entry in logged] == ["https://[::1]:8443/"]


def scripted(answers):
    """`send` answering from a script (an exception is raised), and the list of queries it was sent."""
    sent = []

    def send(query):
        sent.append(query)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return send, sent


def query_for(size, after):
    return {"size": size, "after": after}


def test_pages_follow_the_after_cursor_to_the_last_page_and_pair_each_page_with_its_query():
    send, sent = scripted([{"data": [1, 2], "after": "c2"}, {"data": [3], "after": "c3"}, {"data": [4]}])
    pages = list(paginator(2).pages(query_for, send, "list things"))
    assert [page["data"] for _, page in pages] == [[1, 2], [3], [4]]
    assert sent == [{"size": 2, "after": None}, {"size": 2, "after": "c2"}, {"size": 2, "after": "c3"}]
    assert [query for query, _ in pages] == sent


def test_a_page_refused_as_too_large_is_asked_for_again_at_half_the_size_from_the_same_cursor():
    send, sent = scripted([{"data": [1], "after": "c1"}, PageTooLarge("big"), PageTooLarge("big"), {"data": [2]}])
    assert [page["data"] for _, page in paginator(64).pages(query_for, send, "read documents")] == [[1], [2]]
    assert sent == [{"size": 64, "after": None}, {"size": 64, "after": "c1"}, {"size": 32, "after": "c1"}, {"size": 16, "after": "c1"}]


def test_a_page_of_one_refused_as_too_large_fails_naming_the_loop():
    send, _ = scripted([PageTooLarge("big")])
    with pytest.raises(AirbyteTracedException) as raised:
        list(paginator(1).pages(query_for, send, "read documents of collection 'users'"))
    assert "even one item per page" in raised.value.message and "'users'" in raised.value.message


def test_a_cursor_that_does_not_move_fails_instead_of_repeating_the_page_forever():
    send, sent = scripted([{"data": [1], "after": "c1"}, {"data": [1], "after": "c1"}, {"data": [1], "after": "c1"}])
    with pytest.raises(AirbyteTracedException) as raised:
        list(paginator().pages(query_for, send, "list the collections"))
    assert "list the collections" in raised.value.message and len(sent) == 2
    with pytest.raises(AirbyteTracedException):
        paginator().next_page_token({"after": "c1"}, 1, None, "c1")


def test_other_failures_are_not_retried():
    send, sent = scripted([RuntimeError("node down")])
    with pytest.raises(RuntimeError):
        list(paginator().pages(query_for, send, "list things"))
    assert len(sent) == 1


def test_the_manifest_names_one_paginator_for_every_retriever_with_the_configured_page_size():
    definitions = yaml.safe_load(MANIFEST.read_text())["definitions"]
    for retriever in ("documents_retriever", "collections_lister"):
        assert definitions[retriever]["paginator"] == definitions["paginator"]
    factory = ModelToComponentFactory()
    spec = yaml.safe_load(MANIFEST.read_text())["spec"]["connection_specification"]
    for settings, size in (({"collection": {"page_size": 64}}, 64), ({}, spec["properties"]["collection"]["properties"]["page_size"]["default"])):
        config = with_spec_defaults({"domain": "localhost", "secret": "s", **settings}, spec)  # as the manifest completes it
        built = factory.create_component(model_type=CustomPaginationStrategy, component_definition=definitions["paginator"], config=config)
        assert isinstance(built, FaunaPaginator) and built.get_page_size() == size


def test_the_manifest_completes_the_config_with_the_spec_and_refuses_invalid_values_before_building():
    (transformation,) = yaml.safe_load(MANIFEST.read_text())["spec"]["config_normalization_rules"]["transformations"]
    assert transformation["class_name"].endswith(".FaunaSpecDefaults")
    spec = yaml.safe_load(MANIFEST.read_text())["spec"]["connection_specification"]
    defaults = FaunaSpecDefaults(parameters={"connection_specification": spec})
    config = {"domain": "localhost", "secret": "s", "collection": {"page_size": 64}}
    defaults.transform(config)
    properties = spec["properties"]
    assert config["max_parallel_streams"] == properties["max_parallel_streams"]["default"]
    assert config["checkpoint_interval"] == properties["checkpoint_interval"]["default"] and config["collection"]["page_size"] == 64
    only_manifest = {"__injected_declarative_manifest": {}}  # what the declarative-manifest image answers `spec` with
    defaults.transform(only_manifest)
    assert only_manifest["port"] == properties["port"]["default"], "a missing required setting is left to the CDK's validation of check, discover and read"
    with pytest.raises(AirbyteTracedException) as raised:
        defaults.transform({"domain": "localhost", "secret": "s", "max_parallel_streams": 0})
    assert raised.value.message.startswith("`max_parallel_streams` is not valid")


def test_a_retriever_queues_the_next_page_once_less_than_a_page_waits_to_be_written():
    import queue
    import threading
    import time

    from airbyte_cdk.models import Level
    from airbyte_cdk.sources.message import InMemoryMessageRepository
    from airbyte_cdk.sources.message.concurrent_repository import ConcurrentMessageRepository

    waiting: "queue.Queue[int]" = queue.Queue()
    for record in range(100):
        waiting.put(record)
    repository = ConcurrentMessageRepository(waiting, InMemoryMessageRepository(Level.INFO))
    retriever = threading.Thread(target=FaunaDocumentsRetriever._wait_for_the_writer, args=(repository, 40), daemon=True)
    retriever.start()
    for _ in range(60):  # the writer writes 60 records: 40 still wait, a page
        waiting.get()
    retriever.join(timeout=0.2)
    assert retriever.is_alive(), "it queued its page while a page was still waiting to be written"
    waiting.get()  # 39 wait
    retriever.join(timeout=5)
    assert not retriever.is_alive(), "it still waits though less than a page waits to be written"
    start = time.monotonic()
    FaunaDocumentsRetriever._wait_for_the_writer(InMemoryMessageRepository(Level.INFO), 40)  # no queue to look at: no wait
    assert time.monotonic() - start < 0.1
