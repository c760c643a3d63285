"""Schema mode `typed`: the columns of a collection, from a sample of its documents read at discover.

The sample is the `sample_size` most recently modified documents, read newest first through the
collection's `[ts, ref]` index (the one incremental reads use), so that fields the application
writes today are columns even when older documents lack them. A collection without that index is
sampled from its first documents in document-id order (`Documents()`, as a snapshot reads them).
Pages come through the paginator; only the documents' `data` is fetched.
"""

from typing import TYPE_CHECKING, Any, Optional

from source_fauna import queries
from source_fauna.config import CollectionSettings
from source_fauna.fauna_gateway import FaunaGateway
from source_fauna.typed_columns import ColumnSampler, TypedColumns

if TYPE_CHECKING:
    from source_fauna.components import FaunaPaginator


def sample_columns(
    gateway: FaunaGateway, settings: CollectionSettings, sample_size: int, paginator: "FaunaPaginator", ts_index: Optional[str] = None
) -> TypedColumns:
    """The typed columns of the collection `settings` names, merged from up to `sample_size` documents,
    the newest first through `ts_index` when the collection has one."""
    sampler = ColumnSampler()
    purpose = f"sample the documents of collection '{settings.name}'"

    def query_for(size: int, after: Any) -> Any:
        size, cursor = min(size, sample_size - sampler.documents), queries.cursor_expression(after)
        return queries.newest_sample_page(ts_index, size, cursor) if ts_index else queries.sample_page(settings.name, size, cursor)

    for _, page in paginator.pages(query_for, lambda query: gateway.query(query, purpose), purpose):
        for data in page["data"]:
            sampler.add(data)
        if sampler.documents >= sample_size:
            break
    return sampler.columns(
        settings.reserved_columns(), all_nullable=settings.deleted_at_column is not None, catch_all=not settings.data_column
    )
