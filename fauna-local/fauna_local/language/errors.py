"""Every error the server answers with: HTTP status, code and description, in one place.

Sources: core `ext/model/src/main/scala/ast/Error.scala`, `Renderable.scala` RenderError.encodeErrors,
`ext/api/src/main/scala/api/fql1/APIResponse.scala`, the driver's `faunadb/errors.py` (status -> exception)
and the v4 docs of each function. Each factory below cites where its text comes from.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

Position = List[Any]


class FaunaError(Exception):
    """An error rendered as `{"errors":[{"position","code","description"}]}` with `status`."""

    def __init__(self, status: int, code: str, description: str, position: Optional[Sequence[Any]] = None, headers: Optional[dict] = None, failures: Optional[List[dict]] = None):
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description
        self.position = list(position) if position is not None else None
        self.headers = headers or {}
        self.failures = failures

    @property
    def all(self) -> List["FaunaError"]:
        """Every error to report (several when array elements failed independently)."""
        return getattr(self, "group", None) or [self]

    def at(self, position: Sequence[Any]) -> "FaunaError":
        """Set the position where the error was raised, unless a deeper one is already known."""
        if self.position is None:
            self.position = list(position)
        return self


def combine(errors: List[FaunaError]) -> FaunaError:
    """Errors of several array elements: all are reported; the status is the highest-priority one's
    (core ast/Error.scala statusCode: parse / invalid argument (400) > permission (403) > others)."""
    flat = [e for err in errors for e in err.all]
    if len(flat) == 1:
        return flat[0]
    rank = lambda e: 0 if e.status == 400 else 1 if e.status == 403 else 2  # noqa: E731
    lead = min(flat, key=rank)
    grouped = FaunaError(lead.status, lead.code, lead.description, lead.position, lead.headers, lead.failures)
    grouped.group = flat
    return grouped


# -- 400 --------------------------------------------------------------------------------------------
def invalid_expression(description: str, position: Position) -> FaunaError:
    # core Error.scala InvalidExpression; "No form/function found, or invalid argument keys: { k, … }."
    return FaunaError(400, "invalid expression", description, position)


def no_form(keys: Sequence[str], position: Position) -> FaunaError:
    # core Renderable.scala: InvalidExpression for an object whose key set matches no form.
    return invalid_expression("No form/function found, or invalid argument keys: { %s }." % ", ".join(keys), position)


_LITERAL_NAMES = {"@ts": "time", "@date": "date", "@bytes": "bytes", "@ref": "ref", "@obj": "object", "@set": "set", "@query": "query"}


def invalid_literal(tag: str, position: Position) -> FaunaError:
    # core Renderable.scala: a malformed tagged value is a parse error, "Invalid time." / "Invalid ref." ...
    return invalid_expression(f"Invalid {_LITERAL_NAMES.get(tag, tag)}.", position)


def unbound_variable(name: str, position: Position) -> FaunaError:
    # core Error.scala UnboundVariable: "Variable 'x' is not defined."
    return invalid_expression(f"Variable '{name}' is not defined.", position)


def no_query(position: Position) -> FaunaError:
    # core FQL1Routes: an empty request body -> "No query provided."
    return invalid_expression("No query provided.", position)


def invalid_json(position: Position) -> FaunaError:
    # core JSON parser failure -> 400 invalid expression (core Error.scala statusCode: parse errors win).
    return invalid_expression("Request body is not valid JSON.", position)


def too_deep(position: Position) -> FaunaError:
    # Fauna limits expression depth; a deep body is a parse error, not a crash.
    return invalid_expression("Expression nesting is too deep.", position)


def invalid_argument(description: str, position: Position) -> FaunaError:
    # core Error.scala InvalidArgument.
    return FaunaError(400, "invalid argument", description, position)


def wrong_type(expected: str, actual: str, position: Position) -> FaunaError:
    # core Error.scala InvalidArgument: "<Expected> expected, <Actual> provided."
    return invalid_argument(f"{expected} expected, {actual} provided.", position)


def non_numeric_id(value: str, position: Position) -> FaunaError:
    # core DocID parsing: "Number or numeric String expected, non-numeric 'abc' provided."
    return invalid_argument(f"Number or numeric String expected, non-numeric '{value}' provided.", position)


def id_too_large(value: str, position: Position) -> FaunaError:
    # core DocID parsing: "The id provided is too large: '<id>'"
    return invalid_argument(f"The id provided is too large: '{value}'", position)


def bad_event_cursor(keys: Sequence[str], position: Position) -> FaunaError:
    # core ast/Parser.scala CursorParser.parseEvent.
    return invalid_argument("Cannot create event cursor with keys %s." % ", ".join(keys), position)


def invalid_ref(description: str, position: Position) -> FaunaError:
    # core Error.scala InvalidRef, status 400.
    return FaunaError(400, "invalid ref", description, position)


def undefined_collection(name: str, position: Position) -> FaunaError:
    return invalid_ref(f"Ref refers to undefined collection '{name}'", position)


def undefined_index(name: str, position: Position) -> FaunaError:
    return invalid_ref(f"Ref refers to undefined index '{name}'", position)


def undefined_database(name: str, position: Position) -> FaunaError:
    return invalid_ref(f"Ref refers to undefined database '{name}'", position)


def already_exists(what: str, position: Position) -> FaunaError:
    # core Error.scala InstanceAlreadyExists: "Document already exists." / "Collection already exists."
    return FaunaError(400, "instance already exists", f"{what} already exists.", position)


def index_inactive(name: str, position: Position) -> FaunaError:
    # core: using an index that is still building -> 400 "instance not found".
    return FaunaError(400, "instance not found", f"Index '{name}' is not active.", position)


def validation_failed(description: str, position: Position, failures: Optional[List[dict]] = None) -> FaunaError:
    # core Error.scala ValidationFailed; failures = [{field, code, description}] (core APIResponse.scala).
    return FaunaError(400, "validation failed", description, position, failures=failures)


def invalid_reference_failure(field: Sequence[Any]) -> dict:
    # core WriteFunctions.scala RefValidator: an unresolved ref inside params fails validation at its field.
    return {"field": list(field), "code": "invalid reference", "description": "Cannot read reference."}


def document_too_large(position: Position) -> FaunaError:
    # Fauna v4 docs learn/understanding/limits: 8 MB per document (exact error text undocumented).
    return validation_failed("Document exceeds the maximum size of 8 MB.", position)


def instance_not_unique(position: Position) -> FaunaError:
    # core Renderable.scala InstanceNotUnique: "Document is not unique."
    return FaunaError(400, "instance not unique", "Document is not unique.", position)


def same_txn_collection(position: Position) -> FaunaError:
    # https://docs.fauna.com/fauna/v4/api/fql/functions/createcollection
    return invalid_argument("Cannot create a collection and a document in it in the same transaction.", position)


def same_txn_index(position: Position) -> FaunaError:
    # v4 docs CreateIndex: an index cannot be created in the same transaction as its source collection,
    # nor used in the transaction that creates it.
    return invalid_argument("Cannot create or use an index in the same transaction as its source collection.", position)


def transaction_aborted(message: str, position: Position) -> FaunaError:
    # v4 docs Abort: 400 "transaction aborted" with the caller's message.
    return FaunaError(400, "transaction aborted", message, position)


def read_below_mvt(valid_ts: str, mvt: str) -> FaunaError:
    # core ext/api/.../ExceptionResponseHelpers.scala: ReadValidTimeBelowMVT -> ProtocolErrorCode.BadRequest
    # (400), "Requested timestamp <ts> less than minimum allowed timestamp <mvt>."; the storage ops throw it
    # for document and set snapshots read below the collection's MVT (core DocSnapshot / SetSnapshot and
    # their specs "disallow reading ... snapshot below MVT"). Rendered by the catch-all handler, so no
    # position; the code string is our reading of ProtocolErrorCode.BadRequest (not verified on a node).
    return FaunaError(400, "bad request", f"Requested timestamp {valid_ts} less than minimum allowed timestamp {mvt}.", None)


def request_too_large() -> FaunaError:
    # core API: oversized bodies are refused; the driver maps 413 to UnexpectedError.
    return FaunaError(413, "request too large", "Request body exceeds the maximum size.", [])


# -- 401 / 403 --------------------------------------------------------------------------------------
def unauthorized() -> FaunaError:
    # core api/Application.scala ErrorResponse: no position; header WWW-Authenticate.
    return FaunaError(401, "unauthorized", "Unauthorized", None, {"WWW-Authenticate": 'Basic realm="Unauthorized"'})


def permission_denied(position: Position) -> FaunaError:
    # driver tests/test_errors.py: "Insufficient privileges to perform the action."
    return FaunaError(403, "permission denied", "Insufficient privileges to perform the action.", position)


# -- 404 --------------------------------------------------------------------------------------------
def instance_not_found(position: Position) -> FaunaError:
    # core Error.scala InstanceNotFound: "Document not found.".
    return FaunaError(404, "instance not found", "Document not found.", position)


def set_not_found(position: Position) -> FaunaError:
    # core Renderable.scala: Get of an empty set -> instance not found, "Set not found."
    return FaunaError(404, "instance not found", "Set not found.", position)


def value_not_found(path: Sequence[Any], position: Position) -> FaunaError:
    # core Error.scala ValueNotFound: "Value not found at path [a,b]."
    return FaunaError(404, "value not found", "Value not found at path [%s]." % ",".join(str(p) for p in path), position)


def not_found_route() -> FaunaError:
    return FaunaError(404, "not found", "Not Found", None)


# -- injected faults (driver errors.py maps these statuses) ------------------------------------------
def contended() -> FaunaError:
    # core Error.scala ContentionError: 409 "contended transaction".
    return FaunaError(409, "contended transaction", "Transaction was aborted due to detection of concurrent modification.", [])


def too_many_requests() -> FaunaError:
    return FaunaError(429, "too many requests", "Rate limit exceeded", [])


def internal_error() -> FaunaError:
    return FaunaError(500, "internal server error", "Internal server error.", [])


def unavailable() -> FaunaError:
    return FaunaError(503, "unavailable", "Service temporarily unavailable.", [])
