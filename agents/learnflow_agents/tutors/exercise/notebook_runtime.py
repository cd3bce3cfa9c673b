"""The part of the released notebook's helper cell that runs in the student's kernel.

`course release` writes assertions.py followed by this file into one helper cell.
Visible test cells then read::

    with lf_check("adds two numbers", failure="add(1, 2) should be 3"):
        assert add(1, 2) == 3

`lf_check` prints a pass/fail line instead of raising, so "Run All" goes on past a
failing test and the released notebook runs cleanly under nbval while the starter is
still a stub. Under IPython, asserts inside `with lf_check(...)` blocks are rewritten
to show expected vs actual; elsewhere they stay plain asserts (message only).
Stdlib only: student environments may not have LearnFlow installed.
"""

import ast


class lf_check:  # noqa: N801 - reads like a statement inside test cells
    """Runs one visible test: reports ✅/❌ and swallows the failure."""

    def __init__(self, name, success=None, failure=None):
        self.name = name
        self.success = success
        self.failure = failure
        self.passed = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.passed = True
            print(f"✅ {self.name}" + (f" - {self.success}" if self.success else ""))
            return False
        if issubclass(exc_type, KeyboardInterrupt):
            return False  # the student pressed stop: honour it
        self.passed = False
        print(f"❌ {self.name}" + (f" - {self.failure}" if self.failure else ""))
        if isinstance(exc, LearnFlowMismatchError):  # noqa: F821 - defined by assertions.py in the same cell
            if exc.message:
                print(f"   {exc.message}")
            print(f"   check:    {exc.source}")
            print(f"   expected: {exc.expected}")
            print(f"   got:      {exc.actual}")
        elif isinstance(exc, AssertionError):
            print(f"   {exc}" if str(exc) else "   an assertion failed")
        elif isinstance(exc, NotImplementedError):
            print("   not written yet: replace the `raise NotImplementedError` in the starter cell")
        else:
            print(f"   your code raised {exc_type.__name__}: {exc}")
        return True  # reported; later cells keep running


class _LfCheckBlockRewriter(ast.NodeTransformer):
    """Rewrites asserts only inside ``with lf_check(...)``: the student's own cells stay untouched."""

    def visit_With(self, node):
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "lf_check":
                return LearnFlowAssertRewriter().visit(node)  # noqa: F821 - from assertions.py
        return self.generic_visit(node)


def _lf_install_rewriter():
    try:
        shell = get_ipython()
    except NameError:
        return False
    # Re-running the helper cell must not stack a second copy of the transformer.
    shell.ast_transformers[:] = [
        t for t in shell.ast_transformers if type(t).__name__ != "_LfCheckBlockRewriter"
    ]
    shell.ast_transformers.append(_LfCheckBlockRewriter())
    return True


_lf_install_rewriter()
