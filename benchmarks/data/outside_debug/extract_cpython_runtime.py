"""Build ``cases_cpython_runtime.jsonl``: runtime errors from the doctests of CPython's own tests.

Source (PSF licence, nothing written here): CPython 3.11.7's ``Lib/test`` as installed under
``/root/.pyenv``: every string constant holding doctest examples (docstrings, ``__test__``
strings) in which an example's expected output is a traceback of a runtime exception
(SyntaxError, IndentationError and TabError are left out: other sets cover them).

The program for a failing example is the same string's **earlier examples, all of them** (those
that expect an exception themselves are left out: they would stop the script), then the failing
example, so the state it fails in is the one its doctest builds. Many doctests run with their
test module's globals (``support.sortdict``), so when that program fails otherwise, the
backward slice of ``extract_teaching.program`` (only the earlier examples whose names the
failing one needs) is tried next; ``how`` records which one was kept. Each program runs as a
script ``cell.py`` under CPython 3.11.7 (``extract_runtime.run_as_script``: own subprocess, temp dir, isolated
mode, 10 s, 1 GB address space). It is kept only when

- it raises the expected type (or a subclass) from the failing example's lines (not earlier),
- the message matches the example's expected exception detail as doctest itself compares it
  (``doctest.OutputChecker`` with the example's own option flags, so ``IGNORE_EXCEPTION_DETAIL``
  and ``ELLIPSIS`` work as in the test run): the error is the one the test documents,
- the program imports nothing of the test suite (``test``, ``_test*``, ``doctest``, ``unittest``) and
  reads no ``input()``,
- the same failing example (file and line) is not already in ``cases_teaching.jsonl`` (which
  took a backward slice of the same doctests) and its code is in no other outside set.

**Every such doctest that runs alone is already in ``cases_teaching.jsonl``** (61; the other 59
need their test module's globals or the test suite), so the doctests give no new case. The cases
come from part B, the expectations of CPython's unit tests, read as ``extract_asserts.py`` reads
them (``cases_in``: every ``with self.assertRaises(E):`` block and ``self.assertRaises(E, f,
*args)`` call whose code does not touch the test object, plus the earlier statements of the test
method it needs) in that script's ``MODULES`` and in ``EXTRA_MODULES`` (built-in types, calls,
classes, comparisons, slices, decimal, enum, …), minus the expectations ``cases_asserts.jsonl``
kept (same file and line) and programs over ``MAX_CODE`` characters; kept only when the expected
type (or a subclass) is raised from the expected statement (``assertRaisesRegex``'s pattern is
not checked). ``how`` is "assertRaises".

At most ``PER_KIND`` cases per (error type, message kind), the first by SHA-256 of the code
(``extract_runtime.first_per_kind``). Split: every 5th case by that hash is holdout.

Labels (``labels_cpython_runtime.jsonl``) are written by this script with ``labels.label`` as it
stands (``ASSERTS_RULES``, ``TEACHING_RULES`` and ``RUNTIME_RULES``; no rule added for this
set), with one change to *which* rule applies, fixed before any reply was read: a row counts
as "the program raises it itself" only when the traceback's innermost line in ``cell.py`` is a
``raise`` statement. ``labels.label`` decides that from any ``raise X(`` in the code, which
misfires on doctests whose classes raise elsewhere (README, teaching set's known misfire).

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_cpython_runtime.py
"""

from __future__ import annotations

import ast
import doctest
import hashlib
import json
import os
import re
import sys
import warnings
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from extract import last_error  # noqa: E402
from extract_asserts import MODULES, cases_in  # noqa: E402
from extract_runtime import case_row, finish, first_per_kind, raises_expected, run_as_script, tally  # noqa: E402
from extract_teaching import Chunk, program  # noqa: E402
from labels import label  # noqa: E402

LIB = Path("/root/.pyenv/versions/3.11.7/lib/python3.11")
TESTS = LIB / "test"
PER_KIND = 6
SYNTAX = {"SyntaxError", "IndentationError", "TabError"}
_ERRLINE = re.compile(r"^(?:[\w.]+\.)?([A-Z]\w*(?:Error|Exception|Iteration|Exit|Interrupt|Warning))(?::|$)")
_TEST_IMPORT = re.compile(r"^\s*(?:from|import)\s+(?:test\b|_test|doctest\b|unittest\b)", re.M)
_MODULE_FRAME = re.compile(r'File "/home/student/cell\.py", line (\d+), in <module>')
_CELL_FRAME = re.compile(r'File "/home/student/cell\.py", line (\d+), in ')
# Part B: the test modules of the built-in types and everyday library that extract_asserts.py
# reads (its MODULES; the expectations it kept are left out), and these, which it does not.
EXTRA_MODULES = [
    "test_descr", "test_types", "test_compare", "test_richcmp", "test_slice", "test_contains",
    "test_dictviews", "test_dictcomps", "test_unary", "test_print", "test_string_literals",
    "test_isinstance", "test_funcattrs", "test_copy", "test_ordered_dict", "test_defaultdict",
    "test_enum", "test_dataclasses", "test_abc", "test_contextlib", "test_yield_from", "test_cmath",
    "test_decimal", "test_textwrap", "test_unicodedata", "test_posixpath", "test_fileio", "test_array",
    "test_struct", "test_memoryview", "test_call", "test_patma", "test_pprint", "test_copyreg",
    "test_numeric_tower", "test_genericpath", "test_named_expressions", "test_grammar",
    "test_exception_group", "test_frame", "test_keyword", "test_shlex", "test_fnmatch", "test_base64",
    "test_binascii", "test_urlparse", "test_ipaddress", "test_userstring", "test_heapq",
]  # fmt: skip
MAX_CODE = 1500
OTHER_SETS = (
    "cases.jsonl",
    "cases_runtime.jsonl",
    "cases_qa.jsonl",
    "cases_teaching.jsonl",
    "cases_asserts.jsonl",
    "cases_so.jsonl",
    "cases_so_input.jsonl",
    "cases_parso.jsonl",
)


def _rows(name: str) -> list[dict]:
    path = HERE / name
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def doctest_strings() -> list[tuple[Path, int, list[doctest.Example]]]:
    """(file, line of the string, its examples) for every string in Lib/test holding examples."""
    parser = doctest.DocTestParser()
    out = []
    for dirpath, dirnames, filenames in os.walk(TESTS):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = Path(dirpath, name)
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and ">>>" in node.value:
                    try:
                        examples = parser.get_examples(node.value)
                    except ValueError:
                        continue
                    out.append((path, node.lineno, examples))
    return out


def expected_type(ex: doctest.Example) -> str | None:
    if ex.exc_msg is None:
        return None
    m = _ERRLINE.match(ex.want.strip().splitlines()[-1].strip())
    return m.group(1) if m else None


def documented(ex: doctest.Example, message: str) -> bool:
    """The message is what the example's traceback shows, compared as doctest compares it."""
    flags = 0
    for flag, on in ex.options.items():
        if on:
            flags |= flag
    if flags & doctest.IGNORE_EXCEPTION_DETAIL:
        return True
    return doctest.OutputChecker().check_output(ex.exc_msg or "\n", message + "\n", flags)


def own_raise(code: str, stderr: str) -> bool:
    """The innermost line of the student's file in the traceback is a ``raise`` statement."""
    lines = [int(x) for x in _CELL_FRAME.findall(stderr)]
    if not lines:
        return False
    src = code.split("\n")
    return 0 < lines[-1] <= len(src) and src[lines[-1] - 1].lstrip().startswith("raise")


def label_row(row: dict) -> tuple[str, list[list[str]]]:
    if own_raise(row["code"], row["traceback"]):
        return "runtime:own-raise", [["raise"]]
    # the error is not the program's own raise: let the message rules decide (labels.label reads
    # the code only for its own-raise test)
    return label({**row, "code": ""}, asserts=True)


def _check(
    code: str, before: int, ex: doctest.Example | None, etype: str, seen: set[str], other_code: set[str]
) -> tuple[str, tuple[str, str]] | str:
    """(stderr, (type, message)) when the program raises the documented error from its last
    example (``before`` lines precede it); else why not ("" for a program already tried)."""
    if code in seen:
        return ""
    seen.add(code)
    if code in other_code:
        return "code in another set"
    if _TEST_IMPORT.search(code):
        return "imports the test suite"
    if re.search(r"\binput\s*\(", code):
        return "reads input"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CPython's tests call literals on purpose
            compile(code, "cell.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return "does not compile as a script"
    stderr = run_as_script(code)
    got = last_error(stderr) if stderr else None
    if stderr is None or got is None or got[0] in SYNTAX or not raises_expected(got[0], [etype]):
        return "not the shown error when run"
    frames = [int(x) for x in _MODULE_FRAME.findall(stderr)]
    if not frames or frames[-1] <= before:
        return "raised before the failing example"
    if ex is not None and not documented(ex, got[1]):
        return "message differs from the doctest's"
    return stderr, got


def main() -> int:
    taken = {r["source"] for r in _rows("cases_teaching.jsonl")}
    other_code = {r["code"] for name in OTHER_SETS for r in _rows(name)}
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    dropped: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for path, line0, examples in doctest_strings():
        rel = path.relative_to(LIB)
        for k, ex in enumerate(examples):
            etype = expected_type(ex)
            if etype is None or etype in SYNTAX:
                continue
            source = f"cpython@v3.11.7/Lib/{rel}:{line0 + ex.lineno}"
            if source in taken:
                dropped["in cases_teaching.jsonl"] += 1
                continue
            whole = "".join(e.source for e in examples[:k] if e.exc_msg is None) + ex.source
            chunks = [
                Chunk(e.source, e.lineno, "?" if e.exc_msg is not None else None) for e in examples[: k + 1]
            ]
            sliced = program(chunks, k)
            tried = [(whole, whole.count("\n") - ex.source.count("\n"), "earlier examples")]
            if sliced is not None and sliced[0] != whole:
                tried.append((sliced[0], sliced[1] - 1, "backward slice"))
            ran, why = None, ""
            for code, before, how in tried:
                checked = _check(code, before, ex, etype, seen, other_code)
                if isinstance(checked, tuple):
                    ran = (code, how, *checked)
                    break
                why = checked or why
            if ran is None:
                if why:
                    dropped[why] += 1  # the last try's reason
                continue
            code, how, stderr, got = ran
            row = case_row("cpyrt", code, source, got[0], got[1], stderr, "PSF-2.0")
            row["how"] = how
            by_kind[(got[0], row["kind"])].append(row)
    asserted = {r["source"].split(" (")[0] for r in _rows("cases_asserts.jsonl")}
    for mod in MODULES + [m for m in EXTRA_MODULES if m not in MODULES]:
        path = TESTS / f"{mod}.py"
        if not path.exists():
            dropped["module missing"] += 1
            continue
        for test, expected, line, chunks, k in cases_in(path):
            source = f"cpython@v3.11.7/Lib/test/{mod}.py:{line}"
            if source in asserted:
                dropped["in cases_asserts.jsonl"] += 1
                continue
            built = program(chunks, k)
            if built is None:
                dropped["does not parse"] += 1
                continue
            code, start = built
            if len(code) > MAX_CODE:
                dropped["longer than MAX_CODE"] += 1
                continue
            checked = _check(code, start - 1, None, expected, seen, other_code)
            if not isinstance(checked, tuple):
                if checked:
                    dropped[checked] += 1
                continue
            stderr, got = checked
            row = case_row("cpyrt", code, f"{source} ({test})", got[0], got[1], stderr, "PSF-2.0")
            row["how"] = "assertRaises"
            by_kind[(got[0], row["kind"])].append(row)
    rows = first_per_kind(by_kind, PER_KIND)
    origin = tally(rows, key=lambda r: r["source"].split(":")[0].rsplit("/", 1)[-1])
    finish(rows, "cases_cpython_runtime.jsonl", len(by_kind), dropped, origin)
    rules: dict[str, int] = defaultdict(int)
    with (HERE / "labels_cpython_runtime.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            rule, facts = label_row(row)
            rules[rule] += 1
            fh.write(json.dumps({"id": row["id"], "rule": rule, "facts": facts}, ensure_ascii=False) + "\n")
    fallback, own = rules.get("runtime:fallback", 0), rules.get("runtime:own-raise", 0)
    print(f"{len(rows)} labels; fallback {fallback}, own-raise {own}")
    digest = hashlib.sha256("".join(r["id"] for r in rows).encode()).hexdigest()[:12]
    print(f"  ids digest {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
