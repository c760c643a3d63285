"""Scoped secrets: `<secret>[:<database path>]:<role>`, as core `ext/model/src/main/scala/auth/AuthScope.scala`
(`AuthParser`) reads them.

- The secret is the text before the first `:` (core: no `/ , ( ) & = :` in it).
- The scope is an optional database path (segments joined by `/`) and a role: one of the built-in role names, or
  `@role/<name>` for a custom role of that database. The path is relative to the database of the secret.
- A scope that does not parse that way is ignored: the secret authenticates alone (core `NullAuthScope`).
- Only the root secret and keys with the `admin` role may set a scope (core `AuthScope.canSetScope`); any other key
  with a scope authenticates nothing.

Document scopes (`@doc/<collection>/<id>`, acting as a document's identity) are not offered: they authenticate
nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

from fauna_local.values import Ref

BUILTIN_ROLE_NAMES = ("admin", "server-readonly", "server", "client")
_CUSTOM_ROLE = "@role/"
_DOCUMENT_SCOPES = ("@doc/", "classes/", "collections/")
_NOT_IN_SECRET = set("/,()&=:")
_NOT_IN_SEGMENT = set(",()&=:")


@dataclass(frozen=True)
class Scope:
    """A parsed scope: the database path below the secret's database, and the role (a name, or a custom role's ref)."""

    path: Tuple[str, ...]
    role: Union[str, Ref]


@dataclass(frozen=True)
class ParsedSecret:
    secret: str
    scope: Optional[Scope]  # None: the secret alone
    unsupported: bool = False  # a document scope, which this server does not offer


def parse_secret(text: str) -> Optional[ParsedSecret]:
    """The secret and its scope; None when the text is not a secret at all (empty, or a character a secret may not hold)."""
    secret, colon, rest = text.partition(":")
    if not secret or _NOT_IN_SECRET & set(secret):
        return None
    if not colon:
        return ParsedSecret(secret, None)
    database, separator, role_text = rest.rpartition(":")
    if separator and not database or _NOT_IN_SEGMENT & set(database):
        return ParsedSecret(secret, None)
    path = tuple(database.split("/")) if database else ()
    if role_text in BUILTIN_ROLE_NAMES:
        return ParsedSecret(secret, Scope(path, role_text))
    if role_text.startswith(_CUSTOM_ROLE) and len(role_text) > len(_CUSTOM_ROLE) and not _NOT_IN_SEGMENT & set(role_text):
        return ParsedSecret(secret, Scope(path, Ref(role_text[len(_CUSTOM_ROLE):], Ref("roles"))))
    if role_text.startswith(_DOCUMENT_SCOPES):
        return ParsedSecret(secret, None, unsupported=True)
    return ParsedSecret(secret, None)
