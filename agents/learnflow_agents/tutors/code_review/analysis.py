"""Shared facts about one cell's AST, computed in a single walk for every check."""

import ast
import builtins
import keyword
from collections import Counter, defaultdict
from collections.abc import Iterator

from learnflow_agents.tutors.code_review.findings import Finding
from learnflow_agents.tutors.code_review.rules import rule_info
from learnflow_agents.tutors.code_review.source_map import SourceMap

# `site` adds these to builtins for the interactive prompt; nobody calls them in code.
_SITE_NAMES = {"copyright", "credits", "license", "exit", "quit"}
BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_") and n not in _SITE_NAMES)
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Analysis:
    """Shared facts about one tree, computed once for all checks."""

    def __init__(self, tree: ast.Module, smap: SourceMap) -> None:
        self.tree = tree
        self.smap = smap
        self.parents: dict[ast.AST, ast.AST] = {}
        self.all_names: set[str] = set()
        # One walk indexes every node by type; the checks then visit only what they need,
        # which keeps a 5,000-line cell well under a second.
        self._by_type: defaultdict[type, list[ast.AST]] = defaultdict(list)
        for node in ast.walk(tree):
            self._by_type[type(node)].append(node)
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            if isinstance(node, ast.Name):
                self.all_names.add(node.id)
            elif isinstance(node, ast.arg):
                self.all_names.add(node.arg)
            elif isinstance(node, (*FUNCS, ast.ClassDef)):
                self.all_names.add(node.name)
            elif isinstance(node, ast.alias):
                self.all_names.add((node.asname or node.name).split(".")[0])
        self._scope_names: dict[ast.AST, Counter[str]] = {}
        self._taken: dict[ast.AST, set[str]] = {}

    def nodes(self, *types: type) -> list:
        """Nodes of the given types, in source order."""
        found = [node for kind in types for node in self._by_type.get(kind, ())]
        found.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        return found

    def finding(self, rule: str, node: ast.AST, message: str, **kwargs: object) -> Finding:
        info = rule_info(rule)
        line = node.lineno  # type: ignore[attr-defined]
        details = {"line": str(line), "src": short(self.smap.line_text(line).strip())}
        details.update(kwargs.pop("details", {}))  # type: ignore[arg-type]
        return Finding(
            rule=rule,
            line=line,
            col=self.smap.char_col(line, node.col_offset),  # type: ignore[attr-defined]
            category=info.category,
            impact=info.impact,
            message=message,
            source="ast",
            details=details,
            **kwargs,  # type: ignore[arg-type]
        )

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, FUNCS):
                return current
            current = self.parents.get(current)
        return None

    def scope_of(self, node: ast.AST) -> ast.AST:
        current = self.parents.get(node)
        while current is not None and not isinstance(current, SCOPES):
            current = self.parents.get(current)
        return current or self.tree

    def scope_name_counts(self, scope: ast.AST) -> Counter[str]:
        if scope not in self._scope_names:
            self._scope_names[scope] = Counter(n.id for n in own_nodes(scope) if isinstance(n, ast.Name))
        return self._scope_names[scope]

    def fresh_name(self, wanted: str, near: ast.AST) -> str:
        """`wanted`, or a variant of it, unused in the scope around `near` (now reserved there).

        Inside a function only that function's names matter (a global it reads appears in
        it as a Name too); at module level every name in the cell does, since any function
        may read a global.
        """
        scope = self.scope_of(near)
        if scope not in self._taken:
            self._taken[scope] = (
                set(self.all_names)
                if scope is self.tree
                else {n.id for n in ast.walk(scope) if isinstance(n, ast.Name)}
                | {n.arg for n in ast.walk(scope) if isinstance(n, ast.arg)}
            )
        taken = self._taken[scope]
        candidates = [wanted, *(f"{wanted}_{suffix}" for suffix in ("item", "value", "element"))]
        usable = (
            c for c in candidates if c not in taken and c not in BUILTIN_NAMES and not keyword.iskeyword(c)
        )
        chosen = next(usable, f"{wanted}_{len(taken)}")
        taken.add(chosen)
        return chosen

    def in_test_code(self, node: ast.AST) -> bool:
        current: ast.AST | None = node
        while current is not None:
            if isinstance(current, ast.Assert):
                return True
            if isinstance(current, FUNCS) and current.name.startswith("test"):
                return True
            current = self.parents.get(current)
        return False

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(current)
        return current


def own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a scope without descending into nested functions, lambdas or classes."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def function_label(func: ast.AST | None) -> str:
    return f"`{func.name}`" if isinstance(func, FUNCS) else "the cell"
