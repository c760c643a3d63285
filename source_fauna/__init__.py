"""source-fauna: the Airbyte source connector for Fauna (FQL v4)."""

from source_fauna.source import SourceFauna

__all__ = ["SourceFauna"]
