"""The databases a sync reads: the key's own and, with `child_databases`, those inside it, level by level.

Listing the databases inside one takes an admin key acting in it: the key's own secret for its database, the
secret scoped as `admin` for a child (see FaunaGateway.scoped). One query per database listed (one page of up to
`page_size` children). A child database that cannot be listed (deleted meanwhile, or refused) is left out with an
error that names it: the others still sync.
"""

import logging
from typing import TYPE_CHECKING, Callable, List

from source_fauna import queries
from source_fauna.config import ChildDatabases
from source_fauna.catalog import items
from source_fauna.errors import AccessDenied, Unauthorized, config_error
from source_fauna.fauna_gateway import FaunaGateway
from source_fauna.stream_names import SEPARATOR, DatabasePath

if TYPE_CHECKING:
    from source_fauna.components import FaunaPaginator

logger = logging.getLogger("airbyte")


def synced_databases(admin_gateway: Callable[[DatabasePath], FaunaGateway], selection: ChildDatabases, paginator: "FaunaPaginator") -> List[DatabasePath]:
    """The paths of the databases whose collections are synced, the key's own `()` first, then level by level."""
    found: List[DatabasePath] = [()]
    seen: List[DatabasePath] = [()]
    level: List[DatabasePath] = [()]
    while level:
        below: List[DatabasePath] = []
        for database in level:
            if not selection.descends_into(database):
                continue
            for child in _children(admin_gateway(database), database, paginator):
                seen.append(child)
                if selection.descends_into(child) or selection.wants(child):
                    below.append(child)
                if selection.wants(child):
                    found.append(child)
        level = below
    missing = [path for path in selection.paths if path not in seen]
    if missing:
        raise config_error(
            f"`child_databases.paths` names database(s) {', '.join(repr(SEPARATOR.join(path)) for path in missing)}, which the key "
            "cannot see. Check the paths (levels separated by `/`, relative to the database of `secret`)."
        )
    return found


def _children(gateway: FaunaGateway, database: DatabasePath, paginator: "FaunaPaginator") -> List[DatabasePath]:
    where = f"child database '{SEPARATOR.join(database)}'" if database else "the database of `secret`"
    purpose = f"list the databases inside {where}"
    try:
        return [database + (ref["@ref"]["id"],) for ref in items(gateway, paginator, queries.databases_page, purpose)]
    except (AccessDenied, Unauthorized) as error:
        if database:
            logger.error(f"Leaving child database '{SEPARATOR.join(database)}' out of this sync, with the databases inside it: {error.message}")
            return []
        if isinstance(error, Unauthorized):
            raise
        raise config_error(
            "`child_databases` needs an admin key: the key's role may not list the databases inside its database "
            "(Paginate(Databases())). Use the secret of a key with the `admin` role, or set `child_databases` to "
            "`This Database Only`."
        ) from None
