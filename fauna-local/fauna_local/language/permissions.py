"""Who may do what: the built-in roles and custom roles (CreateRole) with their privileges.

A privilege names a resource and grants actions on it, each `true` or a Lambda predicate (v4 docs
security/roles, "Privileges"). Resources here are `("collection", name)` for the documents of a user
collection, `("index", name)` for the entries of an index, and `("native", kind)` for schema documents
and their sets (`Collections()`, `Indexes()`, `Databases()`, `Keys()`, `Roles()`).

The arguments a predicate receives are those of core model/auth/RoleEvalAction.scala: `read`,
`delete` and `history_read` get the document's ref (`read` on an index: its terms), `create` the new
document's fields, `write` the old and the new fields (as two parameters; the core's three-parameter
form, which adds the ref, is not offered).
A predicate that fails or answers anything but `true` denies (core auth/RoleEvalContext.scala
DynamicPolicy: `_ == Right(TrueL)`); it runs with read access to everything, as the core evaluates
predicates with internal read-only permissions.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, compile_expr
from fauna_local.storage.store import NATIVE_SPACES
from fauna_local.values import QueryValue, Ref, SetRef

Resource = Tuple[str, str]
BUILTIN_ROLES = ("admin", "server", "server-readonly", "client")
ACTIONS = ("read", "write", "create", "delete", "history_read")
ADMIN_ONLY = ("databases", "keys", "roles")  # managed with admin keys only (v4 docs security/keys)


def _builtin(role: str, resource: Resource, action: str) -> bool:
    """v4 docs security/keys: admin = everything; server = data and schema, not keys, databases or roles;
    server-readonly = the reads of server; client = nothing that is not public."""
    if role == "admin":
        return True
    if role not in ("server", "server-readonly") or resource[0] == "native" and resource[1] in ADMIN_ONLY:
        return False
    return role == "server" or action in ("read", "history_read")


class CustomRole:
    """A role document's privileges, compiled once per role version."""

    def __init__(self, name: str, privileges: Dict[Resource, Dict[str, Any]]):
        self.name = name
        self.privileges = privileges  # resource -> action -> True or a compiled Lambda node

    def grant(self, resource: Resource, action: str) -> Any:
        """True, a Lambda node, or None (not granted)."""
        return self.privileges.get(resource, {}).get(action)

    def allows(self, ctx: Context, resource: Resource, action: str, arg: Callable[[], Any]) -> bool:
        grant = self.grant(resource, action)
        if grant is True or grant is None:
            return grant is True
        checker = ctx.derive(role="server-readonly", vars={})
        try:
            return grant(checker).fn(checker, arg()) is True
        except errors.FaunaError:
            return False


def allowed(ctx: Context, resource: Resource, action: str, arg: Callable[[], Any] = lambda: None) -> bool:
    role = ctx.role
    if type(role) is str:
        return _builtin(role, resource, action)
    return role.allows(ctx, resource, action, arg)


def require(ctx: Context, resource: Resource, action: str, pos: List[Any], arg: Callable[[], Any] = lambda: None) -> None:
    if not allowed(ctx, resource, action, arg):
        raise errors.permission_denied(pos)


def may_write_at_all(ctx: Context, pos: List[Any]) -> None:
    """Built-in roles that never write are refused before the write is even parsed; custom roles are
    checked against the document or schema written."""
    role = ctx.role
    if type(role) is str and role not in ("admin", "server"):
        raise errors.permission_denied(pos)


def unconditional(ctx: Context, resource: Resource, action: str) -> Optional[bool]:
    """True/False when the answer is the same for every document of `resource`; None when a predicate
    decides document by document. Lets set reads skip the per-document check."""
    role = ctx.role
    if type(role) is str:
        return _builtin(role, resource, action)
    grant = role.grant(resource, action)
    return None if grant is not None and grant is not True else grant is True


def readable(ctx: Context, collection_name: str, refs: List[Tuple[Any, Ref]]) -> List[Any]:
    """The keys of `refs` ((key, document ref) pairs) whose document the key may read: sets of documents
    are filtered per document, never refused (core ast/functions/ReadAdaptor.scala paginate, `isFiltered`)."""
    resource = ("collection", collection_name)
    return [key for key, ref in refs if allowed(ctx, resource, "read", constant(ref))]


# -- role documents ---------------------------------------------------------------------------------
def resource_of(value: Any, pos: List[Any]) -> Resource:
    """A privilege's `resource`: Collection(..), Index(..) or a native set such as Collections()."""
    if isinstance(value, SetRef) and isinstance(value.wire, dict) and len(value.wire) == 1:
        value = next(iter(value.wire))
    elif isinstance(value, dict) and set(value) == {"@set"} and isinstance(value["@set"], dict) and len(value["@set"]) == 1:
        value = next(iter(value["@set"]))  # as stored: {"@set": {"collections": null}}
    if isinstance(value, str) and value in NATIVE_SPACES:
        return ("native", value)
    if isinstance(value, Ref):
        if value.collection is None and value.id in NATIVE_SPACES:
            return ("native", value.id)
        if value.kind == "collections":
            return ("collection", value.id)
        if value.kind == "indexes":
            return ("index", value.id)
    raise errors.validation_failed("Role data is not valid: a privilege's resource must be a collection, an index or a native set.", pos)


def action_of(value: Any, pos: List[Any]) -> Any:
    """true/false, or a Lambda (its compiled node) given as a value or as stored ({"@query": ...})."""
    if isinstance(value, bool):
        return True if value else None
    if isinstance(value, QueryValue):
        value = {"@query": args.plain(value.wire)}
    if isinstance(value, dict) and set(value) == {"@query"}:
        return compile_expr(value["@query"], tuple(pos))
    raise errors.validation_failed("Role data is not valid: an action must be a Boolean or a Lambda.", pos)


def compile_role(name: str, body: Dict[str, Any], pos: List[Any]) -> CustomRole:
    """Validate a role document's privileges and compile them (on CreateRole and on every use)."""
    privileges = body.get("privileges") or []
    if isinstance(privileges, dict):
        privileges = [privileges]
    if not isinstance(privileges, list):
        raise errors.validation_failed("Role data is not valid: privileges must be an array.", pos)
    compiled: Dict[Resource, Dict[str, Any]] = {}
    for entry in privileges:
        if not isinstance(entry, dict) or "resource" not in entry:
            raise errors.validation_failed("Role data is not valid: a privilege needs a resource.", pos)
        actions = entry.get("actions") or {}
        if not isinstance(actions, dict) or any(a not in ACTIONS for a in actions):
            raise errors.validation_failed(f"Role data is not valid: actions are {', '.join(ACTIONS)}.", pos)
        granted = compiled.setdefault(resource_of(entry["resource"], pos), {})
        for action, value in actions.items():
            node = action_of(value, pos)
            if node is not None:
                granted[action] = node
    return CustomRole(name, compiled)


_compiled: Dict[int, Tuple[Any, CustomRole]] = {}  # id(role version) -> (that version, its compiled role)


def custom_role(ctx: Context, ref: Ref) -> CustomRole:
    """The custom role a key names, compiled once per role version; a deleted role grants nothing."""
    space = ctx.db.natives["roles"]
    key = space.by_name.get(ref.id)
    version = space.docs[key].current if key is not None and key in space.docs else None
    if version is None:
        return CustomRole(ref.id, {})
    cached = _compiled.get(id(version))
    if cached is None or cached[0] is not version:  # the entry holds its version, so ids are never reused
        cached = _compiled[id(version)] = (version, compile_role(ref.id, version.body, []))
    return cached[1]


def constant(value: Any) -> Callable[[], Any]:
    """The argument a predicate is given, for a value already at hand."""
    return lambda: value
