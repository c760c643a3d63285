"""Compiler: dispatch by exact key set, parse errors with positions, compositional evaluation, constants."""

import pytest
from faunadb import query as q
from faunadb.objects import _Expr

from fauna_local.engine import Engine
from fauna_local.language.compiler import FUNCTIONS, compile_expr
from fauna_local.language.errors import FaunaError
from fauna_local.tests.helpers import error, ok


@pytest.fixture
def engine():
    return Engine()


def test_every_registered_function_declares_its_keys_once():
    # a spec's name key is never also one of its own argument keys
    for name, spec in FUNCTIONS.items():
        assert name not in spec.required + spec.optional, name


@pytest.mark.parametrize(
    "expr, position",
    [({"nope": 1}, []), ({"paginate": {"collections": None}, "page_size": 2}, []), ([1, {"add": [1], "x": 2}], [1])],
    ids=["unknown", "extra-key", "nested-in-array"],
)
def test_given_a_key_set_matching_no_form_when_compiled_then_invalid_expression_at_its_position(expr, position):
    # core ast/Parser.scala: dispatch by exact key set; "No form/function found, or invalid argument keys: { … }."
    with pytest.raises(FaunaError) as info:
        compile_expr(expr)
    assert (info.value.status, info.value.code, info.value.position) == (400, "invalid expression", position)
    assert info.value.description.startswith("No form/function found, or invalid argument keys: {")


def test_given_collection_key_alone_or_with_map_when_compiled_then_the_right_form_is_chosen(engine):
    # {"collection": x} is Collection; {"map": f, "collection": x} is Map (driver query.py encodings).
    assert ok(engine, q.map_(q.lambda_("x", q.add(q.var("x"), 1)), [1, 2])) == [2, 3]
    assert ok(engine, q.exists(q.collection("users"))) is False  # Collection form, undefined -> false


def test_given_nested_functions_when_evaluated_then_they_compose(engine):
    # Let / Lambda with array destructuring / Map / Filter / If / Select / Format nested freely.
    expr = q.let(
        {"pairs": [[1, "a"], [2, "b"], [3, "c"]]},
        q.map_(
            q.lambda_(["n", "s"], q.format("%s-%d", q.var("s"), q.var("n"))),
            q.filter_(q.lambda_(["n", "_"], q.if_(q.equals(q.var("n"), 2), False, True)), q.var("pairs")),
        ),
    )
    assert ok(engine, expr) == ["a-1", "c-3"]


def test_given_lambda_with_wrong_arity_when_mapped_then_invalid_argument(engine):
    status, code, _ = error(engine, q.map_(q.lambda_(["a", "b"], q.var("a")), [[1, 2, 3]]))
    assert (status, code) == (400, "invalid argument")


def test_given_literal_object_when_evaluated_twice_then_same_value_each_time(engine):
    # constant folding must not leak state between evaluations
    expr = q.map_(q.lambda_("x", q.merge({"a": 1}, {"b": q.var("x")})), [1, 2])
    assert ok(engine, expr) == [{"a": 1, "b": 1}, {"a": 1, "b": 2}]


def test_given_deep_nesting_when_compiled_then_400_not_a_crash(engine):
    body = b'{"add": [' * 3000 + b"1" + b"]}" * 3000
    status, out, _ = engine.execute(body, "secret")
    assert status == 400 and b"invalid expression" in out


def test_given_unsupported_function_when_posted_then_its_name_is_in_the_message(engine):
    status, code, description = error(engine, _Expr({"call": "fn", "arguments": []}))
    assert (status, code) == (400, "invalid expression") and "call" in description
