"""FQL function families; importing this package registers every function with the compiler."""

from fauna_local.language.functions import basic, collection, refs, sets, read, write, schema, time, strings  # noqa: F401
