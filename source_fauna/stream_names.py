"""Stream names of collections in child databases: `<database path>/<collection>`, e.g. `tenant_a/eu/users`.

A Fauna name holds only letters, digits and `; @ + $ - _ . ! ~ %` (core `ext/model/src/main/scala/Parsing.scala`,
`Parsing.Name`), so `/` never occurs in one: it is the separator of database paths in Fauna's own scoped secrets
(`<secret>:<path>:<role>`, core `ext/model/src/main/scala/auth/AuthScope.scala`), and a stream name splits back
into its database path and collection without ambiguity. A top-level collection's stream is its bare name, so
no child stream can take a top-level stream's name.
"""

import re
from typing import Tuple

DatabasePath = Tuple[str, ...]  # () is the key's own database
SEPARATOR = "/"

# core Parsing.scala: ValidNameChars (Unicode \w), and "_" alone is reserved.
_FAUNA_NAME = re.compile(r"[;@+$\-_.!~%\w]+")


def is_fauna_name(text: str) -> bool:
    return bool(_FAUNA_NAME.fullmatch(text)) and text != "_"


def stream_name(database: DatabasePath, collection: str) -> str:
    return SEPARATOR.join(database + (collection,))


def split_stream_name(name: str) -> Tuple[DatabasePath, str]:
    """The database path and the collection of a stream name."""
    *database, collection = name.split(SEPARATOR)
    return tuple(database), collection


def database_label(database: DatabasePath) -> str:
    return SEPARATOR.join(database) if database else "(top)"


def table_name(stream: str) -> str:
    """The table most destinations make of a stream name: every character but letters, digits and `_` becomes `_`."""
    return re.sub(r"[^0-9A-Za-z_]", "_", stream).lower()
