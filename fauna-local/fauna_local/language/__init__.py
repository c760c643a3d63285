"""The FQL v4 language: compile a JSON expression (dispatch by exact key set) and evaluate it."""

from fauna_local.language import functions  # noqa: F401  (registers every function)
from fauna_local.language.compiler import FUNCTIONS, Context, compile_expr

__all__ = ["FUNCTIONS", "Context", "compile_expr"]
