"""Static id-range slices of a snapshot, run by the CDK's own concurrency: the alternative to the reader pool.

`FaunaIdRangeRouter` cuts the ids of a collection, as of the snapshot, into `slices` ranges of equal
width; the CDK makes each a partition and reads as many at once as its concurrency level allows.
`FaunaIdRangeRetriever` reads one such range with the connector's own page loop, one reader per range.
bench/variant.py puts both in the manifest's snapshot streams (`--static-slices N`); the benchmark's
latency rows compare them with the connector's reader pool.

The CDK reads `partition_router` from the retriever only (a router on the stream is ignored), so the
router goes there. A partition router beside the snapshot's `ts` cursor makes the CDK keep state per
partition, a shape the connector's incremental reads do not take: this variant measures throughput
only, and its state is not meant to be resumed from.
"""

from dataclasses import InitVar, dataclass
from typing import Any, Iterable, Mapping, Optional

from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.partition_routers.partition_router import PartitionRouter
from airbyte_cdk.sources.types import Config, Record, StreamSlice

from source_fauna.components import FaunaDocumentsRetriever, FaunaPaginator, _bounds
from source_fauna.id_ranges import IdRange
from source_fauna.runtime import runtime_for

COLLECTION = "{{ parameters.get('collection_name', '') }}"


@dataclass
class FaunaIdRangeRouter(PartitionRouter):
    """Not a SinglePartitionRouter subclass: the CDK takes one of those for "no partitions" and ignores its slices."""

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    paginator: FaunaPaginator
    slices: int = 8
    collection: str = COLLECTION

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._collection = InterpolatedString.create(self.collection, parameters=parameters or {})

    def stream_slices(self) -> Iterable[StreamSlice]:
        reader = runtime_for(self.config).reader(self._collection.eval(self.config), self.paginator)
        whole = reader._id_range(reader.snapshot())
        if whole is None:  # empty, or ids that are not numbers: one slice of every id
            yield StreamSlice(partition={}, cursor_slice={})
            return
        assert whole.start is not None and whole.end is not None
        width = -(-(whole.end - whole.start) // max(1, int(self.slices)))
        for start in range(whole.start, whole.end, width):
            yield StreamSlice(partition={"id_start": str(start), "id_end": str(min(start + width, whole.end))}, cursor_slice={})

    # A range asks nothing of a request (the retriever builds its queries), and keeps no state of its own.
    def get_request_params(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_headers(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_data(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def get_request_body_json(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        return {}

    def set_initial_state(self, stream_state: Any) -> None:
        pass

    def get_stream_state(self) -> Optional[Mapping[str, Any]]:
        return None


@dataclass
class FaunaIdRangeRetriever(FaunaDocumentsRetriever):
    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Mapping[str, Any]]:
        partition = getattr(stream_slice, "partition", None) or {}
        if "id_start" not in partition:  # the router's one slice of every id
            yield from super().read_records(records_schema, stream_slice)
            return
        reader = runtime_for(self.config).reader(self._collection.eval(self.config), self.paginator)
        id_range = IdRange(int(partition["id_start"]), int(partition["id_end"]))
        yield from self._records(reader._snapshot_range(self.paginator, id_range, reader.snapshot(), None), stream_slice)
        if stream_slice is not None and hasattr(self.cursor, "observe"):
            upper = _bounds(stream_slice)[1]
            self.cursor.observe(Record(data={"ts": reader.safe_point(upper)}, stream_name=self.name, associated_slice=stream_slice))


def with_static_slices(manifest: dict, slices: int) -> dict:
    """The manifest with every snapshot stream's retriever cutting it into `slices` id ranges (changed in place)."""
    router = {
        "type": "CustomPartitionRouter",
        "class_name": f"{__name__}.FaunaIdRangeRouter",
        "paginator": dict(manifest["definitions"]["paginator"]),
        "slices": slices,
    }
    indexed, unindexed = (stream["stream_template"] for stream in manifest["dynamic_streams"])
    for stream in (indexed["full_refresh_stream"], unindexed):
        stream["retriever"] = {**stream["retriever"], "class_name": f"{__name__}.FaunaIdRangeRetriever", "partition_router": dict(router)}
    return manifest
