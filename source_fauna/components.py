"""Custom components that manifest.yaml names: how Fauna is read, for what the manifest says is synced.

This file is also what the Connector Builder injects on its own, without the rest of the
package and without the faunadb driver. So it imports only the CDK at module level and loads the
package (which needs faunadb) when a component first has to talk to Fauna; where the package is
missing, that step fails with a message saying so, while the manifest still loads and the spec
still shows.

No `from __future__ import annotations` here: the CDK builds custom components from their type
hints, and the Builder executes this file before it registers it as a module, so the hints must
be real objects.
"""

import copy
import json
import time
from dataclasses import InitVar, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Tuple, Union

import jsonschema
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    FailureType,
    Level,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.sources.declarative.interpolation import InterpolatedString
from airbyte_cdk.sources.declarative.migrations.state_migration import StateMigration
from airbyte_cdk.sources.declarative.requesters.paginators.strategies.pagination_strategy import PaginationStrategy
from airbyte_cdk.sources.declarative.retrievers.retriever import Retriever
from airbyte_cdk.sources.declarative.schema.schema_loader import SchemaLoader
from airbyte_cdk.sources.declarative.transformations.config_transformations.config_transformation import ConfigTransformation
from airbyte_cdk.sources.types import Config, Record, StreamSlice
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

# How often a retriever looks whether the writer has caught up, and for how long at most: past it, the
# CDK's own bound on its queue holds the readers back (a destination holding up the sync, say).
WRITER_POLL_SECONDS = 0.005
WRITER_WAIT_SECONDS = 5.0

MISSING_PACKAGE_MESSAGE = (
    "Reading Fauna needs the airbyte-source-fauna package and the faunadb driver, which this environment does not have "
    "(the Connector Builder only ships the Airbyte CDK). Run the connector from its Docker image "
    "(airbyte/source-fauna) or after `pip install airbyte-source-fauna`."
)


def _package(config: Mapping[str, Any]) -> Any:
    """The connector package, imported when first needed (see the module docstring)."""
    try:
        from source_fauna import runtime
    except ImportError as error:
        # The Builder reports this error inside a message that quotes the config; a registered
        # secret is masked in everything the CDK prints.
        if config.get("secret"):
            add_to_secrets(str(config["secret"]))
        raise AirbyteTracedException(
            message=MISSING_PACKAGE_MESSAGE, internal_message=repr(error), failure_type=FailureType.config_error
        ) from None
    return runtime


def _filling_defaults(validator: Any, properties: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]) -> Iterator[Any]:
    """JSON schema's `properties`, which also sets each absent property that has a default to it."""
    if isinstance(instance, dict):
        for name, subschema in properties.items():
            if "default" in subschema and name not in instance:
                instance[name] = copy.deepcopy(subschema["default"])
    yield from jsonschema.Draft7Validator.VALIDATORS["properties"](validator, properties, instance, schema)


_DefaultingValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"properties": _filling_defaults})


def with_spec_defaults(config: Mapping[str, Any], spec: Mapping[str, Any], require: bool = True) -> Dict[str, Any]:
    """A copy of the config with the defaults of `spec` (the connection specification) filled in, once it is valid against it.

    Raises a config error naming the first setting that the spec rejects; a secret's value is never
    quoted. Without `require`, a missing required setting is not an error.
    """
    filled = copy.deepcopy(dict(config))
    errors = (error for error in _DefaultingValidator(spec).iter_errors(filled) if require or error.validator != "required")
    error = jsonschema.exceptions.best_match(errors)
    if error is not None:
        raise AirbyteTracedException(message=_spec_error_message(error, spec), failure_type=FailureType.config_error)
    return filled


def _spec_error_message(error: jsonschema.ValidationError, spec: Mapping[str, Any]) -> str:
    allowed = ""
    if error.context:  # none of the alternatives of a oneOf: their own errors, at the deepest setting, say more
        deepest = max(len(alternative.absolute_path) for alternative in error.context)
        alternatives = [alternative for alternative in error.context if len(alternative.absolute_path) == deepest]
        error = alternatives[0]
        if all(alternative.validator == "const" for alternative in alternatives):
            allowed = " or ".join(repr(alternative.validator_value) for alternative in alternatives)
    path = list(error.absolute_path)
    if error.validator == "required":
        path += [name for name in error.validator_value if isinstance(error.instance, dict) and name not in error.instance][:1]
    setting = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    top = spec.get("properties", {}).get(path[0], {}) if path else {}
    if top.get("airbyte_secret"):
        return f"`{setting}` is not valid: the spec requires {error.validator} {error.validator_value!r}."
    if error.validator == "required":
        return f"`{setting}` is required: {top.get('description') or error.message}" if len(path) == 1 else f"`{setting}` is required."
    if allowed:
        return f"`{setting}` must be {allowed}, got {error.instance!r}."
    return f"`{setting or 'config'}` is not valid: {error.message}."


@dataclass
class FaunaSpecDefaults(ConfigTransformation):
    """Validates the config against the spec and fills in the spec's defaults, before the CDK builds anything from it.

    The spec is the one statement of every setting's type, bounds and default: the manifest and
    the package read the completed config and repeat none of them. A value the spec rejects gets
    a message naming the setting (some, like `max_parallel_streams: 0`, would otherwise fail
    inside the CDK while it builds the source). A missing required setting is left to the CDK,
    which refuses it for check, discover and read: the declarative-manifest image answers `spec`
    with a config that holds only the injected manifest.
    """

    parameters: InitVar[Mapping[str, Any]]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._spec = parameters["connection_specification"]

    def transform(self, config: MutableMapping[str, Any]) -> None:
        filled = with_spec_defaults(config, self._spec, require=False)
        config.clear()
        config.update(filled)


@dataclass
class FaunaPaginator(PaginationStrategy):
    """How the connector pages through a Fauna set: every page loop (documents, id ranges, `ts`
    windows, removal events, collections, indexes) runs through `pages`.

    Each page is asked for with the `after` cursor of the page before. A page that Fauna refuses as
    too large is asked for again at half the size, down to one document; a page whose cursor is the
    one it was asked with would repeat forever, so it fails instead. One instance serves every
    slice and reader thread at once: a loop's state lives in `pages`, not on the instance.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    page_size: Union[int, str]

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._page_size = InterpolatedString.create(str(self.page_size), parameters=parameters or {})

    @property
    def initial_token(self) -> Optional[Any]:
        return None  # the first page of a set is asked for without a cursor

    def get_page_size(self) -> int:
        return int(self._page_size.eval(self.config))

    def next_page_token(
        self,
        response: Any,
        last_page_size: int,
        last_record: Optional[Record],
        last_page_token_value: Optional[Any],
        page_size_override: Optional[int] = None,
        stream_slice: Optional[StreamSlice] = None,
    ) -> Optional[Any]:
        """The `after` cursor of `response`, a page as Fauna answered it; None after the last page."""
        return self._after(response, last_page_token_value, "reading a page")

    def pages(
        self, query_for: Callable[[int, Any], Any], send: Callable[[Any], Mapping[str, Any]], purpose: str, after: Any = None
    ) -> Iterator[Tuple[Any, Mapping[str, Any]]]:
        """Each page of a set with the query that fetched it, from `after` (None: the start of the set) to the end.

        `query_for(size, after)` builds the query of one page (`after` is a cursor as Fauna sent it),
        `send` runs it; `purpose` completes "while trying to …" in error messages.
        """
        size = self.get_page_size()
        while True:
            query = query_for(size, after)
            try:
                page = send(query)
            except Exception as error:
                if not _refused_as_too_large(error):
                    raise
                if size == 1:
                    raise AirbyteTracedException(
                        message=f"Fauna refused to return even one item per page while trying to {purpose}.",
                        internal_message=repr(error),
                        failure_type=FailureType.system_error,
                    ) from None
                size = max(1, size // 2)
                continue
            yield query, page
            after = self._after(page, after, f"trying to {purpose}")
            if after is None:
                return

    @staticmethod
    def _after(page: Mapping[str, Any], sent: Any, what: str) -> Any:
        after = page.get("after")
        if after is not None and after == sent:
            raise AirbyteTracedException(
                message=f"Fauna returned the page cursor it was sent while {what}: reading on would repeat the same page forever.",
                failure_type=FailureType.system_error,
            )
        return after


def paginator_for(config: Config) -> FaunaPaginator:
    """The manifest's paginator, as the collection listers use it (the catalog is listed once per config)."""
    return FaunaPaginator(config=config, parameters={}, page_size=config["collection"]["page_size"])


def _refused_as_too_large(error: Exception) -> bool:
    from source_fauna.errors import PageTooLarge  # the package is there: it sent the query

    return isinstance(error, PageTooLarge)


@dataclass
class FaunaCollectionsRetriever(Retriever):
    """Lists the collections to sync, for the manifest's `dynamic_streams` (one stream per collection).

    Each value is `{"name": …, "ts_index": …}`. `indexed: "true"` keeps the collections that have an
    index for incremental reads, `"false"` those that do not, so the two stream templates can
    offer different sync modes. Listing also validates the config against the database: check,
    discover and read all go through here and report the same errors.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    paginator: FaunaPaginator
    indexed: str = ""

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._indexed = InterpolatedString.create(self.indexed, parameters=parameters or {})

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Mapping[str, Any]]:
        want = str(self._indexed.eval(self.config) or "").lower()
        for info in _package(self.config).runtime_for(self.config).catalog(self.paginator):
            if want and (want == "true") != bool(info.ts_index):
                continue
            yield {"name": info.name, "ts_index": info.ts_index or ""}


@dataclass
class FaunaDocumentsRetriever(Retriever):
    """Reads one collection: `mode: snapshot` reads every document at one point in time,
    `mode: range` reads the changes of one `ts` window (a slice of the `ts` cursor).

    The CDK calls `read_records` once per slice, from several threads, on one instance: nothing
    about a read is kept on `self`. After a slice it records the point up to which everything
    was read, so that state moves forward even when nothing changed (see reader.py). Of the `ts`
    windows the CDK cuts (`checkpoint_interval`), those that hold no change reach it merged into
    the window before them: each slice costs a STATE message, and an empty stretch of history
    needs none of its own.
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    paginator: FaunaPaginator
    name: str = ""
    cursor: Optional[Any] = None  # the CDK's cursor for this stream (ConcurrentCursor or FinalStateCursor)
    transformations: Optional[List[Any]] = None
    collection: str = "{{ parameters.get('collection_name', '') }}"
    mode: str = "snapshot"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._collection = InterpolatedString.create(self.collection, parameters=parameters or {})
        if self.mode == "range" and self.cursor is not None:
            try:
                from source_fauna import cdk_internals
            except ImportError:  # the Builder without the package: the CDK's windows as they are
                return
            cdk_internals.slice_windows_with(self.cursor, self._merged_windows)

    def _merged_windows(self, windows: Iterable[StreamSlice]) -> Iterator[StreamSlice]:
        """`windows` in order, each followed by the windows after it that hold no change merged into it."""
        reader = _package(self.config).runtime_for(self.config).reader(self._collection.eval(self.config), self.paginator)
        merged: Optional[StreamSlice] = None
        for window in windows:
            lower, upper = _bounds(window)
            if merged is not None and lower is not None and upper is not None and reader.is_quiet(lower, upper):
                merged = _spanning(merged, window)
                continue
            if merged is not None:
                yield merged
            merged = window
        if merged is not None:
            yield merged

    def read_records(self, records_schema: Mapping[str, Any], stream_slice: Optional[StreamSlice] = None) -> Iterable[Mapping[str, Any]]:
        runtime = _package(self.config).runtime_for(self.config)
        reader = runtime.reader(self._collection.eval(self.config), self.paginator)
        lower, upper = _bounds(stream_slice)
        if self.mode == "snapshot":
            if self._builder_page_limit():  # the Builder shows pages in order, so it reads one range, and saves nothing
                yield from self._records(reader.snapshot_pages(self.paginator, readers=1), stream_slice)
            else:
                progress = reader.start_snapshot(runtime.saved_snapshot(self.name))
                pages = reader.snapshot_pages(self.paginator, progress)
                yield from self._records(pages, stream_slice, lambda page: self._checkpoint(progress, page))
        else:
            lower = lower if lower is not None else 0
            with reader.window_order.turn(lower, upper, _micros(getattr(self.cursor, "start", None))):
                yield from self._records(reader.window_pages(self.paginator, lower, upper), stream_slice)
        if self._builder_page_limit():
            return  # the Builder stops after a few pages: what was not read is not checkpointed
        if stream_slice is not None and hasattr(self.cursor, "observe"):
            safe = reader.safe_point(upper)
            self.cursor.observe(Record(data={"ts": safe}, stream_name=self.name, associated_slice=stream_slice))

    def _checkpoint(self, progress: Any, page: Any) -> None:
        """Saves how far the snapshot has come once a page's records are handed on; the cursor saves the finished snapshot."""
        repository = self._repository()
        if page.covered is None or repository is None:
            return
        progress.read(page.covered)
        if progress.finished:
            return
        state = AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(stream_descriptor=StreamDescriptor(name=self.name), stream_state=AirbyteStateBlob(progress.state())),
        )
        from source_fauna import cdk_internals

        cdk_internals.emit_behind_records(repository, AirbyteMessage(type=Type.STATE, state=state))

    def _records(
        self, pages: Iterable[Any], stream_slice: Optional[StreamSlice], after_page: Optional[Callable[[Any], None]] = None
    ) -> Iterable[Mapping[str, Any]]:
        page_limit = self._builder_page_limit()
        from source_fauna import cdk_internals  # the package is there: it gave the pages
        from source_fauna.values import with_plain_values

        record_slice = cdk_internals.SliceWithCachedHash(stream_slice) if isinstance(stream_slice, StreamSlice) else stream_slice
        # A record's `data` may still be JSON text (see values.py): transformations and the
        # Builder's page log read values, so they get plain objects; a sync passes it on as is.
        plain = bool(self.transformations) or self._in_builder()
        repository = self._repository()
        for count, page in enumerate(pages, start=1):
            records = [with_plain_values(record) for record in page.records] if plain else page.records
            self._log_page(page, records)
            for transformation in self.transformations or ():
                for record in records:
                    transformation.transform(record, config=self.config, stream_slice=stream_slice)
            self._wait_for_the_writer(repository, len(records))
            # A page's Records are built in one list and handed on by `yield from`: no generator step per record.
            yield from [Record(data=record, stream_name=self.name, associated_slice=record_slice) for record in records]
            if after_page is not None:
                after_page(page)
            if page_limit and count >= page_limit:
                return

    @staticmethod
    def _wait_for_the_writer(repository: Any, page: int) -> None:
        """Waits while a page of records or more is still queued to be written.

        Readers working ahead would otherwise fill the CDK's queue whenever writing is the slower,
        and then wait at every record they queue, a wake-up of two threads each. Polled: a page takes
        the writer tens of milliseconds, and the writer still has the records queued meanwhile.
        """
        from source_fauna import cdk_internals

        waited = 0.0
        while waited < WRITER_WAIT_SECONDS and (cdk_internals.records_waiting(repository) or 0) >= max(page, 1):
            time.sleep(WRITER_POLL_SECONDS)
            waited += WRITER_POLL_SECONDS

    def _repository(self) -> Any:
        from source_fauna import cdk_internals

        return cdk_internals.message_repository(self.cursor)

    def _in_builder(self) -> bool:
        # The Builder's handler puts `__test_read_config` in the config, as documented; its newer
        # manifest server does not, and is known by its repository keeping DEBUG messages.
        if "__test_read_config" in self.config:
            return True
        from source_fauna import cdk_internals

        return cdk_internals.logs_debug(self._repository())

    def _builder_page_limit(self) -> int:
        if not self._in_builder():
            return 0
        return int((self.config.get("__test_read_config") or {}).get("max_pages_per_slice", 5))

    def _log_page(self, page: Any, records: List[Mapping[str, Any]]) -> None:
        # The Builder groups records into pages at log messages that carry an `http` section;
        # outside the Builder DEBUG messages are dropped, so a real sync pays nothing for this.
        repository = self._repository()
        if repository is None or not self._in_builder():
            return
        from source_fauna.fauna_gateway import encode  # the package is there: it gave the pages

        # The query as it went to Fauna; a window known to hold no change sent none.
        query = encode(page.query).decode() if page.query is not None else ""
        # The node's URL as the parsed config states it, with the spec's defaults for port and scheme.
        url = f"{_package(self.config).runtime_for(self.config).config.connection.endpoint}/"

        def message() -> Mapping[str, Any]:
            return {
                "http": {
                    "title": f"Fauna page of {self.name}",
                    "type": "HTTP",
                    "description": "FQL v4 query" if page.query is not None else "no query: nothing changed in this window",
                    "request": {"method": "POST", "body": {"content": query}, "headers": {}},
                    "response": {"body": {"content": json.dumps({"data": records, "after": page.after}, default=str)}, "headers": {}, "status_code": 200},
                },
                "log": {"level": "debug"},
                "url": {"full": url},
                "airbyte_cdk": {"stream": {"name": self.name}},
            }

        repository.log_message(Level.DEBUG, message)


def _micros(moment: Any) -> Optional[int]:
    """The cursor's start (a datetime) in µs, exactly."""
    if not isinstance(moment, datetime):
        return None
    return (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def _bounds(stream_slice: Optional[Mapping[str, Any]]) -> tuple:
    """A slice of the `ts` cursor holds its bounds as strings of µs."""
    if not stream_slice:
        return None, None
    start, end = stream_slice.get("start_time"), stream_slice.get("end_time")
    return (int(start) if start is not None else None, int(end) if end is not None else None)


def _spanning(first: StreamSlice, last: StreamSlice) -> StreamSlice:
    """The window from the start of `first` to the end of `last`."""
    return StreamSlice(
        partition=first.partition,
        cursor_slice={"start_time": first.cursor_slice["start_time"], "end_time": last.cursor_slice["end_time"]},
        extra_fields=first.extra_fields,
    )


@dataclass
class FaunaSchemaLoader(SchemaLoader):
    """The columns of one collection's records that depend on the user's column choices (and, in
    schema mode `typed`, on its documents).

    The manifest merges them with the columns every document has (`schemas/fauna_document.json`).
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    collection: str = "{{ parameters.get('collection_name', '') }}"
    paginator: Optional[FaunaPaginator] = None  # pages of the sample, in schema mode `typed`

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._collection = InterpolatedString.create(self.collection, parameters=parameters or {})

    def get_json_schema(self) -> Mapping[str, Any]:
        return _package(self.config).configured_columns_schema_for(self.config, self._collection.eval(self.config), self.paginator)


@dataclass
class FaunaFirstChangeMigration(StateMigration):
    """Moves a saved `ts` cursor forward to just before the collection's first change after it.

    Nothing changed in between, so the same changes are read; but the CDK would cut that stretch
    into windows (`checkpoint_interval`), each a slice and a STATE message: from an old cursor,
    thousands of empty windows. One probe of Fauna finds the first change (reader.quiet_until).
    """

    config: Config
    parameters: InitVar[Mapping[str, Any]]
    paginator: FaunaPaginator
    collection: str = "{{ parameters.get('collection_name', '') }}"

    def __post_init__(self, parameters: Mapping[str, Any]) -> None:
        self._collection = InterpolatedString.create(self.collection, parameters=parameters or {})

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return isinstance(stream_state, Mapping) and str(stream_state.get("ts", "")).isdigit()

    def migrate(self, stream_state: Mapping[str, Any]) -> MutableMapping[str, Any]:
        reader = _package(self.config).runtime_for(self.config).reader(self._collection.eval(self.config), self.paginator)
        return {**stream_state, "ts": str(reader.quiet_until(int(stream_state["ts"])))}


class FaunaLegacyStateMigration(StateMigration):
    """Accepts the per-stream state of the old connector (0.1.x) instead of rejecting it.

    `{"updates_cursor": {"ts": 30, "ref": "3"}, "remove_cursor": {"ts": 20, "ref": "7"}}` → `{"ts": "20"}`:
    the sync resumes from the older of the two cursors, so no removal is lost (a few documents
    at the boundary are read again). A state with no cursor, or one of an unfinished full
    refresh, starts over with a snapshot.
    """

    def should_migrate(self, stream_state: Mapping[str, Any]) -> bool:
        return isinstance(stream_state, Mapping) and any(
            key in stream_state for key in ("updates_cursor", "remove_cursor", "full_sync_cursor")
        )

    def migrate(self, stream_state: Mapping[str, Any]) -> MutableMapping[str, Any]:
        cursors = [stream_state.get(key) or {} for key in ("updates_cursor", "remove_cursor")]
        times = [int(cursor["ts"]) for cursor in cursors if str(cursor.get("ts", "")).lstrip("-").isdigit() and int(cursor["ts"]) > 0]
        return {"ts": str(min(times))} if times else {}
