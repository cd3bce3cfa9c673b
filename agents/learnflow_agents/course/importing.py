"""`course import nbgrader|otter SRC DST`: assignments a course already has, as LearnFlow exercises.

Each autograded question of an nbgrader or otter-grader source notebook becomes one exercise
notebook (statement, starter, solution, visible and hidden tests), with its points kept:

* nbgrader: a question is an autograded answer cell (``nbgrader.solution``) and the grade
  cells that follow it (``nbgrader.grade``, their ``points`` and ``grade_id``). ``### BEGIN
  SOLUTION``/``### END SOLUTION`` regions become the starter's stub (``raise
  NotImplementedError()`` in a function, ``name = ...`` at the top level, so the starter
  still runs); ``### BEGIN HIDDEN TESTS`` regions become a hidden test holding the whole
  cell and its points, the visible part stays a visible test worth nothing. ``### AUTOTEST``
  and ``### HASHED AUTOTEST`` lines become the asserts nbgrader would generate
  (nbgrader_autotest.py); an expression that fails on the solution refuses its question.
* otter-grader: ``# BEGIN QUESTION`` blocks (name, points, manual), their ``# BEGIN SOLUTION``
  cells (``# SOLUTION`` lines, nested solution blocks, ``# BEGIN PROMPT`` prompts, ``# IGNORE``)
  and ``# BEGIN TESTS`` cells (``# HIDDEN``, ``# BEGIN TEST CONFIG`` with points and messages).
  An otter test passes when its last expression shows what it shows for the solution: a
  boolean check becomes ``assert``; another value is compared with the solution's, computed
  once here by running the instructor's solution in a child Python. What a test prints is
  compared too, as otter's doctest does (with the cell's stored output); output printed by
  the answer's own code cannot be seen by a LearnFlow test, so such a question is refused.

A question that uses what an earlier question defined (Part B calling Part A's function) is
merged with it into one exercise, so no solution is given away. Code cells outside questions
(imports, given data) are the setup at the top of starter and solution. What cannot become an
exercise (manually graded answers, tasks, questions without tests) is listed with the reason.

Fractional points (nbgrader's 0.5) are scaled to integers; ``metadata.learnflow_import`` keeps
the source, the original points per test and the scale, and `course grade` reports source points.
"""

import ast
import builtins
import json
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from pathlib import Path
from typing import Any

from learnflow_agents.contracts.curriculum import CurriculumTopic, Difficulty, infer_topic
from learnflow_agents.course import nbgrader_autotest as autotest
from learnflow_agents.course.common import CourseToolError, child_environment
from learnflow_agents.tutors.exercise.notebooks import code_cell, markdown_cell, new_notebook, write_notebook

FORMATS = ("nbgrader", "otter")
IMPORT_KEY = "learnflow_import"
DEFAULT_HINTS = (
    "Read the statement again: it says what your code must define and return.",
    "Run the test cells: a failing one shows what was expected and what your code gave.",
)


@dataclass
class ImportedTest:
    name: str
    source: str
    hidden: bool = False
    points: Fraction = Fraction(0)
    success: str | None = None
    failure: str | None = None


@dataclass
class Question:
    name: str
    statement: list[str] = field(default_factory=list)
    starter: list[str] = field(default_factory=list)
    solution: list[str] = field(default_factory=list)
    tests: list[ImportedTest] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    notebook: str
    question: str
    reason: str


@dataclass
class ImportReport:
    written: list[Path] = field(default_factory=list)
    questions: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        lines = [f"wrote {path}" for path in self.written]
        lines += [f"skipped {s.notebook} {s.question}: {s.reason}" for s in self.skipped]
        lines += [f"note: {note}" for note in self.notes]
        lines.append(
            f"{len(self.questions)} questions imported into {len(self.written)} exercises, "
            f"{len(self.skipped)} skipped"
        )
        return "\n".join(lines)


# --- shared helpers ------------------------------------------------------------------


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "question"


def _strip_magics(code: str) -> str:
    """IPython-only lines (%magic, !shell) cannot run in the sandbox's plain Python."""
    return "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))


def _assigned_names(code: str) -> list[str]:
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name) and sub.id not in names:
                    names.append(sub.id)
    return names


def defined_names(code: str) -> set[str]:
    """Top-level names a piece of code binds (functions, classes, assignments, imports)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            names |= {
                n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
    return names


def used_names(code: str) -> set[str]:
    """Global names a piece of code reads (a function's parameters and locals are not)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return _free(tree.body, set())


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _free(nodes: list[ast.AST], bound: set[str]) -> set[str]:
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            args = node.args
            params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
            params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
            body = node.body if isinstance(node.body, list) else [node.body]
            local = {
                n.id
                for b in body
                for n in ast.walk(b)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
            found |= _free(body, bound | params | local)
            stack.extend(node.args.defaults + node.args.kw_defaults + getattr(node, "decorator_list", []))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            found.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _stub(indent: str, block: str, *, function_stub: str) -> list[str]:
    """What the student sees where a solution block was."""
    if indent:
        return [f"{indent}# YOUR CODE HERE", f"{indent}{function_stub}"]
    names = _assigned_names(block)
    return ["# YOUR CODE HERE"] + [f"{name} = ..." for name in names]


def _topic(text: str, code: str) -> CurriculumTopic:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    nodes = list(ast.walk(tree))
    kinds = {type(n) for n in nodes}
    if ast.Yield in kinds:
        return CurriculumTopic.GENERATORS
    if ast.ClassDef in kinds:
        return CurriculumTopic.CLASSES
    for func in (n for n in nodes if isinstance(n, ast.FunctionDef)):
        calls = {
            c.func.id for c in ast.walk(func) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
        }
        if func.name in calls:
            return CurriculumTopic.RECURSION
    if kinds & {ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp}:
        return CurriculumTopic.COMPREHENSIONS
    if ast.While in kinds:
        return CurriculumTopic.WHILE_LOOPS
    if ast.For in kinds:
        return CurriculumTopic.FOR_LOOPS
    if ast.FunctionDef in kinds:
        return CurriculumTopic.FUNCTIONS
    return infer_topic(text) or CurriculumTopic.VARIABLES


def _title(statement: str, fallback: str) -> str:
    for line in statement.splitlines():
        text = re.sub(r"[*_`#]", "", line).strip()
        text = re.sub(r"\(\s*\d+(\.\d+)?\s*points?\s*\)", "", text).strip(" :-")
        if text and not set(text) <= {"-"}:
            return (
                (text if len(text) <= 80 else text[:77] + "...")
                if line.lstrip().startswith("#")
                else fallback
            )
    return fallback


def _is_test_cell_empty(source: str) -> bool:
    return not [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]


# --- nbgrader --------------------------------------------------------------------------

_NB_SOLUTION = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
_NB_END_SOLUTION = re.compile(r"^\s*### END SOLUTION\s*$")
_NB_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
_NB_END_HIDDEN = re.compile(r"^\s*### END HIDDEN TESTS\s*$")


def nbgrader_split(source: str) -> tuple[str, str]:
    """(starter, solution) of an nbgrader answer cell.

    Without solution delimiters nbgrader replaces the whole answer cell with the stub.
    """
    if not any(_NB_SOLUTION.match(line) for line in source.splitlines()):
        stub = _stub("", source, function_stub="raise NotImplementedError()")
        return "\n".join(stub).rstrip() + "\n", source.rstrip() + "\n"
    starter: list[str] = []
    solution: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        match = _NB_SOLUTION.match(lines[i])
        if not match:
            starter.append(lines[i])
            solution.append(lines[i])
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if _NB_END_SOLUTION.match(lines[j])), len(lines))
        block = lines[i + 1 : end]
        solution.extend(block)
        starter.extend(_stub(match.group(1), "\n".join(block), function_stub="raise NotImplementedError()"))
        i = end + 1
    return "\n".join(starter).rstrip() + "\n", "\n".join(solution).rstrip() + "\n"


def nbgrader_tests(grade_id: str, source: str, points: Fraction) -> list[ImportedTest]:
    """One visible test, or a visible part worth nothing plus the whole cell hidden, worth the points."""
    lines = source.splitlines()
    visible = []
    whole = []
    hidden_seen = False
    inside = False
    for line in lines:
        if _NB_HIDDEN.match(line):
            inside = hidden_seen = True
            continue
        if _NB_END_HIDDEN.match(line):
            inside = False
            continue
        whole.append(line)
        if not inside:
            visible.append(line)
    if not hidden_seen:
        return [ImportedTest(grade_id, source.rstrip() + "\n", points=points)]
    tests = []
    if not _is_test_cell_empty("\n".join(visible)):
        tests.append(ImportedTest(grade_id, "\n".join(visible).rstrip() + "\n"))
    tests.append(ImportedTest(f"{grade_id} (hidden)", "\n".join(whole).rstrip() + "\n", True, points))
    return tests


def _helpers(source: str) -> dict[str, str]:
    """Top-level functions and classes a test cell defines, by name (their source)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def _autotest_expansions(
    notebook: dict[str, Any], where: str, report: ImportReport, folder: Path | None, root: Path | None
) -> dict[str, autotest.Expansion]:
    """Run the notebook once with its solutions to expand every ### AUTOTEST test cell."""
    steps: list[autotest.Step] = []
    for index, cell in enumerate(notebook.get("cells") or []):
        if cell.get("cell_type") != "code":
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        source = _strip_magics(_source(cell))
        directive = bool(meta.get("grade")) and autotest.has_directives(source)
        steps.append(
            autotest.Step(source, str(meta.get("grade_id") or f"cell-{index}") if directive else None)
        )
    if not any(s.grade_id for s in steps):
        return {}
    templates, origin = autotest.load_templates(folder, root)
    if templates is autotest.DEFAULT_TEMPLATES:
        report.notes.append(f"{where}: no autotests.yml; ### AUTOTEST expanded with {origin}")
    return autotest.expand(steps, templates, folder)


def parse_nbgrader(
    notebook: dict[str, Any],
    where: str,
    report: ImportReport,
    folder: Path | None = None,
    root: Path | None = None,
) -> list[Question]:
    questions: list[Question] = []
    setup: list[str] = []
    pending: list[str] = []
    current: Question | None = None
    expansions = _autotest_expansions(notebook, where, report, folder, root)
    refused: dict[int, str] = {}  # id(question) -> why one of its test cells cannot convert
    helpers: dict[str, str] = {}  # functions earlier test cells define (one kernel runs them all)
    for cell in notebook.get("cells") or []:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        source = _source(cell)
        kind = cell.get("cell_type")
        grade_id = str(meta.get("grade_id") or f"cell-{len(questions) + 1}")
        if meta.get("task"):
            report.skipped.append(Skipped(where, grade_id, "a task cell: graded by hand"))
            pending = []
            continue
        if meta.get("solution") and meta.get("grade"):
            report.skipped.append(Skipped(where, grade_id, f"a manually graded {kind} answer (no tests)"))
            pending = []
            continue
        if kind == "markdown":
            if meta.get("solution"):
                report.skipped.append(Skipped(where, grade_id, "a written (markdown) answer: graded by hand"))
                pending = []
            elif current is not None and not current.tests:
                current.statement.append(source)
            else:
                pending.append(source)
            continue
        if kind != "code":
            continue
        if meta.get("solution"):
            if current is None or current.tests:
                current = Question(grade_id, statement=pending, setup=list(setup))
                questions.append(current)
                pending = []
            starter, solution = nbgrader_split(source)
            current.starter.append(starter)
            current.solution.append(solution)
        elif meta.get("grade"):
            if current is None:
                report.skipped.append(Skipped(where, grade_id, "a test cell before any answer cell"))
                continue
            expansion = expansions.get(grade_id)
            if expansion is not None and expansion.error is not None:
                refused.setdefault(
                    id(current),
                    f"test cell {grade_id}: its ### AUTOTEST could not be evaluated on the solution "
                    f"({expansion.error}), so no faithful test can be written",
                )
                continue
            if expansion is not None:
                source = expansion.source
            # Each LearnFlow test runs on its own: bring the helpers an earlier test cell defined.
            own = defined_names(source)
            needed = [helpers[n] for n in sorted(used_names(source) & set(helpers) - own)]
            if needed:
                source = "\n\n".join([*needed, source])
            helpers.update(_helpers(_source(cell)))
            points = Fraction(str(meta.get("points") or 0))
            current.tests.extend(nbgrader_tests(grade_id, source, points))
        elif current is None or meta.get("locked"):
            setup.append(_strip_magics(source))
        # Other free code cells ("squares(10)" to try the answer) are the student's scratch space.
    for question in [q for q in questions if id(q) in refused]:
        report.skipped.append(Skipped(where, question.name, refused[id(question)]))
    return [q for q in questions if id(q) not in refused]


# --- otter-grader ----------------------------------------------------------------------


def _mini_yaml(text: str) -> dict[str, Any]:
    """The part of YAML otter's cell configs use: ``key: scalar`` and ``key:`` + ``- item`` lists."""
    result: dict[str, Any] = {}
    key: str | None = None
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0] in " \t-":
            item = raw.strip()
            if key is not None and item.startswith("- "):
                if not isinstance(result.get(key), list):
                    result[key] = []
                result[key].append(_scalar(item[2:]))
            elif key is not None and ":" in item:  # one level of mapping (points: {each: 2})
                if not isinstance(result.get(key), dict):
                    result[key] = {}
                name, _, value = item.partition(":")
                result[key][name.strip()] = _scalar(value)
            continue
        name, _, value = raw.partition(":")
        key = name.strip()
        result[key] = _scalar(value) if value.strip() else None
    return result


def _scalar(text: str) -> Any:
    text = text.strip().rstrip("\\").strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.lower() in ("null", "~", ""):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip("'\"")


def _marker(cell: dict[str, Any]) -> tuple[str, str] | None:
    """('BEGIN QUESTION', config text) for an otter raw delimiter cell, else None."""
    if cell.get("cell_type") != "raw":
        return None
    text = _source(cell).strip()
    match = re.match(r"#\s*(BEGIN|END)\s+(ASSIGNMENT CONFIG|QUESTION|SOLUTION|TESTS|PROMPT)\b", text)
    if not match and text.startswith("# ASSIGNMENT CONFIG"):
        return ("BEGIN ASSIGNMENT CONFIG", text)
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}", text[match.end() :]


_OT_LINE = re.compile(r"^(\s*)(.*?)\s*# SOLUTION( NO PROMPT)?\s*$")
_OT_BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION( NO PROMPT)?\s*$")
_OT_END = re.compile(r"^\s*# END SOLUTION\s*$")
_OT_PROMPT = re.compile(r'^(\s*)""" # BEGIN PROMPT\s*$')
_OT_END_PROMPT = re.compile(r'^\s*""";? # END PROMPT\s*$')
_OT_IGNORE_BEGIN = re.compile(r"^\s*# BEGIN IGNORE\s*$")
_OT_IGNORE_END = re.compile(r"^\s*# END IGNORE\s*$")


def otter_split(source: str) -> tuple[str, str]:
    """(starter, solution) of an otter solution cell."""
    starter: list[str] = []
    solution: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _OT_IGNORE_BEGIN.match(line):
            i = next((j for j in range(i, len(lines)) if _OT_IGNORE_END.match(lines[j])), len(lines)) + 1
            continue
        if line.rstrip().endswith("# IGNORE"):
            i += 1
            continue
        if match := _OT_BEGIN.match(line):
            end = next((j for j in range(i + 1, len(lines)) if _OT_END.match(lines[j])), len(lines))
            block = lines[i + 1 : end]
            solution.extend(block)
            if not match.group(2):
                starter.extend(_stub(match.group(1), "\n".join(block), function_stub="..."))
            i = end + 1
            continue
        if match := _OT_PROMPT.match(line):
            end = next((j for j in range(i + 1, len(lines)) if _OT_END_PROMPT.match(lines[j])), len(lines))
            starter.extend(lines[i + 1 : end])
            i = end + 1
            continue
        if match := _OT_LINE.match(line):
            indent, code, no_prompt = match.groups()
            solution.append(indent + code)
            if not no_prompt:
                starter.append(indent + _otter_prompt_line(code))
            i += 1
            continue
        starter.append(line)
        solution.append(line)
        i += 1
    return "\n".join(starter).rstrip() + "\n", "\n".join(solution).rstrip() + "\n"


def _otter_prompt_line(code: str) -> str:
    """otter's prompt for a ``# SOLUTION`` line: ``x = ...``, ``return ...``, else ``...``."""
    if code.startswith("return"):
        return "return ..."
    match = re.match(r"^([A-Za-z_][\w.,\s\[\]'\"]*?)\s*(\+|-|\*|/)?=(?!=)", code)
    if match:
        return f"{match.group(1).strip()} {match.group(2) or ''}= ...".replace("  ", " ")
    return "..."


_TEST_CONFIG = re.compile(r'^\s*""" # BEGIN TEST CONFIG\s*\n(.*?)\n\s*""" # END TEST CONFIG\s*\n?', re.S)
_BOOLEAN_CALLS = {"isinstance", "all", "any", "callable", "hasattr", "isclose", "allclose", "array_equal"}


def _is_boolean(expr: ast.expr) -> bool:
    if isinstance(expr, (ast.Compare, ast.BoolOp)) or (
        isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not)
    ):
        return True
    if isinstance(expr, ast.Call):
        func = expr.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return name in _BOOLEAN_CALLS
    return isinstance(expr, ast.Constant) and expr.value is True


@dataclass
class _OtterTest:
    name: str
    body: str  # statements before the last expression
    expr: str | None  # the last expression, when the test ends with one
    config: dict[str, Any]
    hidden: bool
    # What the master notebook's stored outputs show the cell printed (otter's expected doctest
    # output is the cell's stored outputs); None when the cell was saved without outputs.
    stored_printed: str | None = None


def _stored_printed(cell: dict[str, Any]) -> str | None:
    outputs = cell.get("outputs") or []
    if not outputs:
        return None
    return "".join(
        "".join(o["text"]) if isinstance(o.get("text"), list) else str(o.get("text") or "") for o in outputs
    )


def _otter_test(source: str, default_name: str) -> _OtterTest | None:
    config: dict[str, Any] = {}
    if match := _TEST_CONFIG.match(source):
        config = _mini_yaml(match.group(1))
        source = source[match.end() :]
    lines = source.splitlines()
    hidden = bool(config.get("hidden"))
    if lines and lines[0].strip() == "# HIDDEN":
        hidden, lines = True, lines[1:]
    code = "\n".join(lines).strip("\n")
    if _is_test_cell_empty(code):
        return None
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return _OtterTest(str(config.get("name") or default_name), code, None, config, hidden)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr):
        body = "\n".join(lines_of(code, tree.body[:-1]))
        return _OtterTest(
            str(config.get("name") or default_name), body, ast.unparse(last.value), config, hidden
        )
    return _OtterTest(str(config.get("name") or default_name), code, None, config, hidden)


def lines_of(code: str, nodes: list[ast.stmt]) -> list[str]:
    if not nodes:
        return []
    return code.splitlines()[: nodes[-1].end_lineno]


# Each test runs after the solution, as otter's doctest would: what the test's own print
# calls write ("printed") is kept apart from what the solution's code prints while the test
# calls it ("inner"), because a LearnFlow test can capture only the first (see below).
_EXPECTED_RUNNER = r"""
import ast, contextlib, io, json, sys
data = json.loads(sys.stdin.read())
out = []
namespace = {"__name__": "__main__"}
try:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(data["program"], "<solution>", "exec"), namespace)
except BaseException as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    raise SystemExit(0)
for body, expr in data["tests"]:
    scope = dict(namespace)
    printed = []
    def test_print(*args, sep=" ", end="\n", file=None, flush=False, _printed=printed):
        if file is not None:
            return print(*args, sep=sep, end=end, file=file, flush=flush)
        _printed.append((" " if sep is None else sep).join(map(str, args)) + ("\n" if end is None else end))
    scope["print"] = test_print
    inner = io.StringIO()
    try:
        with contextlib.redirect_stdout(inner):
            exec(compile(body, "<test>", "exec"), scope)
            value = eval(compile(expr, "<test>", "eval"), scope) if expr else None
        result = {"printed": "".join(printed), "inner": inner.getvalue()}
        if expr:
            text = repr(value)
            try:
                ast.literal_eval(text)
                result["repr"] = text
            except BaseException as exc:
                result["repr_error"] = f"{type(exc).__name__}: {exc}"[:300]
        out.append(result)
    except BaseException as exc:
        out.append({"error": f"{type(exc).__name__}: {exc}"[:300]})
print(json.dumps({"values": out}))
"""

# What a test prints, captured in the test itself: the print calls a LearnFlow test makes run
# in the test (the trusted side), while the student's code runs in a sandboxed child whose
# output a test cannot read.
PRINT_CAPTURE = """_printed = []


def print(*args, sep=" ", end="\\n", **_):
    _printed.append((" " if sep is None else sep).join(map(str, args)) + ("\\n" if end is None else end))
"""


def _expected_values(
    program: str, tests: list[tuple[str, str]], cwd: Path | None = None, timeout: float = 60
) -> dict[str, Any]:
    """Run the instructor's solution once (a child Python, in the assignment's folder for its data
    files) and each test's last expression after it."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _EXPECTED_RUNNER],
            cwd=cwd,
            env=child_environment(),
            input=json.dumps({"program": program, "tests": tests}),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        lines = done.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else {"error": done.stderr.strip()[-300:]}
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        return {"error": str(exc)[:300]}


def parse_otter(
    notebook: dict[str, Any],
    where: str,
    report: ImportReport,
    folder: Path | None = None,
    root: Path | None = None,
) -> list[Question]:
    questions: list[Question] = []
    setup: list[str] = []
    current: Question | None = None
    config: dict[str, Any] = {}
    state = "outside"  # outside | question | solution | tests | prompt
    manual_solution = False
    tests: list[_OtterTest] = []
    for cell in notebook.get("cells") or []:
        marker = _marker(cell)
        kind, source = cell.get("cell_type"), _source(cell)
        if marker:
            word, rest = marker
            if word == "BEGIN QUESTION":
                config = _mini_yaml(rest)
                current = Question(str(config.get("name") or f"q{len(questions) + 1}"), setup=list(setup))
                state, manual_solution, tests = "question", False, []
            elif word == "BEGIN SOLUTION" and current is not None:
                state = "solution"
            elif word == "BEGIN TESTS" and current is not None:
                state = "tests"
            elif word == "BEGIN PROMPT":
                state = "prompt"
            elif word.startswith("END ") and word != "END QUESTION":
                state = "question" if current is not None else "outside"
            elif word == "END QUESTION" and current is not None:
                _finish_otter_question(
                    current, config, tests, manual_solution, where, report, questions, folder
                )
                current, state = None, "outside"
            continue
        if state == "outside":
            if kind == "code" and source.strip():
                setup.append(_strip_magics(source))
            continue
        assert current is not None
        if state == "question":
            if kind == "markdown":
                current.statement.append(source)
            elif kind == "code" and source.strip():
                current.starter.append(source)
                current.solution.append(source)
        elif state == "solution":
            if kind == "markdown" and "otter_include" in ((cell.get("metadata") or {}).get("tags") or []):
                current.statement.append(source)
            elif kind == "markdown":
                manual_solution = manual_solution or not current.solution  # a written answer
            elif kind == "code":
                starter, solution = otter_split(source)
                current.starter.append(starter)
                current.solution.append(solution)
        elif state == "tests" and kind == "code":
            test = _otter_test(source, f"{current.name}-{len(tests) + 1}")
            if test is not None:
                test.stored_printed = _stored_printed(cell)
                tests.append(test)
    return questions


def _otter_points(config: dict[str, Any], tests: list[_OtterTest]) -> list[Fraction]:
    """Each test's points, resolved as otter does (otter/test_files/abstract_test.py)."""
    given = config.get("points")
    explicit = [t.config.get("points") for t in tests]
    if isinstance(given, dict):  # points: {each: N}
        given = (given.get("each") or 1) * len(tests)
    if isinstance(given, list):
        explicit = [*given, *([None] * len(tests))][: len(tests)]
        given = None
    fixed = sum((Fraction(str(p)) for p in explicit if p is not None), Fraction(0))
    shared = sum(1 for p in explicit if p is None)
    if given is not None:
        each = (Fraction(str(given)) - fixed) / shared if shared else Fraction(0)
    elif fixed == 0:
        each = Fraction(1) / shared if shared else Fraction(0)  # an unscored question is worth 1 point
    else:
        each = Fraction(0)  # tests without points are worth nothing beside ones that have them
    return [Fraction(str(p)) if p is not None else max(each, Fraction(0)) for p in explicit]


def _finish_otter_question(
    question: Question,
    config: dict[str, Any],
    tests: list[_OtterTest],
    manual_solution: bool,
    where: str,
    report: ImportReport,
    questions: list[Question],
    folder: Path | None = None,
) -> None:
    if config.get("manual") or manual_solution:
        report.skipped.append(
            Skipped(where, question.name, "manually graded (manual: true or a written answer)")
        )
        return
    if not tests:
        report.skipped.append(Skipped(where, question.name, "no tests: nothing to grade automatically"))
        return
    if not question.solution:
        report.skipped.append(Skipped(where, question.name, "no solution cell"))
        return
    points = _otter_points(config, tests)
    needs_value = {
        t.name for t in tests if t.expr is not None and not _is_boolean(ast.parse(t.expr, mode="eval").body)
    }
    # Every test runs once on the solution: for the values it compares and for what it prints
    # (otter's doctest compares the printed output too).
    earlier = [s for q in questions for s in q.solution]
    code = earlier + question.solution + [t.body + "\n" + (t.expr or "") for t in tests]
    program = "\n\n".join(relevant_setup(question.setup, code) + earlier + question.solution)
    result = _expected_values(program, [(t.body, t.expr or "") for t in tests], folder)
    values: dict[str, Any] = {}
    if "error" in result:
        if needs_value or any("print" in used_names(t.body + "\n" + (t.expr or "")) for t in tests):
            report.skipped.append(
                Skipped(where, question.name, f"the solution does not run here: {result['error']}")
            )
            return
        report.notes.append(
            f"{where} {question.name}: printed output not checked (the solution does not run here: "
            f"{result['error']})"
        )
    else:
        values = {t.name: v for t, v in zip(tests, result["values"], strict=True)}
    for test in tests:
        inner = values.get(test.name, {}).get("inner")
        if inner:
            report.skipped.append(
                Skipped(
                    where,
                    question.name,
                    f"test cell {test.name} expects output printed by the answer's own code "
                    f"({inner[:60]!r}); LearnFlow tests run outside the student's process and cannot "
                    "read it, so no faithful test can be written: make the answer return the value",
                )
            )
            return
    for test, worth in zip(tests, points, strict=True):
        value = values.get(test.name, {})
        if test.name in needs_value and ("error" in value or "repr_error" in value):
            why = value.get("error") or value.get("repr_error")
            report.notes.append(f"{where} {question.name}: test {test.name} dropped ({why})")
            continue
        lines = [test.body]
        if test.expr is None:
            pass
        elif test.name in needs_value and value["repr"] != "None":
            lines.append(f"assert {test.expr} == {value['repr']}")
        elif test.name in needs_value:
            lines.append(test.expr)
        else:
            lines.append(f"assert {test.expr}")
        printed = value.get("printed")
        if test.stored_printed is not None and test.stored_printed != (printed or ""):
            # otter compares the stored output: keep it, and say the solution now prints otherwise.
            report.notes.append(
                f"{where} {question.name}: test {test.name} checks the output stored in the notebook "
                f"({test.stored_printed[:40]!r}), not what the solution prints here "
                f"({(printed or '')[:40]!r})"
            )
            printed = test.stored_printed
        if printed:
            lines = [PRINT_CAPTURE, *lines, f'assert "".join(_printed) == {printed!r}']
        source = "\n".join(filter(None, lines))
        question.tests.append(
            ImportedTest(
                test.name,
                source.rstrip() + "\n",
                test.hidden,
                worth,
                _short(test.config.get("success_message")),
                _short(test.config.get("failure_message")),
            )
        )
    questions.append(question)


def _short(value: Any) -> str | None:
    return str(value)[:500] if value else None


# --- writing exercises -------------------------------------------------------------------


def group_questions(questions: list[Question]) -> list[list[Question]]:
    """Merge a question with the earlier ones whose definitions it uses (so none is given away)."""
    groups: list[list[Question]] = []
    for question in questions:
        needs = set().union(*(used_names(s) for s in question.solution + [t.source for t in question.tests]))
        needs -= set().union(*(defined_names(s) for s in question.solution + question.setup), set())
        joined = [
            g for g in groups if needs & set().union(*(defined_names(s) for q in g for s in q.solution))
        ]
        merged = [q for g in joined for q in g] + [question]
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


def relevant_setup(setup: list[str], code: list[str]) -> list[str]:
    """The setup cells a question needs: those defining a name it (or a needed setup cell) uses."""
    needs = set().union(*(used_names(c) for c in code), set())
    kept: list[str] = []
    for cell in reversed(setup):
        defines = defined_names(cell)
        if defines & needs or (not defines and cell.strip() and not _is_test_cell_empty(cell)):
            kept.insert(0, cell)
            needs |= used_names(cell)
    return kept


def _scale(points: list[Fraction]) -> int:
    return lcm(1, *(p.limit_denominator(100).denominator for p in points))


def exercise_notebook(
    group: list[Question],
    source_format: str,
    source_path: str,
    stem: str,
    *,
    difficulty: Difficulty = Difficulty.BEGINNER,
    topic: CurriculumTopic | None = None,
) -> dict[str, Any]:
    last = group[-1]
    code = [s for q in group for s in q.solution] + [t.source for q in group for t in q.tests]
    setup = [s.strip("\n") for s in relevant_setup(last.setup, code)]
    setup_text = "\n\n".join(setup)
    starter = "\n\n".join(filter(None, [setup_text, *(s.strip("\n") for q in group for s in q.starter)]))
    solution = "\n\n".join(filter(None, [setup_text, *(s.strip("\n") for q in group for s in q.solution)]))
    statement = "\n\n".join(s.strip() for q in group for s in q.statement if s.strip())
    names = [q.name for q in group]
    if not statement:
        statement = f"## {stem}: {', '.join(names)}\n\nWrite the code the tests below check."
    tests = [t for q in group for t in q.tests]
    scale = _scale([t.points for t in tests])
    exercise_id = _slug(f"{stem}-{names[0]}")[:64].strip("-")
    title = _title(statement, f"{stem}: {' + '.join(names)}")[:200]
    meta = {
        "schema_version": 1,
        "exercise_id": exercise_id,
        "title": title,
        "topic": str(topic or _topic(statement, solution)),
        "difficulty": str(difficulty),
        "prerequisites": [],
        "hints": list(DEFAULT_HINTS),
        "released": False,
    }
    cells = [
        markdown_cell(statement, "statement", {"role": "statement"}),
        code_cell(starter, "starter", {"role": "starter"}),
        code_cell(solution, "solution", {"role": "solution"}),
    ]
    seen: set[str] = set()
    original: dict[str, float] = {}
    for index, test in enumerate(tests):
        name = test.name[:200]
        while name in seen:
            name = f"{name}'"
        seen.add(name)
        role: dict[str, Any] = {
            "role": "hidden-tests" if test.hidden else "visible-tests",
            "name": name,
            "points": min(100, int(test.points * scale)),
        }
        if test.success:
            role["success"] = test.success
        if test.failure:
            role["failure"] = test.failure
        original[name] = float(test.points)
        cells.append(code_cell(test.source, f"test-{index}", role))
    if not any(not t.hidden for t in tests):
        # The format needs one visible test: check that the answer's names exist (worth nothing).
        wanted = sorted(
            set().union(*(defined_names(s) for q in group for s in q.solution)) - set(dir(builtins))
        )
        check = "\n".join(f"assert {n} is not None" for n in wanted[:5]) or "pass"
        cells.insert(
            3, code_cell(check, "defines", {"role": "visible-tests", "name": "defines", "points": 0})
        )
        original["defines"] = 0.0
    notebook = new_notebook(cells, meta)
    notebook["metadata"][IMPORT_KEY] = {
        "format": source_format,
        "source": source_path,
        "questions": names,
        "points": original,
        "points_scale": scale,
        "max_points": float(sum(t.points for t in tests)),
    }
    return notebook


def import_assignments(
    source_format: str,
    source: Path | str,
    destination: Path | str,
    *,
    difficulty: Difficulty = Difficulty.BEGINNER,
    topic: CurriculumTopic | None = None,
) -> ImportReport:
    """Convert every source notebook under `source` (a file or a directory) into `destination`."""
    if source_format not in FORMATS:
        raise CourseToolError(f"unknown format {source_format!r}: choose one of {', '.join(FORMATS)}")
    source, destination = Path(source), Path(destination)
    paths = (
        [source]
        if source.is_file()
        else sorted(p for p in source.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    )
    if not paths:
        raise CourseToolError(f"no .ipynb files under {source}")
    if destination.resolve() == (source if source.is_dir() else source.parent).resolve():
        raise CourseToolError("import would write into the assignments' folder: choose another destination")
    report = ImportReport()
    parse = parse_nbgrader if source_format == "nbgrader" else parse_otter
    for path in paths:
        where = str(path.relative_to(source)) if source.is_dir() else path.name
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            report.skipped.append(Skipped(where, "*", f"cannot read notebook JSON: {exc}"))
            continue
        questions = parse(notebook, where, report, path.parent, source if source.is_dir() else None)
        if not questions:
            report.notes.append(f"{where}: no autograded question")
        stem = path.stem
        for group in group_questions(questions):
            exercise = exercise_notebook(
                group, source_format, where, stem, difficulty=difficulty, topic=topic
            )
            exercise_id = exercise["metadata"]["learnflow"]["exercise_id"]
            target = destination / stem / f"{exercise_id}.ipynb"
            write_notebook(exercise, target)
            report.written.append(target)
            report.questions += [(where, q.name) for q in group]
            if len(group) > 1:
                report.notes.append(
                    f"{where}: {' + '.join(q.name for q in group)} are one exercise "
                    "(a later question uses what an earlier one defines)"
                )
    return report
