"""Status/code pairs as the driver sees them (exception class + the server's errors[0]).

Sources: core `ext/model/src/main/scala/ast/Error.scala`, `Renderable.scala` encodeErrors,
`ext/api/src/main/scala/api/fql1/APIResponse.scala`; driver `tests/test_errors.py`;
core `ext/api/src/test/scala/queries/BasicFunctionsSpec.scala`, `queries/IndexSpec.scala`,
`api/IndexSpec.scala`. Error descriptions quoted from core `Renderable.scala` RenderError.encodeErrors
(API >= 2.7 names: "collection", "document").
"""

import json

import pytest
from faunadb import query as q
from faunadb.errors import BadRequest, NotFound, PermissionDenied
from faunadb.objects import _Expr

from .conftest import error_fields

C = "widgets"


def ref(i):
    return q.ref(q.collection(C), str(i))


@pytest.fixture
def widgets(fauna):
    fauna.collection(C)
    return fauna


# -- 400 invalid ref ---------------------------------------------------------------------------------


def test_given_undefined_index_when_get_then_400_invalid_ref_at_get(fauna):
    # core queries/IndexSpec.scala (rename/delete): Get(undefined index) -> "invalid ref",
    # "Ref refers to undefined index 'spells'", position ["get"].
    err = fauna.raises(q.get(q.index("spells")), BadRequest)
    assert error_fields(err) == ("invalid ref", "Ref refers to undefined index 'spells'", ["get"])


def test_given_undefined_collection_when_get_then_400_invalid_ref(fauna):
    # core Error.scala InvalidRef: undefined collection -> 400 invalid ref "Ref refers to undefined collection 'nope'".
    err = fauna.raises(q.get(q.collection("nope")), BadRequest)
    assert error_fields(err) == ("invalid ref", "Ref refers to undefined collection 'nope'", ["get"])


def test_given_undefined_collection_when_paginating_documents_then_400_invalid_ref(fauna):
    # core Error.scala InvalidRef: Documents(Collection("nope")) -> 400 invalid ref.
    err = fauna.raises(q.paginate(q.documents(q.collection("nope"))), BadRequest)
    code, description, _ = error_fields(err)
    assert (code, description) == ("invalid ref", "Ref refers to undefined collection 'nope'")


@pytest.mark.parametrize(
    "expr, description",
    [
        (q.get(q.database("missing")), "Ref refers to undefined database 'missing'"),
        (q.paginate(q.match(q.index("missing"))), "Ref refers to undefined index 'missing'"),
    ],
    ids=["database", "index-in-match"],
)
def test_given_other_undefined_refs_when_used_then_400_invalid_ref_naming_the_kind(fauna, expr, description):
    # Renderable.scala UnresolvedRefError: "Ref refers to undefined <database|index|collection> '<name>'".
    err = fauna.raises(expr, BadRequest)
    assert error_fields(err)[:2] == ("invalid ref", description)


def test_given_id_beyond_64_bits_when_creating_then_400_invalid_argument_too_large(fauna):
    # ast/Error.scala SubIDArgumentTooLarge (InvalidArgumentError); Renderable.scala:
    # "The id provided is too large: '<id>'".
    fauna.collection(C)
    err = fauna.raises(q.create(ref("99999999999999999999"), {"data": {}}), BadRequest)
    assert error_fields(err)[:2] == ("invalid argument", "The id provided is too large: '99999999999999999999'")


def test_given_undefined_collection_inside_select_when_evaluated_then_400_invalid_ref_at_from(fauna):
    # core BasicFunctionsSpec: Select("id", ClassRef("invalid-ref")) -> "invalid ref",
    # "Ref refers to undefined class 'invalid-ref'" (v2.7+: collection) at ["from"].
    err = fauna.raises(q.select("id", q.collection("invalid-ref")), BadRequest)
    assert error_fields(err) == ("invalid ref", "Ref refers to undefined collection 'invalid-ref'", ["from"])


def test_given_undefined_collection_when_select_has_a_default_then_still_400_invalid_ref(fauna):
    # core ast/EvalContext.scala SelectE: an unresolved ref in `from` is an UnresolvedRefError before the
    # default is considered (the default only replaces ValueNotFound).
    err = fauna.raises(q.select("id", q.collection("invalid-ref"), "dflt"), BadRequest)
    assert error_fields(err)[0] == "invalid ref"


@pytest.mark.parametrize(
    "expr",
    [q.exists(q.index("nope")), q.exists(q.collection("nope")), q.exists(q.ref(q.collection("nope"), "1"))],
    ids=["index", "collection", "doc-in-missing-collection"],
)
def test_given_undefined_refs_when_exists_then_false_not_an_error(fauna, expr):
    # core ReadFunctions.scala: UnresolvedRefL -> FalseL.
    assert fauna.q(expr) is False


# -- 404 ------------------------------------------------------------------------------------------------


def test_given_missing_doc_when_get_then_404_instance_not_found(widgets):
    # core BasicFunctionsSpec "makes refs": Get(MkRef(cls, NewID)) -> "instance not found" at [];
    # Renderable.scala: "Document not found.".
    err = widgets.raises(q.get(ref(1)), NotFound)
    assert error_fields(err) == ("instance not found", "Document not found.", [])


def test_given_deleted_doc_when_get_then_404_instance_not_found(widgets):
    # driver tests/test_errors.py::test_instance_not_found: a deleted doc -> Get 404.
    widgets.create(C, {}, doc_id="1")
    widgets.q(q.delete(ref(1)))
    err = widgets.raises(q.get(ref(1)), NotFound)
    assert error_fields(err)[0] == "instance not found"


@pytest.mark.parametrize("expr_factory", [lambda: q.update(ref(9), {"data": {}}), lambda: q.delete(ref(9))], ids=["update", "delete"])
def test_given_missing_doc_when_writing_it_then_404_instance_not_found(widgets, expr_factory):
    # driver tests/test_errors.py::test_instance_not_found: missing document -> 404 instance not found (Update/Delete
    # resolve the current version).
    err = widgets.raises(expr_factory(), NotFound)
    assert error_fields(err)[0] == "instance not found"


def test_given_missing_path_when_select_without_default_then_404_value_not_found_at_from(fauna):
    # core BasicFunctionsSpec: Select("database", DatabaseRef(..)) -> "value not found",
    # "Value not found at path [database].", position ["from"]; driver test_errors.py::test_value_not_found.
    err = fauna.raises(q.select("a", {}), NotFound)
    assert error_fields(err) == ("value not found", "Value not found at path [a].", ["from"])
    err = fauna.raises(q.select(["a", "b"], {"a": {}}), NotFound)
    assert error_fields(err)[1] == "Value not found at path [a,b]."


def test_given_index_past_end_when_select_on_array_then_404(fauna):
    # driver tests/test_query.py::test_select_array: select(3, [1,2,3]) raises NotFound.
    assert fauna.q(q.select(2, [1, 2, 3])) == 3
    fauna.raises(q.select(3, [1, 2, 3]), NotFound)


# -- 400 invalid expression / invalid argument -------------------------------------------------------------


def test_given_unknown_function_when_queried_then_400_invalid_expression_naming_it(fauna):
    # driver tests/test_errors.py::test_invalid_expression ({"foo": "bar"} -> "invalid expression" at []);
    # Renderable.scala InvalidFormExpr: "No form/function found, or invalid argument keys: { foo }.".
    err = fauna.raises(_Expr({"frobnicate": 1}), BadRequest)
    assert error_fields(err) == (
        "invalid expression",
        "No form/function found, or invalid argument keys: { frobnicate }.",
        [],
    )


def test_given_known_function_with_extra_key_when_queried_then_400_invalid_expression(widgets):
    # core ast/Parser.scala: forms dispatch on the exact key set; a bad key set -> 400 invalid expression
    # (driver tests/test_errors.py::test_invalid_expression).
    err = widgets.raises(_Expr({"get": ref(1), "colour": "red"}), BadRequest)
    code, description, _ = error_fields(err)
    assert code == "invalid expression"
    assert "colour" in description and "get" in description


def test_given_equals_with_no_arguments_when_queried_then_400(fauna):
    # driver tests/test_query.py::test_equals: equals() -> BadRequest; equals(1,1,1) true; (1,1,2) false.
    assert fauna.q(q.equals(1, 1, 1)) is True
    assert fauna.q(q.equals(1, 1, 2)) is False
    assert fauna.q(q.equals(1)) is True
    fauna.raises(q.equals(), BadRequest)


def test_given_unbound_variable_when_queried_then_400_invalid_expression_naming_it(fauna):
    # core ext/model/src/main/scala/ast/Error.scala: UnboundVariable is a ParseError, code
    # "invalid expression" (the driver's old test_errors.py expected "unbound variable"; the core is
    # authoritative); Renderable.scala: "Variable 'x' is not defined.".
    err = fauna.raises(q.var("x"), BadRequest)
    code, description, _ = error_fields(err)
    assert (code, description) == ("invalid expression", "Variable 'x' is not defined.")


def test_given_wrong_argument_type_when_queried_then_400_invalid_argument(fauna):
    # Parser.scala: epoch -> Casts.Integer; Renderable.scala InvalidArgument: "Integer expected, String
    # provided."; driver test_errors.py::test_invalid_argument (type error -> "invalid argument");
    # core StringFunctionsSpec (LowerCase(7) -> "invalid argument" at ["lowercase"]): position = the key.
    err = fauna.raises(q.epoch("twelve", "second"), BadRequest)
    assert error_fields(err) == ("invalid argument", "Integer expected, String provided.", ["epoch"])


def test_given_abort_when_queried_then_400_transaction_aborted_with_the_message(fauna):
    # core BasicFunctionsSpec "abort": Abort(reason) -> "transaction aborted" at []; Renderable.scala:
    # TransactionAbort(desc) renders desc; driver test_query.py::test_abort (BadRequest).
    err = fauna.raises(q.abort("no thanks"), BadRequest)
    assert error_fields(err) == ("transaction aborted", "no thanks", [])


def test_given_abort_after_a_write_when_queried_then_the_write_is_rolled_back(widgets):
    # Fauna v4 docs functions/abort: Abort ends the transaction; no changes are committed (queries are
    # transactional: "No changes are committed if something goes wrong").
    widgets.raises(q.do(q.create(ref(1), {"data": {}}), q.abort("stop")), BadRequest)
    assert widgets.q(q.exists(ref(1))) is False


def test_given_existing_doc_when_created_again_then_400_instance_already_exists_at_create(widgets):
    # driver tests/test_errors.py::test_instance_already_exists (position ["create"]);
    # Renderable.scala: "Document already exists.".
    widgets.create(C, {}, doc_id="1")
    err = widgets.raises(q.create(ref(1), {"data": {}}), BadRequest)
    assert error_fields(err) == ("instance already exists", "Document already exists.", ["create"])


def test_given_existing_collection_when_created_again_then_400_instance_already_exists(widgets):
    # Renderable.scala InstanceAlreadyExists for a native collection doc: "Collection already exists.".
    err = widgets.raises(q.create_collection({"name": C}), BadRequest)
    code, description, _ = error_fields(err)
    assert (code, description) == ("instance already exists", "Collection already exists.")


def test_given_non_numeric_id_when_creating_then_400_invalid_argument(widgets):
    # core Renderable.scala NonNumericSubIDArgument: "Number or numeric String expected, non-numeric
    # 'abc' provided.".
    err = widgets.raises(q.create(ref("abc"), {"data": {}}), BadRequest)
    code, description, _ = error_fields(err)
    assert code == "invalid argument"
    assert description == "Number or numeric String expected, non-numeric 'abc' provided."


def test_given_unique_index_when_a_duplicate_value_is_written_then_400_instance_not_unique(widgets):
    # core queries/IndexSpec.scala "globally unique attribute": second write -> 400 "instance not unique".
    widgets.index("by_name", C, terms=[{"field": ["data", "name"]}], unique=True)
    widgets.create(C, {"name": "Ray"})
    err = widgets.raises(q.create(q.collection(C), {"data": {"name": "Ray"}}), BadRequest)
    # Renderable.scala InstanceNotUnique: "Document is not unique."
    assert error_fields(err)[:2] == ("instance not unique", "Document is not unique.")


def test_given_collection_and_doc_in_one_transaction_when_queried_then_400(fauna):
    # Fauna v4 docs functions/createcollection: "You cannot create a collection and insert documents into
    # that collection in the same transaction."; core Renderable.scala
    # CollectionAndDocumentCreatedInSameTx: "Cannot create a collection and a document in it in the same
    # transaction.". (Conflicting source: core api/CollectionSpec.scala says API < 5 still allows it.)
    err = fauna.raises(
        q.do(q.create_collection({"name": "fresh"}), q.create(q.collection("fresh"), {"data": {}})), BadRequest
    )
    # ast/Error.scala: CollectionAndDocumentCreatedInSameTx is an InvalidArgumentError.
    assert error_fields(err)[:2] == (
        "invalid argument",
        "Cannot create a collection and a document in it in the same transaction.",
    )
    assert fauna.q(q.exists(q.collection("fresh"))) is False


def test_given_collection_and_its_index_in_one_transaction_when_queried_then_400(fauna):
    # Fauna v4 docs functions/createindex: "(The index may not be used in its creation
    # transaction, and it may not be created in the same transaction as its source collections.)"
    fauna.raises(
        q.do(
            q.create_collection({"name": "fresh"}),
            q.create_index({"name": "fresh_idx", "source": q.collection("fresh")}),
        ),
        BadRequest,
    )


def test_given_index_created_in_this_transaction_when_used_in_it_then_400(widgets):
    # Fauna v4 docs functions/createindex: an index cannot be used in the transaction that
    # creates it.
    widgets.raises(
        q.do(
            q.create_index({"name": "w_all", "source": q.collection(C)}),
            q.paginate(q.match(q.index("w_all"))),
        ),
        BadRequest,
    )


# -- 403 ----------------------------------------------------------------------------------------------------


def _client_key_client(fauna):
    fauna.q(q.create_database({"name": "app"}))
    admin = fauna.client_for(fauna.q(q.create_key({"database": q.database("app"), "role": "admin"}))["secret"])
    admin.query(q.create_collection({"name": C}))
    admin.query(q.create_index({"name": "w_all", "source": q.collection(C)}))
    admin.query(q.create(q.collection(C), {"data": {"x": 1}}))
    secret = fauna.q(q.create_key({"database": q.database("app"), "role": "client"}))["secret"]
    return admin, fauna.client_for(secret)


def test_given_client_key_when_paginating_databases_then_403_permission_denied_at_paginate(fauna):
    # driver tests/test_errors.py::test_permission_denied: client key, paginate(Ref("databases")) ->
    # PermissionDenied, "permission denied" at ["paginate"]; description from Renderable.scala.
    _, client_key = _client_key_client(fauna)
    err = fauna.raises(q.paginate(q.databases()), PermissionDenied, client=client_key)
    assert error_fields(err) == ("permission denied", "Insufficient privileges to perform the action.", ["paginate"])


def test_given_client_key_when_paginating_an_index_then_403_at_paginate(fauna):
    # core api/IndexSpec.scala "indexes cannot be read by users without permission": Forbidden; the set is
    # refused as a whole (core model/set/IndexSet.scala filteredForRead -> None -> ReadAdaptor.setForRead
    # PermissionDenied at the set's position).
    admin, client_key = _client_key_client(fauna)
    expr = q.paginate(q.match(q.index("w_all")))
    assert admin.query(expr)["data"]  # the admin key of the same database reads it
    err = fauna.raises(expr, PermissionDenied, client=client_key)
    assert error_fields(err) == ("permission denied", "Insufficient privileges to perform the action.", ["paginate"])


def test_given_client_key_when_paginating_documents_then_an_empty_page_not_403(fauna):
    # The documents set is filtered document by document, never refused (core model/set/DocumentsSet.scala
    # filteredForRead keeps the set; ast/functions/ReadAdaptor.scala paginate drops each element the key
    # may not read; ABACSpec "filter documents": IsEmpty(Paginate(Documents(cls))) for a key without privileges).
    admin, client_key = _client_key_client(fauna)
    expr = q.paginate(q.documents(q.collection(C)))
    assert admin.query(expr)["data"]
    assert client_key.query(expr) == {"data": []}


# -- inactive index ---------------------------------------------------------------------------------------


def test_given_more_than_128_source_events_when_creating_index_then_it_starts_inactive(widgets):
    # core doc/Index.scala BuildSyncSize = 128: <=128 events -> synchronous build, active at
    # creation; otherwise a background build, active false until done.
    widgets.q(q.do(*[q.create(q.collection(C), {"data": {"n": i}}) for i in range(150)]))
    created = widgets.index("big_idx", C)
    assert created["active"] is False


def test_given_at_most_128_source_events_when_creating_index_then_active_at_creation(widgets):
    # core queries/IndexSpec.scala "creates an index": active true immediately.
    widgets.q(q.do(*[q.create(q.collection(C), {"data": {"n": i}}) for i in range(100)]))
    created = widgets.index("small_idx", C)
    assert created["active"] is True
    assert len(widgets.all_of(q.match(q.index("small_idx")))) == 100


def test_given_inactive_index_when_matching_then_400_instance_not_found_index_not_active(widgets):
    # core Error.scala IndexInactive, Renderable.scala: inactive index -> 400 (not 404) "instance not found", "Index
    # 'x' is not active.". Checked inside one snapshot: either the build already finished, or the read must fail that
    # way.
    widgets.q(q.do(*[q.create(q.collection(C), {"data": {"n": i}}) for i in range(150)]))
    widgets.index("big_idx", C)
    probe = q.if_(q.select("active", q.get(q.index("big_idx"))), "active", q.paginate(q.match(q.index("big_idx"))))
    try:
        result = widgets.q(probe)
    except BadRequest as err:
        assert error_fields(err)[:2] == ("instance not found", "Index 'big_idx' is not active.")
    else:
        assert result == "active"


# -- several errors in one query -----------------------------------------------------------------------


def test_given_a_parse_error_anywhere_when_queried_then_nothing_is_evaluated_or_committed(widgets):
    # core ast/EvalContext.scala parseAndEvalTopLevel: the whole expression is parsed before evaluation, so
    # an unknown form anywhere fails the query with "invalid expression" and the Create never runs.
    err = widgets.raises(q.do(q.create(ref(1), {"data": {}}), _Expr({"frobnicate": 1})), BadRequest)
    assert error_fields(err)[0] == "invalid expression"
    assert widgets.q(q.exists(ref(1))) is False


def test_given_array_elements_failing_differently_when_evaluated_then_all_errors_and_status_by_priority(widgets):
    # core ast/EvalContext.scala evalList accumulates the errors of every element; ast/Error.scala
    # statusCode picks the status of the highest-priority error (parse > invalid argument > permission >
    # other): InstanceNotFound (404) + InvalidArgument (400) -> 400 with both errors listed.
    response = widgets.raw([q.get(ref(404)), q.epoch("x", "second")])
    assert response.status_code == 400
    codes = sorted(e["code"] for e in json.loads(response.content)["errors"])
    assert codes == ["instance not found", "invalid argument"]


def test_given_two_missing_documents_in_an_array_when_evaluated_then_404_with_two_errors(widgets):
    # core ast/EvalContext.scala evalList (errors accumulate); ast/Error.scala statusCode (404 for
    # InstanceNotFound).
    response = widgets.raw([q.get(ref(1)), q.get(ref(2))])
    assert response.status_code == 404
    assert [e["code"] for e in json.loads(response.content)["errors"]] == ["instance not found", "instance not found"]
