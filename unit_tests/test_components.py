"""The documents retriever hands records on as built, or with plain values to code that reads them."""

from types import SimpleNamespace

import orjson
from airbyte_cdk.sources.declarative.transformations.add_fields import AddedFieldDefinition, AddFields

from source_fauna.components import FaunaDocumentsRetriever
from source_fauna.config import CollectionSettings
from source_fauna.records import RecordBuilder
from source_fauna.wire import decode_document_page

ANSWER = b'{"resource":{"data":[{"ref":{"@ref":{"id":"1"}},"ts":5,"data":{"name":"Ada","born":{"@date":"1815-12-10"}}}]}}'


def page():
    (document,) = decode_document_page(ANSWER)["data"]
    return SimpleNamespace(records=[RecordBuilder(CollectionSettings(name="users")).document(document)], query="{}", after=None)


def test_a_sync_passes_the_data_on_as_the_json_fauna_sent():
    (record,) = FaunaDocumentsRetriever(config={}, parameters={}, name="users")._records([page()], None)
    assert isinstance(record["data"], orjson.Fragment)
    assert orjson.loads(orjson.dumps(record.data))["data"] == {"name": "Ada", "born": "1815-12-10"}


def test_transformations_read_the_datas_values():
    greeting = AddedFieldDefinition(path=["greeting"], value="Hello {{ record['data']['name'] }}", value_type=None, parameters={})
    retriever = FaunaDocumentsRetriever(config={}, parameters={}, name="users", transformations=[AddFields(fields=[greeting], parameters={})])
    (record,) = retriever._records([page()], None)
    assert record["greeting"] == "Hello Ada"
    assert record["data"] == {"name": "Ada", "born": "1815-12-10"}
