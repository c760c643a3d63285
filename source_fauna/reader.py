"""How one collection is read: a snapshot of every document, or one `ts` window of changes.

All reads of one collection in one sync happen at one snapshot time S, taken from the Fauna node
itself the first time the collection is read (`ToMicros(Now())`), so that what is read does not
depend on the Airbyte worker's clock and documents written during the sync cannot be half-seen.

A window [lower, upper] yields:
- the documents whose `ts` (as of S) lies in the window, from the `[ts, ref]` index;
- when deletions are synced, the `remove` events of the window up to S.
Once it is read, everything up to `safe_point(upper) = min(upper, S)` has been read, which is
what the connector checkpoints, so that a window without changes still moves the state forward.
"""

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Generator, Iterator, List, Mapping, Optional, Tuple

from source_fauna import queries
from source_fauna.catalog import CollectionInfo, verify_access, verify_documents_readable
from source_fauna.config import CollectionSettings
from source_fauna.errors import AccessDenied, config_error
from source_fauna.fauna_gateway import FaunaGateway
from source_fauna.id_ranges import IdRange
from source_fauna.parallel_snapshot import ParallelSnapshotRead
from source_fauna.records import RecordBuilder
from source_fauna.snapshot_progress import EVERY_ID, Interval, SnapshotProgress
from source_fauna.values import micros_to_iso

if TYPE_CHECKING:
    from source_fauna.components import FaunaPaginator


# How long a window waits for the one before it (see WindowOrder); far longer than a worker
# takes to pick up the next queued window, far shorter than anyone would wait for a sync.
WINDOW_ORDER_WAIT_SECONDS = 5.0
_FOREVER = 2**63
logger = logging.getLogger("airbyte")


class WindowOrder:
    """Lets the `ts` windows of one collection be read one after another, in ascending order.

    The CDK hands the windows of a stream to several worker threads at once, but it can only save
    the state of the windows before the first unfinished one. Were windows read side by side, an
    interrupted sync would re-read records of later windows on resume; read in order, it re-reads
    only the records at the boundary `ts`. Other collections still run in parallel. Windows are
    queued in order, so the one before is already running or done; the wait is bounded all the
    same, because the order only avoids duplicates and never decides what is read.
    """

    def __init__(self, wait_seconds: float = WINDOW_ORDER_WAIT_SECONDS) -> None:
        self._condition = threading.Condition()
        self._next_lower: Optional[int] = None
        self._wait_seconds = wait_seconds

    @contextmanager
    def turn(self, lower: int, upper: Optional[int], first_lower: Optional[int]) -> Iterator[None]:
        with self._condition:
            if self._next_lower is None:
                self._next_lower = first_lower if first_lower is not None else lower
            self._condition.wait_for(lambda: lower <= self._next_lower, timeout=self._wait_seconds)
        try:
            yield
        finally:
            with self._condition:
                if upper is not None:
                    self._next_lower = max(self._next_lower, upper + 1)
                self._condition.notify_all()


@dataclass
class Page:
    """The records of one FQL page, and the query that fetched it (None: none was needed), for the Connector Builder's page view."""

    records: List[Dict[str, Any]]
    query: Any
    after: Any
    # The ids a snapshot page covers: every document with an id in them is in it or in an earlier page of its range.
    covered: Optional[Interval] = None


class CollectionReader:
    def __init__(
        self,
        gateway: FaunaGateway,
        info: CollectionInfo,
        settings: CollectionSettings,
        readers: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gateway = gateway
        self._info = info
        self._settings = settings
        self._readers = readers
        self._monotonic = monotonic
        self._records = RecordBuilder(settings, info.name)
        self._snapshot: Optional[int] = None
        self._snapshot_taken_at = 0.0
        self._lock = threading.Lock()
        self.window_order = WindowOrder()
        self._quiet = (1, 0)  # no change has a ts in [first, second); empty until the first probe (_is_quiet)

    @property
    def name(self) -> str:
        """The stream's name (in a child database, the collection's name after its database path)."""
        return self._info.name

    def snapshot(self, changes_from: Optional[int] = None) -> int:
        """S, the node's time when this collection was first read in this sync (µs).

        Taking it is the reader's first query, which also checks that the key may read the collection and,
        given `changes_from`, looks for the first change from it: an incremental sync with nothing to read
        costs one round trip per stream.
        """
        with self._lock:
            if self._snapshot is None:
                self._snapshot, found = self._open(changes_from)
                self._snapshot_taken_at = self._monotonic()
                if changes_from is not None and found:
                    self._quiet = _quiet_span(changes_from, found)
            return self._snapshot

    def _open(self, changes_from: Optional[int] = None) -> Tuple[int, List[Any]]:
        """(the node's time, the index's pages of queries.opening), with the access check.

        A collection the key may not read would read as empty without a word (catalog.verify_documents_readable):
        every read fails instead, and so does check, which reads each stream. When Fauna refuses the round trip,
        its parts are read apart, so that the message names what the key's role may not read.
        """
        info = self._info
        events = bool(self._settings.deleted_at_column)
        try:
            now, first_page, *found = self._gateway.query(
                queries.opening(info.collection, info.ts_index, changes_from, events), f"start reading collection '{self.name}'"
            )
        except AccessDenied:
            verify_access(self._gateway, info)
            raise
        verify_documents_readable(self._gateway, info.collection, self.name, first_page)
        return int(now), found

    def safe_point(self, upper: Optional[int]) -> int:
        snapshot = self.snapshot()
        return snapshot if upper is None else min(upper, snapshot)

    def start_snapshot(self, saved: Optional[Mapping[str, Any]] = None) -> SnapshotProgress:
        """The progress of this sync's snapshot: the one `saved` (a state) had begun, while Fauna still serves it, or a new one.

        A snapshot at S can be resumed only while the collection's history still holds S; past
        that, the documents read so far may not be consistent with the rest, so it starts over.
        """
        if saved is None:
            return SnapshotProgress(self.snapshot())
        try:
            progress = SnapshotProgress.from_state(saved)
        except ValueError as error:
            raise config_error(
                f"The saved state of stream '{self.name}' cannot be read: {error}. Reset the stream '{self.name}' in Airbyte to copy it again."
            ) from None
        retention = self._info.history_micros()
        with self._lock:
            if self._snapshot is not None and self._snapshot != progress.at:  # this sync already reads at another time
                return SnapshotProgress(self._snapshot)
            if self._snapshot is None:
                now, _ = self._open()
                if retention is not None and now - progress.at >= retention:
                    self._snapshot, self._snapshot_taken_at = now, self._monotonic()
                    logger.warning(
                        f"Starting the snapshot of collection '{self.name}' over: the interrupted one was taken at "
                        f"{micros_to_iso(progress.at)}, longer ago than the collection's history retention "
                        f"(history_days = {self._info.history_days}, plus Fauna's 15 minutes), so Fauna may no longer serve it."
                    )
                    return SnapshotProgress(now)
                # The snapshot's age counts from when it was taken, not from this attempt.
                self._snapshot, self._snapshot_taken_at = progress.at, self._monotonic() - (now - progress.at) / 1_000_000
        logger.info(f"Resuming the snapshot of collection '{self.name}' taken at {micros_to_iso(progress.at)}: {len(progress.remaining)} id ranges left.")
        return progress

    def snapshot_pages(
        self, paginator: "FaunaPaginator", progress: Optional[SnapshotProgress] = None, readers: Optional[int] = None
    ) -> Iterator[Page]:
        """The documents of the snapshot that `progress` (by default a new one) has not covered, as of its time:
        in id order, or by up to `readers` readers at once."""
        progress = progress or SnapshotProgress(self.snapshot())
        snapshot = progress.at
        readers = self._readers if readers is None else readers
        if progress.remaining == [EVERY_ID] and readers > 1:
            whole = self._id_range(snapshot)
            if whole is not None:
                assert whole.start is not None and whole.end is not None
                progress.narrow_to(whole.start, whole.end)
        ranges = [IdRange(start, end) for start, end in progress.remaining]
        if len(ranges) == 1 and (readers == 1 or ranges[0].end is None):
            yield from self._snapshot_range(paginator, ranges[0], snapshot, None)
        elif ranges:
            yield from ParallelSnapshotRead(
                ranges, lambda id_range, stop: self._snapshot_range(paginator, id_range, snapshot, stop), readers, what=f"collection '{self.name}'"
            ).pages()

    def _id_range(self, snapshot: int) -> Optional[IdRange]:
        """The ids from the first document to the last as of S (no later document is visible at S)."""
        first, last = self._gateway.query(queries.edge_refs(self._info.collection, snapshot), f"find the first and last documents of collection '{self.name}'")
        try:
            return IdRange(int(first["data"][0]["@ref"]["id"]), int(last["data"][0]["@ref"]["id"]) + 1)
        except (IndexError, ValueError):  # an empty collection, or ids that are not numbers
            return None

    def _snapshot_range(self, paginator: "FaunaPaginator", id_range: IdRange, snapshot: int, stop: Any) -> Generator[Page, None, None]:
        begin = id_range.start
        start = [self._document_ref(begin)] if begin is not None else None
        pages = self._paginate(paginator, lambda size, after: queries.snapshot_page(self._info.collection, snapshot, size, after), "read documents", start, documents=True)
        for query, page in pages:
            documents = page["data"]
            after = page.get("after")
            next_id = _first_id(after)
            if id_range.end is not None:  # a bounded range stays bounded; an unbounded one (any ids) is never split
                # Another reader may have taken the far part of this range meanwhile: `reached` says where it now ends.
                end = id_range.reached(next_id)
                # Pages are in id order: only the page that crosses `end` needs filtering.
                if documents and int(documents[-1].id) >= end:
                    documents, after = [document for document in documents if int(document.id) < end], None
                elif next_id is not None and next_id >= end:
                    after = None
                if after is None:
                    next_id = end
            covered = (begin, next_id) if after is None or next_id is not None else None
            yield Page(self._records.page(documents), query, after, covered)
            if after is None or (stop is not None and stop.is_set()):
                return
            if next_id is not None:  # else the next page's interval also covers this one's, which is handed on by then
                begin = next_id

    def _document_ref(self, document_id: int) -> Dict[str, Any]:
        collection = {"@ref": {"id": self._info.collection, "collection": {"@ref": {"id": "collections"}}}}
        return {"@ref": {"id": str(document_id), "collection": collection}}

    def window_pages(self, paginator: "FaunaPaginator", lower: int, upper: Optional[int]) -> Iterator[Page]:
        """The changes whose `ts` lies in [lower, upper]: removals (if synced), then documents."""
        if not self._info.ts_index:
            raise config_error(
                f"Collection '{self.name}' has no index with values [ts, ref], so it can only be read in full refresh mode."
            )
        snapshot = self.snapshot(changes_from=lower)
        if self._settings.deleted_at_column:
            self._check_history(lower, snapshot)
        if self._is_quiet(lower, upper, snapshot):
            # An empty page still shows the Connector Builder this window.
            yield Page([], None, None)
            return
        if self._settings.deleted_at_column:
            yield from self._removal_pages(paginator, lower, min(upper, snapshot) if upper is not None else snapshot, snapshot)
        index = self._info.ts_index
        pages = self._paginate(
            paginator, lambda size, after: queries.range_page(index, lower, upper, snapshot, size, after), "read changed documents", documents=True
        )
        for query, page in pages:
            yield Page(self._records.page(page["data"]), query, page.get("after"))

    def quiet_until(self, cursor: int) -> int:
        """The latest cursor that reads on to the same changes as `cursor`: just before the first change at or
        after it, or S when there is none. Windows between the two would be empty, each a slice and a state.

        With deletions, a cursor older than the history stays put: its windows must fail (`_check_history`).
        """
        snapshot = self.snapshot(changes_from=cursor if self._info.ts_index else None)
        retention = self._info.history_micros()
        if not self._info.ts_index or cursor >= snapshot:
            return cursor
        if self._settings.deleted_at_column and retention is not None and cursor < snapshot - retention:
            return cursor
        self._is_quiet(cursor, None, snapshot)  # probes once, and spares the first window its own probe
        with self._lock:
            _, first_change = self._quiet
        return max(cursor, min(first_change - 1, snapshot))

    def is_quiet(self, lower: int, upper: int) -> bool:
        """True when no change (as of S) has a `ts` in [lower, upper]; one probe answers every window up to the next change."""
        return bool(self._info.ts_index) and self._is_quiet(lower, upper, self.snapshot(changes_from=lower))

    def _is_quiet(self, lower: int, upper: Optional[int], snapshot: int) -> bool:
        """True when nothing changed in [lower, upper], answered without a query when possible.

        A sync from an old state walks many windows, most of them empty (a year of daily windows
        is 365 queries, or 730 with deletions). One probe finds the next change at or after
        `lower`; windows before it are skipped without asking Fauna again, and the window that
        holds it is read without a second probe.
        """
        with self._lock:
            quiet_from, quiet_until = self._quiet
        if not quiet_from <= lower <= quiet_until:  # what we know does not reach this window: ask
            probe = queries.next_change(self._info.ts_index, self._info.collection, lower, snapshot, events=bool(self._settings.deleted_at_column))
            quiet_from, quiet_until = _quiet_span(lower, self._gateway.query(probe, f"look for changes in collection '{self.name}'"))
            with self._lock:
                self._quiet = (quiet_from, quiet_until)
        return upper is not None and upper < quiet_until

    def _removal_pages(self, paginator: "FaunaPaginator", lower: int, upper: int, snapshot: int) -> Iterator[Page]:
        # The events' cursor starts at a time: the first page holds the events at or after `lower`.
        pages = self._paginate(paginator, lambda size, after: queries.removals_page(self._info.collection, after, snapshot, size), "read deleted documents", lower)
        for query, page in pages:
            removals = [event for event in page["data"] if event["ts"] <= upper]
            yield Page([self._records.removal(event) for event in removals], query, page.get("after"))
            after = page.get("after")
            # Events are in ts order: once the next page starts after the window, the window is done.
            if len(removals) < len(page["data"]) or (isinstance(after, dict) and after.get("ts", 0) > upper):
                return

    def _paginate(
        self, paginator: "FaunaPaginator", page_query: Callable[[int, Any], Any], purpose: str, after: Any = None, documents: bool = False
    ) -> Iterator[Tuple[Any, Mapping[str, Any]]]:
        """(query, page) pairs of wire values, or with `documents` pages whose `data` are `WireDocument`s."""
        run = self._gateway.query_documents if documents else self._gateway.query
        purpose = f"{purpose} of collection '{self.name}'"

        def send(query: Any) -> Any:
            self._check_snapshot_age()
            return run(query, purpose)

        return paginator.pages(lambda size, after: page_query(size, queries.cursor_expression(after)), send, purpose, after)

    def _check_snapshot_age(self) -> None:
        """Fails before Fauna may no longer serve the snapshot: its history keeps it only so long."""
        retention = self._info.history_micros()
        if retention is None or self._snapshot is None:
            return
        age = (self._monotonic() - self._snapshot_taken_at) * 1_000_000
        if age >= retention:
            raise config_error(
                f"Reading collection '{self.name}' took longer than its history retention "
                f"(history_days = {self._info.history_days}, plus Fauna's 15 minutes), so the snapshot taken at "
                f"{micros_to_iso(self._snapshot)} may no longer be served consistently. Raise the collection's "
                f"history_days (e.g. `Update(Collection(\"{self._info.collection}\"), {{history_days: 7}})`) and run the sync again."
            )

    def _check_history(self, lower: int, snapshot: int) -> None:
        """Fails when removals between the saved cursor and now may already have been forgotten."""
        retention = self._info.history_micros()
        if retention is not None and lower < snapshot - retention:
            raise config_error(
                f"The saved cursor of stream '{self.name}' ({micros_to_iso(lower)}) is older than the collection's "
                f"history retention (history_days = {self._info.history_days}, plus Fauna's 15 minutes), so deletions "
                f"made since may have been forgotten by Fauna. Refresh (reset) the stream '{self.name}' in Airbyte to "
                "copy it again, and raise the collection's history_days above the time between two syncs."
            )


def _quiet_span(lower: int, found: List[Mapping[str, Any]]) -> Tuple[int, int]:
    """[lower, first change) from the pages of a probe for changes (queries.next_change): the first index entry, then the first event, if asked."""
    times = [entry[0] for entry in found[0]["data"]] + [event["ts"] for event in (found[1]["data"] if len(found) > 1 else [])]
    return lower, min(times) if times else _FOREVER


def _first_id(after: Any) -> Optional[int]:
    """The id of the document a snapshot page's `after` cursor points at; None at the end, or for an id that is not a number."""
    try:
        return int(after[0]["@ref"]["id"]) if after is not None else None
    except (ValueError, TypeError, KeyError, IndexError):
        return None
