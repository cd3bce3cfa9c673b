"""How much each rule matters to a learner: category, impact score and linked concepts.

Impact orders findings inside a category (the category rank always wins first). The
numbers encode a teacher's judgement: a bug that silently corrupts data (a shared mutable
default) beats one that crashes loudly, which beats a readability issue.
"""

from dataclasses import dataclass

from learnflow_agents.tutors.code_review.findings import Category

# Concept slugs a review links to: a subset of the concepts tutor's base
# (tutors/concepts/base/<slug>.toml), so an "explain concept" action always resolves.
CONCEPT_VOCABULARY = frozenset(
    {
        "boolean-logic",
        "classes",
        "comparison",
        "comprehensions",
        "conditionals",
        "dicts",
        "enumerate-zip",
        "exceptions",
        "f-strings",
        "for-loops",
        "functions",
        "indentation",
        "lambda",
        "lists",
        "modules-imports",
        "mutability",
        "none",
        "numbers",
        "parameters",
        "print-input",
        "range",
        "return-values",
        "scope",
        "syntax-basics",
        "variables",
    }
)


@dataclass(frozen=True)
class RuleInfo:
    category: Category
    impact: int
    title: str
    concepts: tuple[str, ...] = ()


C, L, S = Category.CORRECTNESS, Category.CLARITY, Category.STYLE

RULES: dict[str, RuleInfo] = {
    # The learner checks ruff does not have (ast_checks.py).
    "cell-raises": RuleInfo(C, 100, "the cell stops with an error", ("exceptions",)),
    "failing-test": RuleInfo(C, 100, "your own tests fail", ("return-values", "functions")),
    "missing-return": RuleInfo(C, 92, "function that forgets return", ("return-values", "functions")),
    "mutable-default": RuleInfo(C, 90, "mutable default argument", ("mutability", "parameters", "functions")),
    "bare-except": RuleInfo(C, 85, "bare except", ("exceptions",)),
    "shadowed-builtin": RuleInfo(C, 75, "name hides a built-in", ("scope", "variables")),
    "none-comparison": RuleInfo(C, 55, "comparison to None with ==", ("none", "comparison")),
    "global-statement": RuleInfo(L, 72, "global variable changed inside a function", ("scope", "functions")),
    "deep-nesting": RuleInfo(L, 68, "deeply nested blocks", ("conditionals", "functions")),
    "range-len": RuleInfo(L, 64, "range(len(...)) loop", ("enumerate-zip", "for-loops", "range")),
    "long-function": RuleInfo(L, 60, "long function", ("functions",)),
    "bool-comparison": RuleInfo(L, 52, "comparison to True/False", ("boolean-logic", "comparison")),
    "debug-print": RuleInfo(L, 42, "leftover debug print", ("return-values", "print-input")),
    "magic-number": RuleInfo(L, 34, "unexplained number", ("variables", "numbers")),
    # Ruff rules a learner meets most, with the weight they deserve in a lesson.
    "F821": RuleInfo(C, 95, "undefined name", ("variables", "scope")),
    "F823": RuleInfo(C, 92, "local variable used before assignment", ("scope",)),
    "B023": RuleInfo(C, 82, "loop variable captured late by a function", ("scope", "for-loops", "lambda")),
    "B020": RuleInfo(C, 82, "loop variable replaces the thing it loops over", ("for-loops",)),
    "B008": RuleInfo(C, 80, "function call in a default argument", ("parameters", "functions")),
    "F811": RuleInfo(C, 78, "name defined twice", ("functions", "variables")),
    "F632": RuleInfo(C, 78, "`is` used to compare with a literal", ("comparison",)),
    "F601": RuleInfo(C, 76, "dictionary key repeated", ("dicts",)),
    "B015": RuleInfo(C, 74, "comparison whose result is thrown away", ("comparison",)),
    "F631": RuleInfo(C, 74, "assert on a tuple is always true", ("boolean-logic",)),
    "B011": RuleInfo(C, 70, "assert False disappears under -O", ("exceptions",)),
    "B018": RuleInfo(C, 58, "expression whose value is thrown away", ("variables",)),
    "E721": RuleInfo(L, 50, "type compared with ==", ("comparison",)),
    "F841": RuleInfo(L, 56, "variable assigned but never used", ("variables",)),
    "C901": RuleInfo(L, 62, "function with too many branches", ("functions", "conditionals")),
    "SIM113": RuleInfo(L, 58, "hand-made index counter", ("enumerate-zip", "for-loops")),
    "PERF401": RuleInfo(L, 50, "loop that builds a list with append", ("comprehensions", "lists")),
    "SIM110": RuleInfo(L, 50, "loop that re-implements any()", ("for-loops", "boolean-logic")),
    "SIM111": RuleInfo(L, 50, "loop that re-implements all()", ("for-loops", "boolean-logic")),
    "SIM103": RuleInfo(L, 48, "if/else that returns True/False", ("boolean-logic", "return-values")),
    "SIM102": RuleInfo(L, 44, "nested ifs that can be one condition", ("conditionals", "boolean-logic")),
    "SIM108": RuleInfo(L, 40, "if/else that only assigns one variable", ("conditionals",)),
    "SIM118": RuleInfo(L, 42, "`in dict.keys()`", ("dicts",)),
    "SIM401": RuleInfo(L, 42, "if/else that re-implements dict.get", ("dicts",)),
    "PERF102": RuleInfo(L, 40, "dict.items() with one half unused", ("dicts", "for-loops")),
    "B007": RuleInfo(L, 44, "loop variable never used", ("for-loops",)),
    "E741": RuleInfo(L, 46, "ambiguous one-letter name", ("variables",)),
    "E731": RuleInfo(L, 40, "lambda assigned to a name", ("lambda", "functions")),
    "C416": RuleInfo(L, 38, "comprehension that only copies", ("comprehensions",)),
    "F541": RuleInfo(S, 30, "f-string without placeholders", ("f-strings",)),
    "N802": RuleInfo(S, 28, "function name not in snake_case", ("functions",)),
    "N803": RuleInfo(S, 26, "parameter name not in snake_case", ("parameters",)),
    "N806": RuleInfo(S, 26, "variable name not in snake_case", ("variables",)),
    "N816": RuleInfo(S, 26, "mixedCase variable name", ("variables",)),
    "N801": RuleInfo(S, 26, "class name not in CapWords", ("classes",)),
    "F401": RuleInfo(S, 22, "unused import", ("modules-imports",)),
    "F403": RuleInfo(S, 24, "star import", ("modules-imports",)),
    "E701": RuleInfo(S, 18, "two statements on one line", ("syntax-basics",)),
    "E702": RuleInfo(S, 18, "two statements on one line", ("syntax-basics",)),
    "E703": RuleInfo(S, 12, "unnecessary semicolon", ()),
}

# Ruff codes that mean the same as an AST check: the AST finding carries richer detail
# (the parameter name, the exact rewrite), so it is kept and the ruff one merged into it.
RUFF_ALIASES = {
    "E711": "none-comparison",
    "E712": "bool-comparison",
    "E722": "bare-except",
    "B006": "mutable-default",
}

# Defaults per ruff linter prefix for codes not listed above, longest prefix first.
_PREFIX_DEFAULTS: tuple[tuple[str, RuleInfo], ...] = (
    ("PERF", RuleInfo(L, 40, "slower-than-needed loop", ("for-loops",))),
    ("SIM", RuleInfo(L, 40, "code that can be simpler", ())),
    ("C90", RuleInfo(L, 62, "function with too many branches", ("functions", "conditionals"))),
    ("C4", RuleInfo(L, 36, "comprehension that can be simpler", ("comprehensions",))),
    ("E9", RuleInfo(C, 90, "code Python cannot run", ("syntax-basics",))),
    ("E7", RuleInfo(L, 30, "statement that reads oddly", ())),
    ("F", RuleInfo(C, 60, "likely mistake", ())),
    ("B", RuleInfo(C, 60, "likely bug", ())),
    ("N", RuleInfo(S, 24, "name not following PEP 8", ("variables",))),
    ("E", RuleInfo(S, 10, "layout", ())),
    ("W", RuleInfo(S, 8, "whitespace", ())),
)


def rule_info(rule: str) -> RuleInfo:
    if rule in RULES:
        return RULES[rule]
    for prefix, info in _PREFIX_DEFAULTS:
        if rule.startswith(prefix):
            return info
    return RuleInfo(S, 10, "style point")
