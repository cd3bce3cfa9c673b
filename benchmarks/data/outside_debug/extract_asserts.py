"""Build ``cases_asserts.jsonl``: runtime errors CPython's own tests expect from everyday code.

Source: CPython 3.11.7's ``Lib/test`` as installed under ``/root/.pyenv`` (PSF licence), the
test modules of the built-in types and the everyday library (``MODULES``: int, float, str,
list, dict, set, math, scope, exceptions, import, iter, codecs, json, …). Every

    with self.assertRaises(SomeError):          # or assertRaisesRegex(SomeError, …)
        <statements>
    self.assertRaises(SomeError, func, *args)   # the call form

whose code does not touch the test object (``self``) becomes a program: those statements (or
``func(*args)``) plus the earlier statements of the same test method they need (the same
backward slice as extract_teaching.py). Each program runs as a script ``cell.py`` under
CPython 3.11.7 (extract_runtime.run_as_script) and is kept only when it raises what the test
expects (that type or a subclass), from the expected statement. SyntaxErrors are left out. At
most ``PER_KIND`` cases per (type, message kind) and ``PER_TYPE`` per type, the first by hash
(``select``), and every 5th by the code's SHA-256 is holdout.

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_asserts.py
    .venv/bin/python benchmarks/data/outside_debug/labels.py
"""

from __future__ import annotations

import ast
import builtins
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from extract_runtime import case_row, finish  # noqa: E402
from extract_teaching import Chunk, program, run_expecting  # noqa: E402

TESTS = Path("/root/.pyenv/versions/3.11.7/lib/python3.11/test")
MODULES = [
    "test_int", "test_float", "test_long", "test_complex", "test_bool", "test_unicode", "test_string",
    "test_fstring", "test_format", "test_bytes", "test_list", "test_tuple", "test_dict", "test_set",
    "test_range", "test_enumerate", "test_index", "test_math", "test_pow", "test_builtin", "test_scope",
    "test_exceptions", "test_raise", "test_import/__init__", "test_iter", "test_generators",
    "test_genexps", "test_unpack", "test_class", "test_property", "test_super", "test_codecs",
    "test_json/test_decode", "test_json/test_fail", "test_random", "test_statistics", "test_fractions",
    "test_itertools", "test_collections", "test_deque", "test_heapq", "test_bisect", "test_operator",
    "test_functools", "test_userdict", "test_userlist", "test_sort", "test_augassign", "test_binop",
    "test_file", "test_os", "test_csv", "test_re", "test_time", "test_datetime", "test_calendar",
    "test_keywordonlyarg", "test_positional_only_arg", "test_extcall", "test_with", "test_sys",
]  # fmt: skip
PER_KIND = 6
PER_TYPE = 25  # so TypeError's and ValueError's hundreds of argument checks don't swamp the set
SYNTAX = {"SyntaxError", "IndentationError", "TabError"}
DROPPED = {"other": "not the expected error when run alone", "early": "raised before the expected statement"}


def _exc_name(node: ast.AST) -> str | None:
    cls = getattr(builtins, node.id, None) if isinstance(node, ast.Name) else None
    if isinstance(cls, type) and issubclass(cls, BaseException) and cls.__name__ not in SYNTAX:
        return cls.__name__
    return None


def _is_assert_raises(call: ast.AST) -> bool:
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in ("assertRaises", "assertRaisesRegex")
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "self"
        and bool(call.args)
    )


def _uses_self(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id in ("self", "cls") for n in ast.walk(node))


def cases_in(path: Path) -> list[tuple[str, str, int, list[Chunk], int]]:
    """(test name, expected type, line, chunks, index of the failing chunk) per expectation."""
    src = path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test"):
            continue
        chunks: list[Chunk] = []
        for stmt in fn.body:
            expected, body = None, None
            if (
                isinstance(stmt, ast.With)
                and len(stmt.items) == 1
                and _is_assert_raises(stmt.items[0].context_expr)
            ):
                call = stmt.items[0].context_expr
                expected = _exc_name(call.args[0])
                body = textwrap.dedent(
                    "\n".join(ast.get_source_segment(src, s, padded=True) for s in stmt.body)
                )
                if _uses_self(ast.Module(body=stmt.body, type_ignores=[])):
                    expected = None
            elif isinstance(stmt, ast.Expr) and _is_assert_raises(stmt.value) and len(stmt.value.args) >= 2:
                call = stmt.value
                expected = _exc_name(call.args[0])
                fargs = [ast.get_source_segment(src, a) for a in call.args[2:]]
                fargs += [f"{k.arg}={ast.get_source_segment(src, k.value)}" for k in call.keywords if k.arg]
                func = ast.get_source_segment(src, call.args[1])
                body = f"{func}({', '.join(fargs)})"
                if _uses_self(call.args[1]) or any(_uses_self(a) for a in call.args[2:]) or call.keywords:
                    expected = None
            if expected and body:
                chunks.append(Chunk(body.rstrip() + "\n", stmt.lineno, expected))
                out.append((fn.name, expected, stmt.lineno, list(chunks), len(chunks) - 1))
            elif not _uses_self(stmt):
                seg = ast.get_source_segment(src, stmt, padded=True)
                if seg is not None:
                    chunks.append(Chunk(textwrap.dedent(seg).rstrip() + "\n", stmt.lineno, None))
    return out


def select(rows: list[dict]) -> list[dict]:
    """At most PER_KIND per (type, kind), then at most PER_TYPE per type; the first by hash."""
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["id"]):
        by_kind[(r["error_type"], r["kind"])].append(r)
    capped = sorted((r for group in by_kind.values() for r in group[:PER_KIND]), key=lambda r: r["id"])
    per_type: dict[str, int] = defaultdict(int)
    out = []
    for r in capped:
        per_type[r["error_type"]] += 1
        if per_type[r["error_type"]] <= PER_TYPE:
            out.append(r)
    return out


def main() -> int:
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    dropped: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for mod in MODULES:
        path = TESTS / f"{mod}.py"
        if not path.exists():
            dropped["module missing"] += 1
            continue
        for test, expected, line, chunks, k in cases_in(path):
            built = program(chunks, k)
            if built is None:
                dropped["does not parse"] += 1
                continue
            code, start = built
            if code in seen or len(code) > 1500:
                continue
            seen.add(code)
            ran = run_expecting(code, start, expected)
            if isinstance(ran, str):
                dropped[DROPPED[ran]] += 1
                continue
            stderr, etype, message = ran
            source = f"cpython@v3.11.7/Lib/test/{mod}.py:{line} ({test})"
            row = case_row("cpt", code, source, etype, message, stderr, "PSF-2.0")
            by_kind[(etype, row["kind"])].append(row)
    rows = select([r for group in by_kind.values() for r in group])
    return finish(rows, "cases_asserts.jsonl", len(by_kind), dropped)


if __name__ == "__main__":
    sys.exit(main())
