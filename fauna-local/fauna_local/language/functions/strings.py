"""String functions: format (printf-like, core `StringFunctions.scala`), concat, case, length."""

from __future__ import annotations

import re
from typing import Any, List

from fauna_local.language import args, errors
from fauna_local.language.compiler import Context, function
from fauna_local.language.functions.basic import _to_string

_SPEC = re.compile(r"%(\d+\$)?([-#+ 0,(]*)?(\d+)?(\.\d+)?([a-zA-Z%@])")


@function("format", optional=("values",))
def _format(ctx: Context, pos: List[Any], fmt: Any, values: Any = None) -> str:
    """Java-style format: %s %d %f %x %o %e %b %c %n %%, positional `%1$s`, width/precision, %@ (FQL)."""
    text = args.string(fmt, pos + ["format"])
    items = values if isinstance(values, list) else ([] if values is None else [values])
    out, i, last = [], 0, 0
    for m in _SPEC.finditer(text):
        out.append(text[last:m.start()])
        last = m.end()
        index, flags, width, precision, conv = m.groups()
        if conv == "%":
            out.append("%")
            continue
        if conv == "n":
            out.append("\n")
            continue
        if index:
            j = int(index[:-1]) - 1
        else:
            j, i = i, i + 1
        if j >= len(items):
            raise errors.invalid_argument(f"Missing argument for format specifier '{m.group(0)}'.", pos + ["values"])
        v = args.plain(items[j])
        pyflags = (flags or "").replace(",", "").replace("(", "")
        spec = "%" + pyflags + (width or "") + (precision or "")
        try:
            if conv in "sS@":
                s = v if isinstance(v, str) else _to_string(ctx, pos, v) if not isinstance(v, (dict, list)) else str(v)
                s = (spec + "s") % s
                out.append(s.upper() if conv == "S" else s)
            elif conv in "dxXoeEfgG":
                out.append((spec + conv) % v)
            elif conv in "bB":
                out.append((spec + "s") % ("true" if v else "false") if v is not None else "false")
            elif conv == "c":
                out.append((spec + "c") % v)
            else:
                raise errors.invalid_argument(f"Invalid format specifier '{m.group(0)}'.", pos + ["format"])
        except TypeError:
            raise errors.invalid_argument(f"Invalid argument for format specifier '{m.group(0)}'.", pos + ["values"]) from None
    out.append(text[last:])
    return "".join(out)


@function("concat", optional=("separator",))
def _concat(ctx: Context, pos: List[Any], items: Any, separator: Any = None) -> str:
    parts = items if isinstance(items, list) else [items]
    return (separator or "").join(args.string(p, pos + ["concat"]) for p in parts)


@function("lowercase")
def _lower(ctx: Context, pos: List[Any], s: Any) -> str:
    return args.string(s, pos + ["lowercase"]).lower()


@function("uppercase")
def _upper(ctx: Context, pos: List[Any], s: Any) -> str:
    return args.string(s, pos + ["uppercase"]).upper()


@function("length")
def _length(ctx: Context, pos: List[Any], s: Any) -> int:
    return len(args.string(s, pos + ["length"]))
