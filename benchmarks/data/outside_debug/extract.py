"""Extract an outside evaluation set for the debug tutor from CPython's own tests of its
error messages (nothing here is written by hand).

Sources (all on this machine, CPython's Lib/test of 3.11, 3.12 and 3.13):
  test_syntax.py        doctest examples ending in a traceback, and the code argument of
                        ``self._check_error(code, ...)`` (a Name argument is resolved to the
                        string last assigned to it in the same function)
  test_exceptions.py    code arguments of ``check(src, ...)``, ``ckmsg(src, ...)``, compile/exec/eval
  test_traceback.py     code arguments of compile/exec/eval
  test_fstring.py       the snippet lists of ``assertAllRaise(ErrType, msg, [snippets])`` and
                        compile/exec/eval arguments
  test_grammar.py       ``check_syntax_error(self, code)`` and compile/exec/eval arguments
  test_eof.py           compile/exec/eval arguments
  test_string_literals.py, test_unicode_identifiers.py, test_keywordonlyarg.py,
  test_positional_only_arg.py: compile/exec/eval and check_syntax_error arguments

Every candidate is first compiled (never run) in a child interpreter; only the snippets that
this machine's CPython 3.11 rejects with SyntaxError/IndentationError/TabError are kept, plus
doctest examples whose expected output is a runtime traceback (NameError, TypeError, …),
which are run in isolation and kept only when they raise that same exception type.
Each kept snippet is then run as a script ``cell.py`` by CPython 3.11 in its own subprocess,
and the real stderr is stored as the traceback.

    # run by the newest Python here (it must parse 3.13 test files); the snippets are judged
    # by CPython 3.11 in child processes
    /root/.pyenv/versions/3.13.0/bin/python3 benchmarks/data/outside_debug/extract.py

Output rows: {id, source, code, error_type, message, kind, traceback, split}
  source  "cpython-3.12.1/Lib/test/test_syntax.py:1234 (doctest)" — file and line it came from
  kind    the message with quoted parts, names and numbers normalised: the "message kind"
  split   "holdout" for every 5th case by a hash of the code, else "dev"
"""

from __future__ import annotations

import ast
import doctest
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY311 = "/root/.pyenv/versions/3.11.7/bin/python3.11"
VERSIONS = {
    "3.11.7": "/root/.pyenv/versions/3.11.7/lib/python3.11/test",
    "3.12.1": "/root/.pyenv/versions/3.12.1/lib/python3.12/test",
    "3.13.0": "/root/.pyenv/versions/3.13.0/lib/python3.13/test",
}
FILES = [
    "test_syntax.py", "test_exceptions.py", "test_traceback.py", "test_fstring.py", "test_grammar.py",
    "test_eof.py", "test_string_literals.py", "test_unicode_identifiers.py", "test_keywordonlyarg.py",
    "test_positional_only_arg.py",
]  # fmt: skip
# callee name -> index of the code argument (None: every string argument, list elements included)
CODE_ARG = {
    "_check_error": 0, "check": 0, "ckmsg": 0, "compile": 0, "exec": 0, "eval": 0,
    "check_syntax_error": None, "assertAllRaise": 2, "_check_in_scopes": 0,
}  # fmt: skip
SYNTAX_TYPES = {"SyntaxError", "IndentationError", "TabError"}
MAX_LEN = 600


def _callee(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _strings(node: ast.AST) -> list[str]:
    """String values an argument expression certainly has."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        try:
            return [node.value.decode("utf-8")]
        except UnicodeDecodeError:
            return []
    if isinstance(node, ast.List | ast.Tuple):
        return [s for e in node.elts for s in _strings(e)]
    if isinstance(node, ast.Call) and _callee(node) == "dedent" and node.args:
        return [textwrap.dedent(s) for s in _strings(node.args[0])]
    return []


def _scopes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
            yield node


def call_candidates(tree: ast.Module) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for scope in _scopes(tree):
        assigned: dict[str, list[str]] = {}
        body_nodes = sorted(
            (n for n in ast.walk(scope) if isinstance(n, ast.Assign | ast.Call)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for node in body_nodes:
            if isinstance(node, ast.Assign):
                values = _strings(node.value)
                for target in node.targets:
                    if isinstance(target, ast.Name) and values:
                        assigned[target.id] = values
                continue
            name = _callee(node)
            if name not in CODE_ARG:
                continue
            index = CODE_ARG[name]
            args = node.args if index is None else node.args[index : index + 1]
            if name == "check_syntax_error" and isinstance(node.func, ast.Name):
                args = node.args[1:2]  # check_syntax_error(self, code, ...)
            elif name == "check_syntax_error":
                args = node.args[0:1]
            for arg in args:
                values = _strings(arg)
                if not values and isinstance(arg, ast.Name):
                    values = assigned.get(arg.id, [])
                out.extend((node.lineno, name, v) for v in values)
    return out


def doctest_candidates(text: str, tree: ast.Module) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    parser = doctest.DocTestParser()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and ">>>" in node.value):
            continue
        try:
            examples = parser.get_examples(node.value)
        except ValueError:
            continue
        for ex in examples:
            if ex.exc_msg is None:
                continue
            expected = ex.want.strip().splitlines()[-1] if ex.want.strip() else ""
            etype = expected.split(":")[0].split(".")[-1]
            out.append((node.lineno + ex.lineno, f"doctest:{etype}", ex.source.rstrip("\n")))
    return out


_CHECK = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
out = []
for src in json.load(sys.stdin):
    try:
        compile(src, "cell.py", "exec", dont_inherit=True)
        out.append(None)
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes
        out.append(type(exc).__name__)
    except Exception as exc:
        out.append("other:" + type(exc).__name__)
json.dump(out, sys.stdout)
"""


def compile_types(snippets: list[str]) -> list[str | None]:
    proc = subprocess.run(
        [PY311, "-S", "-c", _CHECK], input=json.dumps(snippets), capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)


def run_as_script(code: str, timeout: float = 5.0) -> str | None:
    with tempfile.TemporaryDirectory(prefix="outside-debug-") as tmp:
        path = Path(tmp, "cell.py")
        path.write_text(code, encoding="utf-8")
        try:
            proc = subprocess.run(
                [PY311, "-S", "-I", str(path)],
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=tmp,
                env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
            )
        except subprocess.TimeoutExpired:
            return None
        if proc.returncode == 0:
            return None
        return proc.stderr.replace(str(path), "/home/student/cell.py")


_LAST = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?:: (?P<msg>.*))?$")


def last_error(stderr: str) -> tuple[str, str] | None:
    for line in reversed(stderr.rstrip().splitlines()):
        m = _LAST.match(line)
        if m:
            return m.group("type").split(".")[-1], m.group("msg") or ""
    return None


def kind_of(message: str) -> str:
    """The message with its particulars normalised: one kind per wording of CPython's."""
    k = re.sub(r"\(detected at line \d+\)", "", message)
    k = re.sub(r"'[^']*'", "'…'", k)
    k = re.sub(r'"[^"]*"', "'…'", k)
    k = re.sub(r"\b(line|column)s? \d+", r"\1 N", k)
    k = re.sub(r"U\+[0-9A-F]+", "U+X", k)
    k = re.sub(r"\b\d+\b", "N", k)
    return k.strip()


def _is_code_like(src: str) -> bool:
    return 0 < len(src) <= MAX_LEN and src.strip() != "" and "\x00" not in src


def main() -> int:
    seen: dict[str, dict] = {}
    for version, folder in VERSIONS.items():
        for fname in FILES:
            path = Path(folder, fname)
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
            for lineno, how, src in [*doctest_candidates(text, tree), *call_candidates(tree)]:
                if not _is_code_like(src) or src in seen:
                    continue
                seen[src] = {
                    "source": f"cpython-{version}/Lib/test/{fname}:{lineno} ({how})",
                    "expected": how.split(":")[1] if how.startswith("doctest:") else None,
                }
    snippets = list(seen)
    kinds = compile_types(snippets)
    rows: list[dict] = []
    for src, compiled in zip(snippets, kinds, strict=True):
        info = seen[src]
        expected = info["expected"]
        if compiled in SYNTAX_TYPES:
            pass
        elif compiled is None and expected and expected not in SYNTAX_TYPES and expected != "":
            pass  # a runtime doctest example: run it and keep it if it raises what the test expects
        else:
            continue
        stderr = run_as_script(src)
        if stderr is None:
            continue
        found = last_error(stderr)
        if found is None:
            continue
        etype, message = found
        if compiled is None and etype != expected:
            continue
        if etype == "SyntaxWarning":
            continue
        digest = hashlib.sha256(src.encode()).hexdigest()
        rows.append(
            {
                "id": f"cpy-{digest[:10]}",
                "source": info["source"],
                "code": src,
                "error_type": etype,
                "message": message,
                "kind": kind_of(message),
                "traceback": stderr,
                "split": "holdout" if int(digest, 16) % 5 == 0 else "dev",
            }
        )
    rows.sort(key=lambda r: (r["source"].split(":")[0], int(r["source"].split(":")[1].split(" ")[0])))
    out = HERE / "cases.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    syn = [r for r in rows if r["error_type"] in SYNTAX_TYPES]
    print(f"{len(rows)} cases ({len(syn)} syntax, {len({r['kind'] for r in syn})} syntax kinds) -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
