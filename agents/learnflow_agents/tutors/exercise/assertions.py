"""Assertion rewriting: turn ``assert got == want`` into "expected want, got got".

Stdlib only and self-contained on purpose: the sandbox child loads this file by path
(it must not import the agents package), and `course release` copies its source into
the helper cell of student notebooks, which must run without LearnFlow installed.
Names start with ``_lf_`` because in a notebook they live in the student's namespace.
"""

import ast
import operator
import reprlib

_lf_repr_engine = reprlib.Repr()
_lf_repr_engine.maxstring = 160
_lf_repr_engine.maxother = 160
_lf_repr_engine.maxlist = _lf_repr_engine.maxtuple = _lf_repr_engine.maxset = 20
_lf_repr_engine.maxdict = 12
_lf_repr_engine.maxlevel = 4


def _lf_repr(value):
    # A student's __repr__ may itself be broken; the report must still be written.
    try:
        return _lf_repr_engine.repr(value)
    except Exception as exc:
        return f"<{type(value).__name__} object: repr() failed with {type(exc).__name__}>"


class LearnFlowMismatchError(AssertionError):
    """An assertion that failed, with the two sides already described for a learner."""

    def __init__(self, message, expected, actual, source):
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.actual = actual
        self.source = source


_LF_OPS = {
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.Is: ("is", operator.is_),
    ast.IsNot: ("is not", operator.is_not),
    ast.In: ("in", lambda a, b: a in b),
    ast.NotIn: ("not in", lambda a, b: a not in b),
}
_LF_OPS_BY_SYMBOL = dict(_LF_OPS.values())


def _lf_describe(symbol, left, right):
    """(expected, actual) for ``left <symbol> right``; the left side is the student's value."""
    if symbol in ("==", "is"):
        return _lf_repr(right), _lf_repr(left)
    if symbol in ("!=", "is not"):
        return f"anything except {_lf_repr(right)}", _lf_repr(left)
    if symbol == "in":
        return f"one of {_lf_repr(right)}", _lf_repr(left)
    if symbol == "not in":
        return f"a value not in {_lf_repr(right)}", _lf_repr(left)
    return f"a value {symbol} {_lf_repr(right)}", _lf_repr(left)


def _lf_compare(left, right, symbol, message_thunk, source):
    if _LF_OPS_BY_SYMBOL[symbol](left, right):
        return
    expected, actual = _lf_describe(symbol, left, right)
    message = message_thunk() if message_thunk is not None else None
    raise LearnFlowMismatchError(str(message) if message is not None else "", expected, actual, source)


def _lf_truthy(value, message_thunk, source):
    if value:
        return
    message = message_thunk() if message_thunk is not None else None
    raise LearnFlowMismatchError(
        str(message) if message is not None else "", "a true value", _lf_repr(value), source
    )


class LearnFlowAssertRewriter(ast.NodeTransformer):
    """Rewrites every ``assert`` so a failure carries expected and actual values.

    Both sides are evaluated exactly once, as in a plain assert, and the message is only
    evaluated on failure, so the rewrite never changes what a test does when it passes.
    """

    def visit_Assert(self, node):
        source = ast.unparse(node.test)
        thunk = (
            ast.Lambda(
                args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
                body=node.msg,
            )
            if node.msg is not None
            else ast.Constant(None)
        )
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _LF_OPS:
            symbol = _LF_OPS[type(test.ops[0])][0]
            call = ast.Call(
                func=ast.Name("_lf_compare", ast.Load()),
                args=[test.left, test.comparators[0], ast.Constant(symbol), thunk, ast.Constant(source)],
                keywords=[],
            )
        else:
            call = ast.Call(
                func=ast.Name("_lf_truthy", ast.Load()),
                args=[test, thunk, ast.Constant(source)],
                keywords=[],
            )
        return ast.copy_location(ast.Expr(call), node)


def _lf_compile_test(source, filename):
    tree = LearnFlowAssertRewriter().visit(ast.parse(source, filename, "exec"))
    return compile(ast.fix_missing_locations(tree), filename, "exec")


def _lf_assertion_globals():
    """What a namespace needs for rewritten asserts to run."""
    return {"_lf_compare": _lf_compare, "_lf_truthy": _lf_truthy}
