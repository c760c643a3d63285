"""The in-process API: authenticate, parse, evaluate in one transaction, render. No HTTP here.

`Engine.execute(body, secret)` returns `(status, body_bytes, headers)` exactly as the HTTP layer sends them,
so a benchmark can time evaluation apart from HTTP.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from typing import Any, Dict, Optional, Tuple, Union

from fauna_local.auth_scope import parse_secret
from fauna_local.language import Context, compile_expr
from fauna_local.language import errors
from fauna_local.language.functions.schema import hash_secret
from fauna_local.language.permissions import BUILTIN_ROLES, custom_role
from fauna_local.storage.clock import Clock
from fauna_local.storage.store import Database, Store
from fauna_local.values import Ref
from fauna_local.wire import codec

BUILD = "fauna_local-4.0"  # x-faunadb-build value

Response = Tuple[int, bytes, Dict[str, str]]


class Engine:
    def __init__(self, secret: str = "secret", data_dir: Optional[str] = None, clock_offset_seconds: float = 0.0):
        self.secret = secret
        self.clock = Clock(clock_offset_seconds)
        self.store = Store(self.clock, codec.render_document, codec.decode_document, codec.decode_document_ref, data_dir)
        self._stats_lock = threading.Lock()
        self.stats: Dict[str, Any] = {"queries": 0, "errors": 0, "eval_seconds": 0.0}

    # -- auth -------------------------------------------------------------------------------------
    def authenticate(self, secret: Optional[str]) -> Optional[Tuple[Database, Union[str, Ref]]]:
        """The database and role a secret acts with (a built-in role's name, or the ref of a custom role).

        The root secret is the admin of the root database; a key's secret, its database and role. Either may
        be scoped (`secret:db/child:role`, see auth_scope.py) to a database below its own, when it is the
        root secret or an admin key (core auth/AuthScope.scala `canSetScope`)."""
        parsed = parse_secret(secret) if secret else None
        if parsed is None or parsed.unsupported:
            return None
        if parsed.secret == self.secret:
            home: Tuple[str, ...] = ()
            role: Union[str, Ref] = "admin"
        else:
            with self.store.lock:
                entry = self.store.key_hashes.get(hash_secret(parsed.secret))
            if entry is None:
                return None
            home, role, _ = entry
            if parsed.scope is not None and role != "admin":
                return None
        if parsed.scope is not None:
            home, role = home + parsed.scope.path, parsed.scope.role
        with self.store.lock:
            db = self.store.database(home)
            if db is None or not isinstance(role, Ref) and role not in BUILTIN_ROLES:
                return None
            if isinstance(role, Ref) and parsed.scope is not None and not _role_exists(db, role.id):
                return None  # a scope names an active role of that database (core Role.idByNameActive)
        return db, role

    def is_root(self, secret: Optional[str]) -> bool:
        return secret == self.secret

    # -- queries ----------------------------------------------------------------------------------
    def execute(self, body: Union[bytes, str, Any], secret: Optional[str]) -> Response:
        """Run one request (one transaction). `body` is JSON text/bytes or an already-parsed expression."""
        auth = self.authenticate(secret)
        if auth is None:
            return self._error(errors.unauthorized(), 0)
        db, role = auth
        try:
            expr = self._parse(body)
            node = compile_expr(expr)
        except errors.FaunaError as e:
            return self._error(e, self.clock.last_txn_ts)
        except RecursionError:
            return self._error(errors.too_deep([]), self.clock.last_txn_ts)
        started = time.perf_counter()
        with self.store.lock:
            txn = self.store.begin()
            ctx = Context(self, db, txn, role)
            try:
                if isinstance(role, Ref):  # a custom role, as the role document reads now
                    ctx.role = custom_role(ctx, role)
                value = node(ctx)
                self.store.commit(txn)
            except errors.FaunaError as e:
                self.store.rollback(txn)
                return self._error(e, txn.ts)
            except RecursionError:
                self.store.rollback(txn)
                return self._error(errors.too_deep([]), txn.ts)
            except Exception:  # an engine bug must not take the server down: 500, transaction undone
                self.store.rollback(txn)
                traceback.print_exc()
                return self._error(errors.internal_error(), txn.ts)
        try:
            text = '{"resource":' + codec.render(value) + "}"
        except (TypeError, RecursionError):
            return self._error(errors.internal_error(), txn.ts)
        elapsed = time.perf_counter() - started
        with self._stats_lock:
            self.stats["queries"] += 1
            self.stats["eval_seconds"] += elapsed
        status = 201 if id(value) in ctx.created else 200
        out = text.encode("utf-8")
        return status, out, metrics_headers(txn.ts, elapsed, len(out))

    @staticmethod
    def _parse(body: Any) -> Any:
        if not isinstance(body, (bytes, str)):
            return body
        if not body or not body.strip():
            raise errors.no_query([])
        try:
            return json.loads(body)
        except RecursionError:
            raise errors.too_deep([]) from None
        except (ValueError, UnicodeDecodeError):
            raise errors.invalid_json([]) from None

    def _error(self, error: errors.FaunaError, ts: int) -> Response:
        with self._stats_lock:
            self.stats["errors"] += 1
        return error_response(error, ts or self.clock.last_txn_ts)

    def reset(self) -> None:
        self.store.reset()


def metrics_headers(ts: int, elapsed: float, size: int) -> Dict[str, str]:
    """x-txn-time, x-faunadb-build and the query metrics (core `api/fql1/TMPEndpoint.scala` setHeaders,
    `ext/net/src/main/scala/http/HTTPHeaders.scala`)."""
    return {
        "x-txn-time": str(ts),
        "x-faunadb-build": BUILD,
        "x-compute-ops": "1",
        "x-byte-read-ops": "0",
        "x-byte-write-ops": "0",
        "x-query-time": str(int(elapsed * 1000)),
        "x-query-bytes-in": "0",
        "x-query-bytes-out": str(size),
        "x-storage-bytes-read": "0",
        "x-storage-bytes-write": "0",
        "x-txn-retries": "0",
        "x-rate-limited-ops": "0",
    }


def error_response(error: errors.FaunaError, ts: int) -> Response:
    """`{"errors":[{position?, code, description}]}` (core `api/fql1/APIResponse.scala` QueryErrorResponse); no metrics
    headers on 401/500 (core `api/fql1/TMPEndpoint.scala` setHeaders)."""
    entries = []
    for err in error.all:
        entry: Dict[str, Any] = {}
        if err.position is not None:
            entry["position"] = err.position
        entry["code"] = err.code
        entry["description"] = err.description
        if err.failures:
            entry["failures"] = err.failures
        entries.append(entry)
    body = json.dumps({"errors": entries}, separators=(",", ":")).encode("utf-8")
    if error.status in (401, 500):
        headers = {"x-txn-time": str(ts), "x-faunadb-build": BUILD}
    else:
        headers = metrics_headers(ts, 0.0, len(body))
    headers.update(error.headers)
    return error.status, body, headers


def _role_exists(db: Database, name: str) -> bool:
    space = db.natives["roles"]
    seq = space.by_name.get(name)
    return seq is not None and space.docs[seq].current is not None
