"""Static id-range slices of a snapshot, run by the CDK's own concurrency: the alternative to the reader pool.

`FaunaIdRangeRouter` cuts the ids of a collection, as of the snapshot, into `slices` ranges of equal
width; the CDK makes each a partition and reads as many at once as its concurrency level allows.
`FaunaIdRangeRetriever` reads one such range with the connector's own page loop. bench/variant.py
puts both in the manifest's snapshot streams (`--static-slices N`); the benchmark's latency rows
compare them with the connector's reader pool.
"""

from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping, Optional

from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.partition_routers.single_partition_router import SinglePartitionRouter
from airbyte_cdk.sources.types import Config, Record, StreamSlice

from source_fauna.components import FaunaDocumentsRetriever, FaunaPaginator, _bounds
from source_fauna.id_ranges import IdRange
from source_fauna.runtime import runtime_for

COLLECTION = "{{ parameters.get('collection_name', '') }}"


@dataclass
class FaunaIdRangeRouter(SinglePartitionRouter):
    config: Config
    parameters: InitVar[Mapping[str, Any]]
    slices: int = 8
    collection: str = COLLECTION

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._collection = InterpolatedString.create(self.collection, parameters=parameters or {})

    def stream_slices(self) -> Iterable[StreamSlice]:
        paginator = FaunaPaginator(config=self.config, parameters={}, page_size="{{ config['collection']['page_size'] }}")
        reader = runtime_for(self.config).reader(self._collection.eval(self.config), paginator)
        whole = reader._id_range(reader.snapshot())
        if whole is None:  # empty, or ids that are not numbers: one slice of every id
            yield StreamSlice(partition={}, cursor_slice={})
            return
        width = -(-(whole.end - whole.start) // max(1, int(self.slices)))
        for start in range(whole.start, whole.end, width):
            yield StreamSlice(partition={"id_start": str(start), "id_end": str(min(start + width, whole.end))}, cursor_slice={})


@dataclass
class FaunaIdRangeRetriever(FaunaDocumentsRetriever):
    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Mapping[str, Any]]:
        partition = getattr(stream_slice, "partition", None) or {}
        if "id_start" not in partition:
            yield from super().read_records(records_schema, stream_slice)
            return
        reader = runtime_for(self.config).reader(self._collection.eval(self.config), self.paginator)
        snapshot = reader.snapshot()
        id_range = IdRange(int(partition["id_start"]), int(partition["id_end"]))
        yield from self._records(reader._snapshot_range(self.paginator, id_range, snapshot, None), stream_slice)
        if stream_slice is not None and hasattr(self.cursor, "observe"):
            upper = _bounds(stream_slice)[1]
            self.cursor.observe(Record(data={"ts": reader.safe_point(upper)}, stream_name=self.name, associated_slice=stream_slice))


def with_static_slices(manifest: dict, slices: int) -> dict:
    """The manifest with every snapshot stream cut into `slices` id ranges (changed in place)."""
    router = {"type": "CustomPartitionRouter", "class_name": f"{__name__}.FaunaIdRangeRouter", "slices": slices}
    indexed, unindexed = (stream["stream_template"] for stream in manifest["dynamic_streams"])
    for stream in (indexed["full_refresh_stream"], unindexed):
        stream["retriever"]["class_name"] = f"{__name__}.FaunaIdRangeRetriever"
        stream["partition_router"] = dict(router)
    return manifest
