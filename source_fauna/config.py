"""The user's configuration, parsed once into typed settings and validated.

The spec (manifest.yaml) rejects values of the wrong type or range; this module checks what a
JSON schema cannot say (duplicate or reserved column names, an endpoint pasted into `domain`) and
fills in the defaults, including those of configs written for the old connector (0.1.x), whose
`collection.page_size` and `collection.deletions` keep working unchanged.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

from source_fauna.errors import config_error

DEFAULT_PORT = 8443
DEFAULT_PAGE_SIZE = 1000  # documents of a few hundred bytes: a few hundred KB per answer
MAX_PAGE_SIZE = 100_000  # Fauna silently caps larger pages (ReadAdaptor.MaxPageSize)
DEFAULT_DELETED_AT_COLUMN = "deleted_at"
DEFAULT_PARTITIONS = 8
DEFAULT_PARALLEL_STREAMS = 4  # as the manifest's concurrency_level, which reads the same field
CDC_DELETED_AT_COLUMN = "_ab_cdc_deleted_at"
# Columns every record has; user-defined columns may not reuse them.
BUILT_IN_COLUMNS = ("ref", "ts", "data", "ttl")
COLUMN_TYPES = ("string", "integer", "number", "boolean", "object", "array", "timestamp", "date")


@dataclass(frozen=True)
class ConnectionSettings:
    domain: str
    port: int
    scheme: str
    secret: str
    verify_tls: bool = True
    ca_certificate: Optional[str] = None

    @property
    def endpoint(self) -> str:
        host = f"[{self.domain}]" if ":" in self.domain and not self.domain.startswith("[") else self.domain
        return f"{self.scheme}://{host}:{self.port}"


@dataclass(frozen=True)
class AdditionalColumn:
    """A top-level column taken from a path inside the document, e.g. name=email, path=("data", "email")."""

    name: str
    path: Tuple[str, ...]
    type: str
    required: bool = False


@dataclass(frozen=True)
class CollectionSettings:
    name: str
    data_column: bool = True
    additional_columns: Tuple[AdditionalColumn, ...] = ()
    deleted_at_column: Optional[str] = None  # None: deletions are not synced
    index: Optional[str] = None  # None: found automatically


@dataclass(frozen=True)
class FaunaConfig:
    connection: ConnectionSettings
    page_size: int = DEFAULT_PAGE_SIZE
    deleted_at_column: Optional[str] = None
    collections: Tuple[str, ...] = ()  # empty: every collection
    settings: Mapping[str, CollectionSettings] = field(default_factory=dict)
    readers_per_collection: int = DEFAULT_PARTITIONS
    parallel_streams: int = DEFAULT_PARALLEL_STREAMS

    @property
    def concurrent_queries(self) -> int:
        """The most queries a sync may have in flight: every stream read at once, each by all its readers."""
        return self.parallel_streams * self.readers_per_collection

    def for_collection(self, name: str) -> CollectionSettings:
        return self.settings.get(name) or CollectionSettings(name=name, deleted_at_column=self.deleted_at_column)

    def wants(self, collection: str) -> bool:
        return not self.collections or collection in self.collections


def parse_config(config: Mapping[str, Any]) -> FaunaConfig:
    """Turns the raw config into settings, raising a config error that names the offending field."""
    connection = _parse_connection(config)
    legacy = config.get("collection") or {}
    if not isinstance(legacy, Mapping):
        raise config_error("`collection` must be an object with `page_size` and `deletions`.")
    page_size = _int_field(legacy.get("page_size", DEFAULT_PAGE_SIZE), "collection.page_size", 1, MAX_PAGE_SIZE)
    deleted_at = _parse_deletions(legacy.get("deletions") or {"deletion_mode": "ignore"})

    collections = tuple(config.get("collections") or ())
    for position, name in enumerate(collections):
        if not isinstance(name, str) or not name:
            raise config_error(f"`collections[{position}]` must be a collection name, got {name!r}.")
    if len(set(collections)) != len(collections):
        raise config_error(f"`collections` lists a collection twice: {sorted(_duplicates(collections))}.")

    settings: Dict[str, CollectionSettings] = {}
    for position, raw in enumerate(config.get("collection_settings") or ()):
        parsed = _parse_collection_settings(raw, f"collection_settings[{position}]", deleted_at)
        if parsed.name in settings:
            raise config_error(f"`collection_settings` has two entries for collection '{parsed.name}'; keep one.")
        settings[parsed.name] = parsed
    return FaunaConfig(
        connection=connection,
        page_size=page_size,
        deleted_at_column=deleted_at,
        collections=collections,
        settings=settings,
        readers_per_collection=_int_field(config.get("partitions_per_collection", DEFAULT_PARTITIONS), "partitions_per_collection", 1, 32),
        parallel_streams=_int_field(config.get("max_parallel_streams", DEFAULT_PARALLEL_STREAMS), "max_parallel_streams", 1, 32),
    )


def _parse_connection(config: Mapping[str, Any]) -> ConnectionSettings:
    domain = str(config.get("domain") or "").strip()
    if not domain:
        raise config_error("`domain` is required: the host name or IP address of your Fauna node, e.g. `localhost`.")
    if "://" in domain or "/" in domain:
        raise config_error(
            f"`domain` must be a bare host name such as `fauna.example.com`, got '{domain}'. "
            "Put the scheme in `scheme` and the port in `port`."
        )
    scheme = config.get("scheme", "https")
    if scheme not in ("http", "https"):
        raise config_error(f"`scheme` must be `https` or `http`, got '{scheme}'.")
    secret = config.get("secret")
    if not isinstance(secret, str) or not secret:
        raise config_error("`secret` is required: a Fauna key's secret (or the node's root key).")
    tls = config.get("tls") or {}
    ca_certificate = tls.get("ca_certificate") or None
    if ca_certificate is not None and "BEGIN CERTIFICATE" not in ca_certificate:
        raise config_error("`tls.ca_certificate` must be a PEM certificate (-----BEGIN CERTIFICATE----- …).")
    return ConnectionSettings(
        domain=domain,
        port=_int_field(config.get("port", DEFAULT_PORT), "port", 1, 65535),
        scheme=scheme,
        secret=secret,
        verify_tls=bool(tls.get("verify_certificate", True)),
        ca_certificate=ca_certificate,
    )


def _parse_deletions(deletions: Mapping[str, Any]) -> Optional[str]:
    mode = deletions.get("deletion_mode", "ignore")
    if mode == "ignore":
        return None
    if mode == "deleted_field":
        return _column_name(deletions.get("column") or DEFAULT_DELETED_AT_COLUMN, "collection.deletions.column")
    raise config_error(f"`collection.deletions.deletion_mode` must be `ignore` or `deleted_field`, got '{mode}'.")


def _parse_collection_settings(raw: Mapping[str, Any], where: str, default_deleted_at: Optional[str]) -> CollectionSettings:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise config_error(f"`{where}.name` is required: the collection these settings apply to.")
    deleted_at = default_deleted_at
    if raw.get("deleted_at_column"):
        deleted_at = _column_name(raw["deleted_at_column"], f"{where}.deleted_at_column")
    columns = tuple(
        _parse_additional_column(column, f"{where}.additional_columns[{position}]")
        for position, column in enumerate(raw.get("additional_columns") or ())
    )
    taken = list(BUILT_IN_COLUMNS) + ([deleted_at] if deleted_at else [])
    for column in columns:
        if column.name in taken:
            raise config_error(
                f"`{where}.additional_columns`: column name '{column.name}' is already used "
                f"(reserved or duplicate: {', '.join(taken)}). Choose another name."
            )
        taken.append(column.name)
    index = raw.get("index") or None
    return CollectionSettings(
        name=name,
        data_column=bool(raw.get("data_column", True)),
        additional_columns=columns,
        deleted_at_column=deleted_at,
        index=index,
    )


def _parse_additional_column(raw: Mapping[str, Any], where: str) -> AdditionalColumn:
    name = _column_name(raw.get("name"), f"{where}.name")
    path = raw.get("path")
    if isinstance(path, str):
        path = [part for part in path.split(".") if part]
    if not path or not all(isinstance(part, (str, int)) for part in path):
        raise config_error(f"`{where}.path` must be a non-empty list of keys, e.g. [\"data\", \"email\"].")
    column_type = raw.get("type", "string")
    if column_type not in COLUMN_TYPES:
        raise config_error(f"`{where}.type` must be one of {', '.join(COLUMN_TYPES)}, got '{column_type}'.")
    return AdditionalColumn(
        name=name, path=tuple(str(part) for part in path), type=column_type, required=bool(raw.get("required", False))
    )


def _column_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"`{where}` must be a non-empty column name.")
    if value.startswith("_airbyte"):
        raise config_error(f"`{where}`: names starting with `_airbyte` are reserved by Airbyte, got '{value}'.")
    return value


def _int_field(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise config_error(f"`{where}` must be an integer between {low} and {high}, got {value!r}.")
    try:
        number = int(value)
    except ValueError:
        raise config_error(f"`{where}` must be an integer between {low} and {high}, got {value!r}.") from None
    if not low <= number <= high:
        raise config_error(f"`{where}` must be between {low} and {high}, got {number}.")
    return number


def _duplicates(names: Tuple[str, ...]) -> set:
    seen: set = set()
    return {name for name in names if name in seen or seen.add(name)}
