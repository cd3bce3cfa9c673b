"""Turn a query into the source to analyse: the code, IPython magics masked, parsed once."""

import ast
import re
import warnings
from dataclasses import dataclass, field

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.code_review.source_map import SourceMap

# Notebook cells may `await` at top level; the kernel allows it, so the review must too.
PARSE_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
_FENCE = re.compile(r"```(?:python|py|ipython)?[ \t]*\n(.*?)```", re.DOTALL)
_MAGIC_MARK = "# learnflow-magic-"
_CELL_MAGIC_RE = re.compile(r"%%(\w+)")
# Cell magics whose body is still Python; any other (%%bash, %%html...) is not ours to review.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "python", "python3"}
_MARK_RE = re.compile(r"# learnflow-magic-(\d+)$")
_TIMED_RE = re.compile(r"%%?time(?:it)?\s+([^-\s].*)$")
_ASSIGNED_RE = re.compile(r"([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]")


@dataclass
class Cell:
    original: str
    # The source every analysis sees: identical to `original` except that IPython magic
    # and shell lines are replaced, one line for one line, by the Python they stand for
    # (or `pass`), marked so the refactor can put the original lines back.
    analysed: str
    smap: SourceMap
    tree: ast.Module | None
    syntax_error: SyntaxError | None = None
    magic_lines: dict[int, str] = field(default_factory=dict)

    @property
    def line_count(self) -> int:
        return len(self.original.splitlines())

    def restore_magics(self, code: str) -> str:
        """Put the masked magic lines back into (possibly rewritten) code."""
        if not self.magic_lines:
            return code
        out = []
        for line in code.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            mark = _MARK_RE.search(body)
            if mark and int(mark.group(1)) in self.magic_lines:
                out.append(self.magic_lines[int(mark.group(1))] + line[len(body) :])
            else:
                out.append(line)
        return "".join(out)


def parse(source: str) -> ast.Module:
    """The AST, after a full compile: `return` outside a function or `break` outside a
    loop are only found by the compiler, and the kernel would reject them the same way."""
    # Students' code often triggers SyntaxWarnings (`x is 5`); they are findings, not noise
    # for the server's stderr.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = compile(source, "cell.py", "exec", PARSE_FLAGS)
        compile(tree, "cell.py", "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    return tree


def compiles(source: str) -> bool:
    try:
        parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def code_from_query(query: StudentQuery) -> str:
    code = query.code or ""
    if code.strip():
        return code
    # A student may paste the code into the message instead of sending the cell.
    fenced = [block for block in _FENCE.findall(query.text) if block.strip()]
    if fenced:
        return fenced[0]
    raise ValueError("code review needs code: the query's code is empty or only whitespace")


def _python_for_magic(stripped: str) -> str:
    """The Python a magic line stands for, as far as the analysis needs to know."""
    timed = _TIMED_RE.match(stripped)
    if timed:
        return timed.group(1)  # `%time total = f(x)` still runs (and binds) `total = f(x)`
    assigned = _ASSIGNED_RE.match(stripped)
    if assigned:
        return f"{assigned.group(1)} = None"  # `files = !ls` binds `files`
    return "pass"


def _mask_magics(source: str) -> tuple[str, dict[int, str]]:
    lines = source.splitlines(keepends=True)
    magic: dict[int, str] = {}
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        stripped = body.lstrip()
        is_magic = stripped.startswith(("%", "!")) or _ASSIGNED_RE.match(stripped)
        if is_magic:
            indent = body[: len(body) - len(stripped)]
            magic[index] = body
            lines[index] = f"{indent}{_python_for_magic(stripped)}  {_MAGIC_MARK}{index}{line[len(body) :]}"
    return "".join(lines), magic


class NotPythonCellError(ValueError):
    """The cell runs another language (%%bash, %%html, ...): nothing here can review it."""

    def __init__(self, magic: str) -> None:
        super().__init__(f"this is a %%{magic} cell, not Python: code review covers Python cells")
        self.magic = magic


def prepare_cell(query: StudentQuery) -> Cell:
    original = code_from_query(query)
    cell_magic = _CELL_MAGIC_RE.match(original.lstrip())
    if cell_magic and cell_magic.group(1) not in PYTHON_CELL_MAGICS:
        raise NotPythonCellError(cell_magic.group(1))
    try:
        return Cell(original, original, SourceMap(original), parse(original))
    except SyntaxError as first_error:
        # Only when plain Python fails: a line starting with % is valid inside brackets.
        masked, magic = _mask_magics(original)
        if magic:
            try:
                return Cell(original, masked, SourceMap(masked), parse(masked), magic_lines=magic)
            except SyntaxError:
                pass
        return Cell(original, original, SourceMap(original), None, syntax_error=first_error)
    except ValueError as exc:  # e.g. source with NUL bytes (the contract rejects them too)
        return Cell(original, original, SourceMap(original), None, syntax_error=SyntaxError(str(exc)))
