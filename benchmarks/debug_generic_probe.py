"""Development probe (NOT an accuracy figure): how often the offline debug tutor falls back to its
generic template on beginner-style runtime errors built mechanically from two sources not
written for the tutor:

  bank     the exercise bank's solutions (plus their tests, which call them), each mutated by one
           typical beginner slip: an index one past the end, ``range(len(xs) + 1)``, a dropped
           ``int()``/``str()``, a function without its ``return``, a misspelt local name, a removed
           empty-input guard, a dict key typo, ``.append`` on a string, recursion without its base
           case
  cpython  CPython 3.11's Lib/test: ``self.assertRaises(SomeError, builtin, *literals)`` turned
           into the call ``builtin(*literals)``

Each program runs in a fresh interpreter (temp dir, timeout); those that raise go to the real
``diagnose`` entry point (as benchmarks/debug_outside_eval.py drives it). Prints % generic by
exception type and by message kind, then the generic replies. The programs are mutations chosen
here, so the figures steer development only.

    python benchmarks/debug_generic_probe.py [--source bank|cpython|both] [--limit N] [--no-run]
        [--show N]
"""

from __future__ import annotations

import argparse
import ast
import builtins
import copy
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "agents"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from debug_outside_eval import is_generic  # noqa: E402
from learnflow_agents.contracts import StudentContext, StudentQuery  # noqa: E402
from learnflow_agents.tutors.debug import diagnose  # noqa: E402
from learnflow_agents.tutors.exercise.bank import load_directory  # noqa: E402

BANK = ROOT / "agents" / "bank" / "learnflow_exercise_bank" / "notebooks"
CPYTHON_TESTS = sorted(Path("/root/.pyenv/versions").glob("3.11*/lib/python3.11/test"))
PYTHON = sys.executable

Mutation = Callable[[ast.Module], Iterator[ast.Module]]


def _each(
    tree: ast.Module, pick: Callable[[ast.AST], bool], change: Callable[[ast.AST], None]
) -> Iterator[ast.Module]:
    """One mutant per matching node: the tree copied, the i-th match changed."""
    count = sum(1 for n in ast.walk(tree) if pick(n))
    for i in range(count):
        new = copy.deepcopy(tree)
        hits = [n for n in ast.walk(new) if pick(n)]
        change(hits[i])
        yield new


def _is_call(n: ast.AST, name: str) -> bool:
    return isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name


def past_end(tree: ast.Module) -> Iterator[ast.Module]:
    def pick(n: ast.AST) -> bool:
        return (
            isinstance(n, ast.Subscript)
            and isinstance(n.value, ast.Name)
            and isinstance(n.ctx, ast.Load)
            and (
                isinstance(n.slice, ast.UnaryOp)
                and isinstance(n.slice.op, ast.USub)
                and isinstance(n.slice.operand, ast.Constant)
                and n.slice.operand.value == 1
            )
        )

    def change(n: ast.AST) -> None:
        n.slice = ast.Call(ast.Name("len", ast.Load()), [ast.Name(n.value.id, ast.Load())], [])

    return _each(tree, pick, change)


def range_plus_one(tree: ast.Module) -> Iterator[ast.Module]:
    def pick(n: ast.AST) -> bool:
        return _is_call(n, "range") and len(n.args) == 1 and _is_call(n.args[0], "len")

    def change(n: ast.AST) -> None:
        n.args[0] = ast.BinOp(n.args[0], ast.Add(), ast.Constant(1))

    return _each(tree, pick, change)


def drop_conversion(tree: ast.Module) -> Iterator[ast.Module]:
    """int(x) / str(x) / float(x) → x: text used as a number, a number glued to text."""

    class Drop(ast.NodeTransformer):
        def __init__(self, target: int) -> None:
            self.target, self.seen = target, -1

        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if (
                any(_is_call(node, f) for f in ("int", "str", "float"))
                and len(node.args) == 1
                and not node.keywords
            ):
                self.seen += 1
                if self.seen == self.target:
                    return node.args[0]
            return node

    count = sum(
        1
        for n in ast.walk(tree)
        if any(_is_call(n, f) for f in ("int", "str", "float")) and len(n.args) == 1 and not n.keywords
    )
    for i in range(count):
        yield Drop(i).visit(copy.deepcopy(tree))


def drop_return(tree: ast.Module) -> Iterator[ast.Module]:
    """The last `return expr` of a function becomes a bare expression: the caller gets None."""

    def pick(n: ast.AST) -> bool:
        return (
            isinstance(n, ast.FunctionDef)
            and isinstance(n.body[-1], ast.Return)
            and n.body[-1].value is not None
        )

    def change(n: ast.AST) -> None:
        n.body[-1] = ast.Expr(n.body[-1].value)

    return _each(tree, pick, change)


def misspell_local(tree: ast.Module) -> Iterator[ast.Module]:
    """One read of a function's own local name loses its last letter."""

    def pick(n: ast.AST) -> bool:
        return (
            isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)
            and len(n.id) > 3
            and not hasattr(builtins, n.id)
        )

    def change(n: ast.AST) -> None:
        n.id = n.id[:-1]

    return _each(tree, pick, change)


def drop_guard(tree: ast.Module) -> Iterator[ast.Module]:
    """An `if not xs: return ...` (or `if len(xs) == 0`) guard removed: empty input reaches the maths."""

    def pick(n: ast.AST) -> bool:
        if not isinstance(n, ast.FunctionDef):
            return False
        return any(
            isinstance(s, ast.If) and not s.orelse and isinstance(s.body[0], ast.Return | ast.Raise)
            for s in n.body[:-1]
        )

    def change(n: ast.AST) -> None:
        for i, s in enumerate(n.body[:-1]):
            if isinstance(s, ast.If) and not s.orelse and isinstance(s.body[0], ast.Return | ast.Raise):
                del n.body[i]
                return

    return _each(tree, pick, change)


def key_typo(tree: ast.Module) -> Iterator[ast.Module]:
    def pick(n: ast.AST) -> bool:
        return (
            isinstance(n, ast.Subscript)
            and isinstance(n.ctx, ast.Load)
            and isinstance(n.slice, ast.Constant)
            and isinstance(n.slice.value, str)
            and len(n.slice.value) > 2
        )

    def change(n: ast.AST) -> None:
        v = n.slice.value
        n.slice = ast.Constant(v[0] + v[2] + v[1] + v[3:])

    return _each(tree, pick, change)


def append_to_string(tree: ast.Module) -> Iterator[ast.Module]:
    """`xs = []` later appended to becomes `xs = ''`: a beginner building text with .append."""

    def pick(n: ast.AST) -> bool:
        return isinstance(n, ast.Assign) and isinstance(n.value, ast.List) and not n.value.elts

    def change(n: ast.AST) -> None:
        n.value = ast.Constant("")

    return _each(tree, pick, change)


def drop_base_case(tree: ast.Module) -> Iterator[ast.Module]:
    """The first `if ...: return` of a function that calls itself is removed."""

    def recursive(f: ast.AST) -> bool:
        return isinstance(f, ast.FunctionDef) and any(_is_call(c, f.name) for c in ast.walk(f))

    def pick(n: ast.AST) -> bool:
        return recursive(n) and any(isinstance(s, ast.If) for s in n.body)

    def change(n: ast.AST) -> None:
        for i, s in enumerate(n.body):
            if isinstance(s, ast.If):
                n.body[i : i + 1] = s.orelse or [ast.Pass()]
                return

    return _each(tree, pick, change)


MUTATIONS: dict[str, Mutation] = {
    "past-end": past_end,
    "range+1": range_plus_one,
    "no-conversion": drop_conversion,
    "no-return": drop_return,
    "misspelt-local": misspell_local,
    "no-guard": drop_guard,
    "key-typo": key_typo,
    "append-to-str": append_to_string,
    "no-base-case": drop_base_case,
}


def bank_programs() -> Iterator[tuple[str, str]]:
    for ex in load_directory(BANK):
        if not ex.solution:
            continue
        try:
            tree = ast.parse(ex.solution)
        except SyntaxError:
            continue
        tests = "\n".join(t.source for t in ex.all_tests)
        for kind, mutate in MUTATIONS.items():
            for mutant in mutate(tree):
                # Only the solution is mutated; the bank's own tests are what calls it.
                yield (
                    f"bank/{kind}/{ex.id}",
                    ast.unparse(ast.fix_missing_locations(mutant)) + "\n\n" + tests + "\n",
                )


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def cpython_programs() -> Iterator[tuple[str, str]]:
    if not CPYTHON_TESTS:
        return
    for path in sorted(CPYTHON_TESTS[-1].glob("test_*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for n in ast.walk(tree):
            if not (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "assertRaises"
                and len(n.args) >= 2
                and isinstance(n.args[1], ast.Name)
                and hasattr(builtins, n.args[1].id)
                and not n.keywords
                and all(_literal(a) for a in n.args[2:])
            ):
                continue
            call = ast.Call(n.args[1], n.args[2:], [])
            yield f"cpython/{path.stem}", f"print({ast.unparse(call)})\n"


def run(code: str) -> str | None:
    """The traceback when the program raises (None when it passes or hangs)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "cell.py"
        script.write_text(code)
        try:
            done = subprocess.run(
                [PYTHON, "-S", str(script)],
                capture_output=True,
                text=True,
                timeout=10,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return None
    if done.returncode == 0 or "Traceback" not in done.stderr:
        return None
    err = done.stderr
    if len(err) > 45000:  # a query caps tracebacks at 50,000 characters; keep both ends, as a paste would
        lines = err.splitlines(keepends=True)
        err = "".join(lines[:40]) + "".join(lines[-300:])
    return err


def kind_of(message: str) -> str:
    """A message with its values blanked: the bucket a fix would serve."""
    kind = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    kind = re.sub(r"\b\d+\b", "N", kind)
    return kind[:70]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", choices=["bank", "cpython", "both"], default="both")
    ap.add_argument("--limit", type=int, default=0, help="at most N failing programs per source (0: all)")
    ap.add_argument("--no-run", action="store_true", help="skip the tutor's sandboxed fix checks")
    ap.add_argument("--show", type=int, default=40)
    args = ap.parse_args(argv)

    sources = {"bank": bank_programs, "cpython": cpython_programs}
    chosen = list(sources) if args.source == "both" else [args.source]
    results: list[tuple[str, str, str, str, bool, str]] = []
    for src in chosen:
        seen: set[str] = set()
        kept = 0
        for label, code in sources[src]():
            if code in seen:
                continue
            seen.add(code)
            tb = run(code)
            if tb is None:
                continue
            last = tb.strip().splitlines()[-1]
            etype, _, message = last.partition(": ")
            etype = etype.rsplit(".", 1)[-1]
            if etype in ("AssertionError", "SyntaxError"):
                continue  # a test's assert or an unparse artefact, not a runtime slip
            query = StudentQuery(
                text="Why does this fail?",
                code=code,
                traceback=tb,
                context=StudentContext(skill_level="beginner"),
                target_agent="debug",
            )
            reply = diagnose(query, run_code=not args.no_run)
            results.append((src, label, etype, message, is_generic(reply), reply.summary))
            kept += 1
            if args.limit and kept >= args.limit:
                break

    n = len(results)
    print(f"debug generic probe (development probe, not an accuracy figure): {n} failing programs")
    for src in chosen:
        rows = [r for r in results if r[0] == src]
        g = sum(r[4] for r in rows)
        print(f"  {src:8} {len(rows):4} programs  generic {g:4}  ({100 * g / len(rows) if rows else 0:.1f}%)")
    by_type: dict[str, list[bool]] = defaultdict(list)
    by_kind: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for _, _, etype, message, gen, _ in results:
        by_type[etype].append(gen)
        by_kind[(etype, kind_of(message))].append(gen)
    print(f"\n  {'exception':24} {'n':>4} {'generic':>8}")
    for etype, gens in sorted(by_type.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {etype:24} {len(gens):4} {sum(gens):4} ({100 * sum(gens) / len(gens):.0f}%)")
    print("\n  generic buckets (exception: message kind)")
    buckets = Counter({k: sum(v) for k, v in by_kind.items() if sum(v)})
    for (etype, kind), g in buckets.most_common():
        print(f"  {g:4}/{len(by_kind[(etype, kind)]):<4} {etype}: {kind}")
    print("\n  generic replies")
    for _src, label, etype, message, _gen, summary in [r for r in results if r[4]][: args.show]:
        print(f"  - {label}  {etype}: {message[:80]}\n      {summary[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
