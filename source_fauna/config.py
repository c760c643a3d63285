"""The user's configuration, validated against the spec and parsed once into typed settings.

Types, bounds and defaults are stated once, in the spec (manifest.yaml): the config is validated
against it, with a message that names the setting, and its defaults are filled in from it
(`components.with_spec_defaults`, which the manifest runs before the CDK builds the source). This
module checks only what a JSON schema cannot say (duplicate or reserved column names, an endpoint
pasted into `domain`, a CA certificate that is not PEM). Configs written for the old connector
(0.1.x), with `collection.page_size` and `collection.deletions`, are valid under the same spec.
"""

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Dict, Mapping, Optional, Tuple

import yaml

from source_fauna.components import with_spec_defaults
from source_fauna.errors import config_error
from source_fauna.stream_names import SEPARATOR, DatabasePath, is_fauna_name
from source_fauna.typed_columns import CATCH_ALL_COLUMN, TypedColumns

# Columns every record has; user-defined columns may not reuse them.
BUILT_IN_COLUMNS = ("ref", "ts", "data", "ttl")


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
    typed_columns: Optional[TypedColumns] = None  # schema mode `typed`: set once the columns are known

    def reserved_columns(self) -> Tuple[str, ...]:
        """The names typed columns may not take: every other column of the record."""
        extra = (self.deleted_at_column,) if self.deleted_at_column else ()
        return BUILT_IN_COLUMNS + extra + tuple(column.name for column in self.additional_columns) + (CATCH_ALL_COLUMN,)


@dataclass(frozen=True)
class ChildDatabases:
    """Which databases below the key's own are synced: `none`, `all`, or the `listed` ones, each with those inside it."""

    mode: str = "none"
    paths: Tuple[DatabasePath, ...] = ()

    def wants(self, database: DatabasePath) -> bool:
        """True when the collections of `database` are synced."""
        if not database or self.mode == "all":
            return True
        return self.mode == "listed" and any(database[: len(path)] == path for path in self.paths)

    def descends_into(self, database: DatabasePath) -> bool:
        """True when the databases inside `database` are listed: some of them, or some further down, are synced."""
        if self.mode == "all":
            return True
        return self.mode == "listed" and any(database == path[: len(database)] or database[: len(path)] == path for path in self.paths)


@dataclass(frozen=True)
class FaunaConfig:
    """The settings of one config, built by `parse_config` from the config completed with the spec's defaults,
    so no field has a default of its own."""

    connection: ConnectionSettings
    readers_per_collection: int
    parallel_streams: int
    deleted_at_column: Optional[str]  # None: deletions are not synced
    collections: Tuple[str, ...]  # empty: every collection
    settings: Mapping[str, CollectionSettings]
    typed: bool  # schema mode `typed`
    sample_size: int
    child_databases: ChildDatabases

    @property
    def concurrent_queries(self) -> int:
        """The most queries a sync may have in flight: every stream read at once, each by all its readers."""
        return self.parallel_streams * self.readers_per_collection

    def for_collection(self, name: str) -> CollectionSettings:
        return self.settings.get(name) or CollectionSettings(name=name, deleted_at_column=self.deleted_at_column)

    def wants(self, collection: str) -> bool:
        return not self.collections or collection in self.collections


@lru_cache(maxsize=1)
def connection_specification() -> Mapping[str, Any]:
    """The JSON schema of the config, from the spec in manifest.yaml."""
    manifest = yaml.safe_load(resources.files("source_fauna").joinpath("manifest.yaml").read_text(encoding="utf-8"))
    return manifest["spec"]["connection_specification"]


def parse_config(config: Mapping[str, Any]) -> FaunaConfig:
    """Turns the config into settings, raising a config error that names the offending setting.

    The CDK hands components the config completed by the manifest's `FaunaSpecDefaults`; the
    spec is applied here again (to a copy) so that any config may be parsed, as the tests do.
    """
    values = with_spec_defaults(config, connection_specification())
    connection = _parse_connection(values)
    deleted_at = _parse_deletions(values["collection"]["deletions"])
    settings: Dict[str, CollectionSettings] = {}
    for position, raw in enumerate(values.get("collection_settings", ())):
        parsed = _parse_collection_settings(raw, f"collection_settings[{position}]", deleted_at, values["schema_mode"] == "typed")
        if parsed.name in settings:
            raise config_error(f"`collection_settings` has two entries for collection '{parsed.name}'; keep one.")
        settings[parsed.name] = parsed
    return FaunaConfig(
        connection=connection,
        readers_per_collection=values["partitions_per_collection"],
        parallel_streams=values["max_parallel_streams"],
        deleted_at_column=deleted_at,
        collections=tuple(values.get("collections", ())),
        settings=settings,
        typed=values["schema_mode"] == "typed",
        sample_size=values["schema_sample_size"],
        child_databases=_parse_child_databases(values["child_databases"]),
    )


def _parse_child_databases(values: Mapping[str, Any]) -> ChildDatabases:
    paths = []
    for position, text in enumerate(values.get("paths", ())):
        path = tuple(text.strip(SEPARATOR).split(SEPARATOR))
        bad = [segment for segment in path if not is_fauna_name(segment)]
        if bad:
            raise config_error(
                f"`child_databases.paths[{position}]` is not a database path: '{text}' has the segment '{bad[0]}', which is not "
                "a Fauna database name (letters, digits and ; @ + $ - _ . ! ~ %). Separate levels with `/`, e.g. `tenant_a/eu`."
            )
        paths.append(path)
    return ChildDatabases(mode=values["mode"], paths=tuple(paths))


def _parse_connection(values: Mapping[str, Any]) -> ConnectionSettings:
    domain = values["domain"].strip()
    if not domain:
        raise config_error("`domain` is required: the host name or IP address of your Fauna node, e.g. `localhost`.")
    if "://" in domain or "/" in domain:
        raise config_error(
            f"`domain` must be a bare host name such as `fauna.example.com`, got '{domain}'. "
            "Put the scheme in `scheme` and the port in `port`."
        )
    tls = values["tls"]
    ca_certificate = tls.get("ca_certificate") or None
    if ca_certificate is not None and "BEGIN CERTIFICATE" not in ca_certificate:
        raise config_error("`tls.ca_certificate` must be a PEM certificate (-----BEGIN CERTIFICATE----- …).")
    return ConnectionSettings(
        domain=domain,
        port=values["port"],
        scheme=values["scheme"],
        secret=values["secret"],
        verify_tls=tls["verify_certificate"],
        ca_certificate=ca_certificate,
    )


def _parse_deletions(deletions: Mapping[str, Any]) -> Optional[str]:
    if deletions["deletion_mode"] == "deleted_field":
        return _column_name(deletions["column"], "collection.deletions.column")
    return None


def _parse_collection_settings(raw: Mapping[str, Any], where: str, default_deleted_at: Optional[str], typed: bool) -> CollectionSettings:
    deleted_at = default_deleted_at
    if raw.get("deleted_at_column"):
        deleted_at = _column_name(raw["deleted_at_column"], f"{where}.deleted_at_column")
    columns = tuple(
        AdditionalColumn(
            name=_column_name(column["name"], f"{where}.additional_columns[{position}].name"),
            path=tuple(column["path"]),
            type=column["type"],
            required=column["required"],
        )
        for position, column in enumerate(raw.get("additional_columns", ()))
    )
    taken = list(BUILT_IN_COLUMNS) + ([deleted_at] if deleted_at else []) + ([CATCH_ALL_COLUMN] if typed else [])
    for column in columns:
        if column.name in taken:
            raise config_error(
                f"`{where}.additional_columns`: column name '{column.name}' is already used "
                f"(reserved or duplicate: {', '.join(taken)}). Choose another name."
            )
        taken.append(column.name)
    return CollectionSettings(
        name=raw["name"],
        data_column=raw["data_column"],
        additional_columns=columns,
        deleted_at_column=deleted_at,
        index=raw.get("index") or None,
    )


def _column_name(value: str, where: str) -> str:
    if not value.strip():
        raise config_error(f"`{where}` must be a non-empty column name.")
    if value.startswith("_airbyte"):
        raise config_error(f"`{where}`: names starting with `_airbyte` are reserved by Airbyte, got '{value}'.")
    return value
