"""Schema mode `typed`: the columns of a collection, from a sample of its documents read at discover.

The sample is the first `sample_size` documents in document-id order (`Documents()`, as a
snapshot reads them), page after page through the paginator; only their `data` is fetched.
"""

from typing import TYPE_CHECKING, Any

from source_fauna import queries
from source_fauna.config import CollectionSettings
from source_fauna.fauna_gateway import FaunaGateway
from source_fauna.typed_columns import ColumnSampler, TypedColumns

if TYPE_CHECKING:
    from source_fauna.components import FaunaPaginator


def sample_columns(gateway: FaunaGateway, settings: CollectionSettings, sample_size: int, paginator: "FaunaPaginator") -> TypedColumns:
    """The typed columns of the collection `settings` names, merged from up to `sample_size` documents."""
    sampler = ColumnSampler()
    purpose = f"sample the documents of collection '{settings.name}'"

    def query_for(size: int, after: Any) -> Any:
        return queries.sample_page(settings.name, min(size, sample_size - sampler.documents), queries.cursor_expression(after))

    for _, page in paginator.pages(query_for, lambda query: gateway.query(query, purpose), purpose):
        for data in page["data"]:
            sampler.add(data)
        if sampler.documents >= sample_size:
            break
    return sampler.columns(
        settings.reserved_columns(), all_nullable=settings.deleted_at_column is not None, catch_all=not settings.data_column
    )
