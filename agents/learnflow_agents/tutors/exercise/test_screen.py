"""A model-written exercise test is screened before it may run on the trusted side.

An exercise's tests run in the checker's own process (sandbox/harness.py), with the
student's names as stand-ins: for the bank's and an instructor's exercises that is
the instructor's code. A generated exercise's tests are written by the model, which a
student's request can steer, so without this screen `import subprocess` in a "test" ran in
the checker (the sandbox service in a cluster, where every student's checks run; the agent
process otherwise). What a test may use here is what exercise tests need: calls of the
student's names, asserts, literals, comprehensions, a few pure modules, and the child's
os/tempfile/pathlib/shutil/glob/io (those imports go to the jailed child). Not allowed:
other imports, any name or attribute starting with `_` (but `__name__`, `__qualname__`,
`__doc__`), the builtins that reach objects by name or run code, and the attributes that
lead to frames and code objects. (`open` is the child's: the harness serves it from the jail.)
"""

import ast

# Imports a test may make: the modules the harness serves from the jailed child, and two
# built-in modules whose attributes are only functions and constants. (A pure-Python module
# is a path to others: `re.enum.sys.modules`, `statistics.sys`, `json.codecs.open`.)
ALLOWED_MODULES = frozenset({"math", "itertools", "os", "tempfile", "pathlib", "shutil", "glob", "io"})
BANNED_NAMES = frozenset(
    {
        "getattr",
        "setattr",
        "delattr",
        "vars",
        "globals",
        "locals",
        "eval",
        "exec",
        "compile",
        "breakpoint",
        "input",
        "help",
        "memoryview",
        "object",
        "exit",
        "quit",
    }
)
# Dunder attributes that give back a string: tests ask a class's or a function's name.
ALLOWED_DUNDERS = frozenset({"__name__", "__qualname__", "__doc__"})
# Attributes that reach frames, code and globals without an underscore.
BANNED_ATTRIBUTES = frozenset(
    {
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "cr_frame",
        "cr_code",
        "cr_await",
        "ag_frame",
        "ag_code",
        "ag_await",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "f_code",
        "tb_frame",
        "tb_next",
        "mro",
        "format_map",
    }
)


def unsafe_test(source: str) -> str | None:
    """Why a model-written test must not run on the trusted side, or None."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as err:
        return f"does not parse: {err}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["(relative)"]
        else:
            names = []
        for name in names:
            if name.partition(".")[0] not in ALLOWED_MODULES:
                return f"imports {name}"
        if isinstance(node, ast.ImportFrom) and any(alias.name.startswith("_") for alias in node.names):
            return "imports a private name"
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in BANNED_NAMES):
            return f"uses {node.id}"
        private = (
            node.attr.startswith("_") and node.attr not in ALLOWED_DUNDERS
            if isinstance(node, ast.Attribute)
            else False
        )
        if isinstance(node, ast.Attribute) and (private or node.attr in BANNED_ATTRIBUTES):
            return f"uses .{node.attr}"
        if isinstance(node, ast.alias) and (node.asname or "").startswith("_"):
            return "binds a private name"
    return None
