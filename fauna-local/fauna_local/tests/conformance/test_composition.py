"""Compositional evaluation: expressions the connector never sends, nested in each other.

Sources: core `ext/model/src/main/scala/ast/Parser.scala` (forms: let/in with array and object bindings,
sequential binding; lambda patterns: string, "_" and arrays; if/then/else; do; select/from/default;
at/expr), driver `tests/test_query.py` (test_let, test_if, test_do, test_map, test_filter,
test_select, test_select_array, test_object, test_lambda_query_multiple_args), core
`queries/BasicFunctionsSpec.scala` (Select on refs: "id", "collection"), core Renderable.scala
(InvalidLambdaArity: "Lambda expects an array with 2 elements. Array contains 3."), Fauna v4 docs
functions/format, functions/map, functions/filter.
"""

import pytest
from faunadb import query as q
from faunadb.errors import BadRequest
from faunadb.objects import FaunaTime, _Expr

from .conftest import coll_ref, doc_ref, error_fields

C = "shapes"


def ref(i):
    return q.ref(q.collection(C), str(i))


@pytest.fixture
def shapes(fauna):
    fauna.collection(C)
    fauna.q(
        q.do(
            q.create(ref(1), {"data": {"kind": "circle", "n": 1, "tags": ["a"]}}),
            q.create(ref(2), {"data": {"kind": "square", "n": 2}}),
            q.create(ref(3), {"data": {"kind": "circle", "n": 3, "tags": ["b", "c"]}}),
        )
    )
    return fauna


def test_given_let_forms_when_evaluated_then_bindings_are_sequential(fauna):
    # driver test_query.py::test_let; Parser.scala "let"/"in": array of single-key objects or an object,
    # each binding sees the previous ones.
    assert fauna.q(q.let({"x": 1, "y": 2}, q.var("x"))) == 1
    assert fauna.q(q.let(x=1, y=2).in_(q.var("x"))) == 1
    arr = _Expr({"let": [{"x": 1}, {"y": {"var": "x"}}], "in": [{"var": "x"}, {"var": "y"}]})
    assert fauna.q(arr) == [1, 1]
    obj = _Expr({"let": {"x": "a", "y": {"var": "x"}}, "in": {"var": "y"}})
    assert fauna.q(obj) == "a"


def test_given_if_with_an_abort_in_the_branch_not_taken_when_evaluated_then_no_error(fauna):
    # driver test_query.py::test_if; Parser.scala IfE keeps both branches unevaluated until the condition
    # is known.
    assert fauna.q(q.if_(True, "t", "f")) == "t"
    assert fauna.q(q.if_(False, "t", "f")) == "f"
    assert fauna.q(q.if_(True, "ok", q.abort("not taken"))) == "ok"
    assert fauna.q(q.if_(q.equals(1, 2), q.abort("not taken"), "ok")) == "ok"


def test_given_do_when_evaluated_then_returns_the_last_value(fauna):
    # driver test_query.py::test_do: do(1) == 1, do(1, 2) == 2, do([1, 2]) == [1, 2].
    assert fauna.q(q.do(1)) == 1
    assert fauna.q(q.do(1, 2)) == 2
    assert fauna.q(q.do([1, 2])) == [1, 2]


def test_given_select_forms_when_evaluated_then_paths_defaults_and_indexes_work(fauna):
    # driver test_query.py::test_select / test_select_array.
    obj = {"a": {"b": 1}}
    assert fauna.q(q.select("a", obj)) == {"b": 1}
    assert fauna.q(q.select(["a", "b"], obj)) == 1
    assert fauna.q(q.select("c", obj, None)) is None
    assert fauna.q(q.select(["a", "zz"], obj, "dflt")) == "dflt"
    assert fauna.q(q.select(2, [1, 2, 3])) == 3
    assert fauna.q(q.select(["x", 1, "y"], {"x": [{"y": 0}, {"y": 5}]})) == 5


def test_given_refs_when_selecting_id_and_collection_then_their_parts(shapes):
    # core BasicFunctionsSpec "can extract `id`, `class`, `database` from ref" (v2.7+: "collection").
    assert shapes.q(q.select("id", ref(2))) == "2"
    assert shapes.q(q.select("collection", ref(2))) == coll_ref(C)
    assert shapes.q(q.select("id", q.collection(C))) == C
    assert shapes.q(q.select(["ref", "collection"], q.get(ref(2)))) == coll_ref(C)


def test_given_object_literal_with_expressions_when_evaluated_then_values_evaluated(fauna):
    # driver test_query.py::test_object: {"x": let({"x": 1}, var("x"))} -> {"x": 1}.
    assert fauna.q({"x": q.let({"x": 1}, q.var("x"))}) == {"x": 1}


def test_given_array_destructuring_lambda_when_mapping_then_elements_bind_by_position(fauna):
    # driver test_query.py::test_lambda_query_multiple_args (map with a two-argument lambda over pairs);
    # Parser.scala parseLambdaPat: array patterns and "_".
    pairs = [[1, "one"], [2, "two"]]
    assert fauna.q(q.map_(q.lambda_(["n", "s"], q.var("s")), pairs)) == ["one", "two"]
    assert fauna.q(q.map_(q.lambda_(["_", "s"], q.var("s")), pairs)) == ["one", "two"]
    assert fauna.q(q.map_(q.lambda_("_", "k"), [1, 2, 3])) == ["k", "k", "k"]


def test_given_destructuring_lambda_with_wrong_arity_when_mapping_then_400_invalid_argument(fauna):
    # ast/Error.scala InvalidLambdaArity (InvalidArgumentError); Renderable.scala:
    # "Lambda expects an array with 2 elements. Array contains 3.".
    err = fauna.raises(q.map_(q.lambda_(["a", "b"], q.var("a")), [[1, 2, 3]]), BadRequest)
    assert error_fields(err)[:2] == ("invalid argument", "Lambda expects an array with 2 elements. Array contains 3.")


def test_given_filter_over_an_array_when_evaluated_then_keeps_matching_elements_in_order(fauna):
    # driver test_query.py::test_filter (Filter keeps elements whose lambda is true).
    assert fauna.q(q.filter_(q.lambda_("a", q.equals(q.var("a"), 2)), [1, 2, 3, 2])) == [2, 2]


def test_given_nested_let_map_filter_select_if_when_evaluated_over_documents_then_expected_values(shapes):
    # Composition of Let, Map, Filter, Select (with default), If, Equals, Get and Paginate; each form's
    # semantics from the driver tests named in the module docstring.
    expr = q.let(
        {"docs": q.map_(q.lambda_("r", q.get(q.var("r"))), q.paginate(q.documents(q.collection(C))))},
        q.map_(
            q.lambda_(
                "d",
                q.if_(
                    q.equals(q.select(["data", "n"], q.var("d")), 1),
                    "first",
                    [q.select(["ref", "id"], q.var("d")), q.select(["data", "tags", 1], q.var("d"), "none")],
                ),
            ),
            q.filter_(
                q.lambda_("d", q.equals(q.select(["data", "kind"], q.var("d")), "circle")),
                q.select("data", q.var("docs")),
            ),
        ),
    )
    assert shapes.q(expr) == ["first", ["3", "c"]]


def test_given_map_of_paginate_of_map_when_evaluated_then_inner_results_nest(shapes):
    # Map over a page of refs producing objects with Select and nested Map over an array field.
    expr = q.map_(
        q.lambda_(
            "r",
            {
                "id": q.select("id", q.var("r")),
                "tags": q.map_(q.lambda_("t", [q.var("t"), q.var("t")]), q.select(["data", "tags"], q.get(q.var("r")), [])),
            },
        ),
        q.paginate(q.documents(q.collection(C)), size=2),
    )
    assert shapes.q(expr) == {
        "after": [doc_ref(C, 3)],
        "data": [{"id": "1", "tags": [["a", "a"]]}, {"id": "2", "tags": []}],
    }


def test_given_at_inside_let_inside_map_when_evaluated_then_each_read_uses_its_own_time(fauna):
    # Fauna v4 docs functions/at; driver test_query.py::test_at -- At nests anywhere.
    fauna.collection(C)
    v1 = fauna.create(C, {"v": 1}, doc_id="1")
    fauna.q(q.update(ref(1), {"data": {"v": 2}}))
    expr = q.map_(
        q.lambda_("t", q.let({"doc": q.at(q.var("t"), q.get(ref(1)))}, q.select(["data", "v"], q.var("doc")))),
        [v1["ts"], q.to_micros(q.now())],
    )
    assert fauna.q(expr) == [1, 2]


def test_given_time_epoch_and_to_micros_when_composed_then_consistent(fauna):
    # driver test_query.py::test_time/test_epoch/test_to_micros.
    assert fauna.q(q.to_micros(q.time("1970-01-01T00:00:01Z"))) == 1000000
    assert fauna.q(q.equals(q.epoch(1, "second"), q.time("1970-01-01T00:00:01Z"))) is True
    assert fauna.q(q.epoch(q.to_micros(q.time("1970-01-01T00:00:02Z")), "microsecond")) == FaunaTime("1970-01-01T00:00:02Z")


@pytest.mark.parametrize(
    "fmt, values, expected",
    [
        ("%s %s %s %s", ["str", True, False, None], "str true false null"),
        ("%d %o %x", [15, 15, 15], "15 17 f"),
        ("%2$s%3$s %1$s", ["rocks", "Fauna", "DB"], "FaunaDB rocks"),
        ("%.2f", [3.14159], "3.14"),
        ("%-20s", ["str"], "str                 "),
        ("%%", [], "%"),
    ],
    ids=["strings", "ints", "explicit-index", "precision", "left-justify", "percent"],
)
def test_given_format_specifiers_when_evaluated_then_core_spec_results(fauna, fmt, values, expected):
    # core ext/api/src/test/scala/queries/StringFunctionsSpec.scala "format" (same inputs and outputs).
    assert fauna.q(q.format(fmt, values)) == expected


def test_given_format_inside_map_over_documents_when_evaluated_then_one_string_per_document(shapes):
    # Format composed with Map/Select/Get (StringFunctionsSpec semantics for %s and %d).
    expr = q.map_(
        q.lambda_("r", q.format("%s:%d", q.select(["data", "kind"], q.get(q.var("r"))), q.select(["data", "n"], q.get(q.var("r"))))),
        q.select("data", q.paginate(q.documents(q.collection(C)))),
    )
    assert shapes.q(expr) == ["circle:1", "square:2", "circle:3"]


def test_given_exists_and_equals_over_sets_and_refs_when_composed_then_booleans(shapes):
    # driver test_query.py::test_exists / test_equals.
    assert shapes.q([q.exists(ref(1)), q.exists(ref(99)), q.equals(ref(1), ref(1)), q.equals(ref(1), ref(2))]) == [
        True,
        False,
        True,
        False,
    ]


def test_given_paginate_of_collections_mapped_with_get_when_evaluated_then_collection_documents(shapes):
    # Map + Get over a schema set (core BasicFunctionsSpec maps Get over Paginate(Keys/Collections)).
    page = shapes.q(q.map_(q.lambda_("c", q.select("name", q.get(q.var("c")))), q.paginate(q.collections())))
    assert page == {"data": [C]}


def test_given_paginate_keys_and_databases_mapped_when_evaluated_then_roles_and_names(fauna):
    # core BasicFunctionsSpec: MapF(Lambda(r => Get(r)), Paginate(Keys)) -> key documents with `role` and
    # `database`; driver test_query.py::test_nested_keys.
    fauna.q(q.create_database({"name": "d1"}))
    fauna.q(q.create_key({"database": q.database("d1"), "role": "server"}))
    fauna.q(q.create_key({"database": q.database("d1"), "role": "admin"}))
    roles = fauna.q(q.map_(q.lambda_("k", q.select("role", q.get(q.var("k")))), q.paginate(q.keys())))
    assert roles == {"data": ["server", "admin"]}
    dbs = fauna.q(q.map_(q.lambda_("d", q.select("name", q.get(q.var("d")))), q.paginate(q.databases())))
    assert dbs == {"data": ["d1"]}


def test_given_create_key_composed_with_select_and_get_when_evaluated_then_secret_string(fauna):
    # driver test_query.py::test_create_key, with the database ref computed by Select(Get(Database())).
    fauna.q(q.create_database({"name": "composed"}))
    secret = fauna.q(
        q.let(
            {"db": q.select("ref", q.get(q.database("composed")))},
            q.select("secret", q.create_key({"database": q.var("db"), "role": "server"})),
        )
    )
    assert isinstance(secret, str)
    assert fauna.client_for(secret).query(q.paginate(q.collections())) == {"data": []}


def test_given_abort_deep_inside_map_when_evaluated_then_400_transaction_aborted(shapes):
    # core BasicFunctionsSpec "abort": Abort anywhere aborts the transaction ("transaction aborted").
    expr = q.map_(q.lambda_("r", q.if_(q.equals(q.select("id", q.var("r")), "2"), q.abort("two!"), 0)), q.paginate(q.documents(q.collection(C))))
    err = shapes.raises(expr, BadRequest)
    assert error_fields(err)[:2] == ("transaction aborted", "two!")


@pytest.mark.parametrize(
    "expr, code, description, position",
    [
        (_Expr({"if": "yes", "then": 1, "else": 2}), "invalid argument", "Boolean expected, String provided.", ["if"]),
        (_Expr({"var": 1}), "invalid expression", "String expected, Integer provided.", ["var"]),
        (_Expr({"do": []}), "invalid expression", "Expression list cannot be empty.", ["do"]),
    ],
    ids=["if-non-boolean", "var-non-string", "empty-do"],
)
def test_given_ill_typed_forms_when_evaluated_then_400_with_the_core_code_and_position(fauna, expr, code, description, position):
    # ast/EvalContext.scala IfE: Casts.Boolean(cond, pos at "if") -> InvalidArgument; ast/Parser.scala
    # "var": InvalidExprType(String, ..., pos at "var") and "do": EmptyExpr(pos at "do") are parse errors
    # ("invalid expression", ast/Error.scala); descriptions from Renderable.scala.
    err = fauna.raises(expr, BadRequest)
    assert error_fields(err) == (code, description, position)


def test_given_lambda_with_a_free_variable_when_mapping_then_400_variable_not_defined(fauna):
    # Parser.scala lambdas: free variables of a lambda body must be bound; ast/Error.scala UnboundVariable
    # ("invalid expression"); Renderable.scala "Variable 'y' is not defined.".
    err = fauna.raises(q.map_(q.lambda_("x", q.var("y")), [1]), BadRequest)
    assert error_fields(err)[:2] == ("invalid expression", "Variable 'y' is not defined.")


def test_given_time_now_when_evaluated_then_a_time(fauna):
    # driver test_query.py::test_time: time("now") is a FaunaTime.
    assert isinstance(fauna.q(q.time("now")), FaunaTime)


def test_given_lambdas_inside_let_when_mapping_then_they_close_over_outer_bindings_and_params_shadow(fauna):
    # core ast/EvalContext.scala: a LambdaE evaluates to LambdaL(e, bindings) (closure over the current
    # bindings); on application the arguments are added last, so a parameter shadows an outer name.
    expr = q.let(
        {"k": 10, "x": "outer"},
        [
            q.map_(q.lambda_("v", [q.var("k"), q.var("v")]), [1, 2]),
            q.map_(q.lambda_("x", q.var("x")), ["inner"]),
            q.var("x"),
        ],
    )
    assert fauna.q(expr) == [[[10, 1], [10, 2]], ["inner"], "outer"]


def test_given_nested_maps_and_filters_when_evaluated_then_inner_results_are_arrays(fauna):
    # driver test_query.py::test_map / test_filter, nested.
    expr = q.map_(
        q.lambda_("row", q.filter_(q.lambda_("v", q.equals(q.select("keep", q.var("v")), True)), q.var("row"))),
        [[{"keep": True, "n": 1}, {"keep": False, "n": 2}], [{"keep": False, "n": 3}]],
    )
    assert fauna.q(expr) == [[{"keep": True, "n": 1}], []]


def test_given_1000_documents_when_mapping_get_over_one_page_of_1000_then_all_documents_in_id_order(fauna):
    # the connector's read, Map(Paginate(Documents(c), size), Lambda(x, Get(x))); core ReadAdaptor.MaxPageSize
    # (size up to 100000 honoured), PaginateFunction.scala (last page has no `after`), DocID.scala (numeric id order).
    fauna.collection(C)
    fauna.q(q.do(*[q.create(q.ref(q.collection(C), str(i)), {"data": {"i": i}}) for i in range(1, 1001)]))
    page = fauna.q(q.map_(q.lambda_("r", q.get(q.var("r"))), q.paginate(q.documents(q.collection(C)), size=1000)))
    assert "after" not in page
    assert [d["data"]["i"] for d in page["data"]] == list(range(1, 1001))


def test_given_indexes_when_mapping_get_over_paginate_indexes_then_source_and_values_as_created(fauna):
    # The connector's index discovery: Map(Paginate(Indexes()), Lambda(i, Get(i))); core api/IndexSpec.scala:
    # field specs echoed as given.
    fauna.collection(C)
    fauna.index("by_ts", C, values=[{"field": "ts"}, {"field": "ref"}])
    page = fauna.q(q.map_(q.lambda_("i", q.get(q.var("i"))), q.paginate(q.indexes())))
    assert [(d["name"], d["source"], d["values"]) for d in page["data"]] == [
        ("by_ts", coll_ref(C), [{"field": "ts"}, {"field": "ref"}])
    ]
