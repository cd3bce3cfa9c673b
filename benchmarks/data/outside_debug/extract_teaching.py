"""Build ``cases_teaching.jsonl``: runtime errors that teaching material shows its readers.

Sources (none written here; each row's ``source`` names repository, commit, path and line):

- CPython 3.11.7's own ``Lib`` (``Lib/test`` included), as installed under ``/root/.pyenv``:
  every docstring doctest whose expected output is a traceback (PSF licence).
- Allen Downey, *Think Python* 2nd ed. (github.com/AllenDowney/ThinkPython2, ``book/book.tex``,
  MIT): the interpreter sessions in ``verbatim`` blocks that end in an error line.
- Allen Downey, *Think Python* 3rd ed. (github.com/AllenDowney/ThinkPython,
  ``chapters/chap*.ipynb``; code MIT): the cells marked ``%%expect SomeError``.
- Jake VanderPlas, *A Whirlwind Tour of Python* (github.com/jakevdp/WhirlwindTourOfPython, CC0):
  notebook cells whose saved output is an error.
- Software Carpentry, *Programming with Python* and *Plotting and Programming in Python*
  (github.com/swcarpentry/python-novice-inflammation, …-gapminder; CC BY 4.0): code blocks
  followed by an ``error`` block.
- Mark Pilgrim, *Dive Into Python 3* (github.com/diveintomark/diveintopython3; CC BY-SA 3.0):
  the interpreter sessions in ``<pre class=screen>`` that show a traceback.
- Charles Severance, *Python for Everybody* (github.com/csev/py4e, ``book3/*.mkd``;
  CC BY-NC-SA 3.0): the interpreter sessions that end in an error line.

Each example is a sequence of statements (a session, a notebook, an episode) in which one
statement is shown failing with an error type. The program is that statement plus the earlier
statements it needs (a backward slice: statements that bind, or call a method on, a name the
kept code reads), run as a script ``cell.py`` by CPython 3.11.7 (extract_runtime.run_as_script:
own subprocess, temp dir, isolated mode, 10 s, 1 GB). A case is kept only when it raises the
type the source shows (or a subclass: a book's ``RuntimeError`` for recursion is 3.11's
``RecursionError``) from the shown statement. SyntaxErrors are left out (other sets cover them).
At most ``PER_KIND`` cases per (type, message kind), the first by hash, so the stdlib's many
call-signature doctests don't swamp the set. Split: every 5th by the code's SHA-256 is holdout.

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_teaching.py
    .venv/bin/python benchmarks/data/outside_debug/labels.py
"""

from __future__ import annotations

import ast
import doctest
import html
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from extract import last_error  # noqa: E402
from extract_runtime import case_row, finish, first_per_kind, raises_expected, run_as_script, tally  # noqa: E402

MIRRORS = Path("/work/.mirror")
LIB = Path("/root/.pyenv/versions/3.11.7/lib/python3.11")
PER_KIND = 6
SYNTAX = {"SyntaxError", "IndentationError", "TabError"}
_ERRLINE = re.compile(r"^(?:[\w.]+\.)?([A-Z]\w*(?:Error|Exception|Iteration|Exit|Interrupt))(?::\s?(.*))?$")


@dataclass
class Chunk:
    code: str
    line: int  # where the statement is in the source file
    expected: str | None = None  # the error type the source shows for it


@dataclass
class Session:
    source: str  # repo@commit/path
    licence: str
    chunks: list[Chunk]


def _keep(sessions: list[Session], source: str, licence: str, chunks: list[Chunk]) -> None:
    """Add the session when one of its chunks shows an error (the others only set it up)."""
    if any(c.expected for c in chunks):
        sessions.append(Session(source, licence, chunks))


# --- reading the sources -------------------------------------------------------------------


def _git(gitdir: Path, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={gitdir}", *args], capture_output=True, text=True, check=True
    ).stdout


def _mirror(repo: str) -> tuple[Path, str]:
    """The stored git dir of github.com/<repo> and its HEAD commit."""
    git = MIRRORS / repo.replace("/", "+") / "repo"
    return git, _git(git, "rev-parse", "HEAD").strip()


def transcript(text: str, first_line: int) -> list[Chunk]:
    """Chunks of an interactive session (``>>>``/``...`` lines, then their output)."""
    chunks: list[Chunk] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        ln = lines[i].rstrip()
        if not ln.lstrip().startswith(">>>"):
            i += 1
            continue
        indent = len(ln) - len(ln.lstrip())
        start = i
        src = [ln.lstrip()[4:] if len(ln.lstrip()) > 3 else ""]
        i += 1
        while i < len(lines) and lines[i][indent:].startswith("..."):
            src.append(lines[i][indent + 4 :].rstrip())
            i += 1
        out = []
        while i < len(lines) and not lines[i].lstrip().startswith(">>>"):
            out.append(lines[i].strip())
            i += 1
        expected = None
        for o in out:
            m = _ERRLINE.match(o)
            if m:
                expected = m.group(1)
        chunks.append(Chunk("\n".join(src).rstrip() + "\n", first_line + start, expected))
    return chunks


def cpython_lib() -> list[Session]:
    sessions = []
    parser = doctest.DocTestParser()
    for dirpath, dirnames, filenames in os.walk(LIB):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "idlelib", "lib2to3"))
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = Path(dirpath, name)
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            rel = path.relative_to(LIB)
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Constant) and isinstance(node.value, str) and ">>>" in node.value
                ):
                    continue
                try:
                    examples = parser.get_examples(node.value)
                except ValueError:
                    continue
                chunks = []
                for ex in examples:
                    expected = None
                    if ex.exc_msg is not None:
                        m = _ERRLINE.match(ex.want.strip().splitlines()[-1].strip())
                        expected = m.group(1) if m else None
                    chunks.append(Chunk(ex.source, node.lineno + ex.lineno, expected))
                _keep(sessions, f"cpython@v3.11.7/Lib/{rel}", "PSF-2.0", chunks)
    return sessions


def think_python2() -> list[Session]:
    git, commit = _mirror("AllenDowney/ThinkPython2")
    tex = _git(git, "show", "HEAD:book/book.tex")
    sessions = []
    # one session per chapter: a chapter's examples build on each other
    for chap in re.finditer(r"\\chapter\{.*?(?=\\chapter\{|\Z)", tex, re.S):
        chunks = []
        base = tex.count("\n", 0, chap.start()) + 1
        for v in re.finditer(r"\\begin\{verbatim\}\n(.*?)\\end\{verbatim\}", chap.group(0), re.S):
            line = base + chap.group(0).count("\n", 0, v.start(1))
            chunks += transcript(v.group(1), line)
        _keep(sessions, f"AllenDowney/ThinkPython2@{commit[:7]}/book/book.tex", "MIT", chunks)
    return sessions


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _notebook_sessions(repo: str, paths: list[str], licence: str, expect_magic: bool) -> list[Session]:
    git, commit = _mirror(repo)
    sessions = []
    for path in paths:
        nb = json.loads(_git(git, "show", f"HEAD:{path}"))
        chunks = []
        for idx, cell in enumerate(nb.get("cells", [])):
            if cell.get("cell_type") != "code":
                continue
            src = _cell_source(cell)
            expected = None
            m = re.match(r"%%expect\s+(\w+)", src)
            if expected_magic_ok := (expect_magic and m):
                expected = m.group(1)
            if not expected_magic_ok:
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error":
                        expected = out.get("ename")
            lines = [ln for ln in src.split("\n") if not ln.lstrip().startswith(("%", "!"))]
            chunks.append(Chunk("\n".join(lines).rstrip() + "\n", idx + 1, expected))
        _keep(sessions, f"{repo}@{commit[:7]}/{path} (cell)", licence, chunks)
    return sessions


def think_python3() -> list[Session]:
    paths = [f"chapters/chap{i:02}.ipynb" for i in range(20)]
    return _notebook_sessions("AllenDowney/ThinkPython", paths, "MIT (code)", True)


def whirlwind() -> list[Session]:
    git = MIRRORS / "jakevdp+WhirlwindTourOfPython/repo"
    paths = [p for p in _git(git, "ls-tree", "--name-only", "HEAD").split("\n") if p.endswith(".ipynb")]
    return _notebook_sessions("jakevdp/WhirlwindTourOfPython", paths, "CC0-1.0", False)


def carpentries() -> list[Session]:
    sessions = []
    for repo in ("swcarpentry/python-novice-inflammation", "swcarpentry/python-novice-gapminder"):
        git, commit = _mirror(repo)
        for path in _git(git, "ls-tree", "-r", "--name-only", "HEAD", "episodes/").split("\n"):
            if not path.endswith(".md"):
                continue
            text = _git(git, "show", f"HEAD:{path}")
            blocks = list(re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M))
            chunks = []
            for k, b in enumerate(blocks):
                if b.group(1) != "python":
                    continue
                expected = None
                nxt = blocks[k + 1] if k + 1 < len(blocks) else None
                between = text[b.end() : nxt.start()] if nxt else ""
                if nxt and nxt.group(1) == "error" and not between.strip():
                    for o in nxt.group(2).strip().splitlines()[::-1]:
                        m = _ERRLINE.match(o.strip())
                        if m:
                            expected = m.group(1)
                            break
                line = text.count("\n", 0, b.start(2)) + 1
                chunks.append(Chunk(b.group(2), line, expected))
            _keep(sessions, f"{repo}@{commit[:7]}/{path}", "CC-BY-4.0", chunks)
    return sessions


def dive_into_python3() -> list[Session]:
    git, commit = _mirror("diveintomark/diveintopython3")
    sessions = []
    for path in _git(git, "ls-tree", "--name-only", "HEAD").split("\n"):
        if not path.endswith(".html"):
            continue
        text = _git(git, "show", f"HEAD:{path}")
        chunks = []
        for pre in re.finditer(r"<pre class='?[\w ]*screen[\w ]*'?>(.*?)</pre>", text, re.S):
            body = re.sub(r"<a>\s*①?</a>|<a>[^<]*</a>", "", pre.group(1))  # callout markers
            body = html.unescape(re.sub(r"<[^>]+>", "", body))
            body = re.sub(r"\s*[①②③④⑤⑥⑦⑧⑨⑩]+\s*$", "", body, flags=re.M)
            chunks += transcript(body, text.count("\n", 0, pre.start(1)) + 1)
        _keep(sessions, f"diveintomark/diveintopython3@{commit[:7]}/{path}", "CC-BY-SA-3.0", chunks)
    return sessions


def py4e() -> list[Session]:
    git, commit = _mirror("csev/py4e")
    sessions = []
    for path in _git(git, "ls-tree", "--name-only", "HEAD", "book3/").split("\n"):
        if path.endswith(".mkd"):
            chunks = transcript(_git(git, "show", f"HEAD:{path}"), 1)
            _keep(sessions, f"csev/py4e@{commit[:7]}/{path}", "CC-BY-NC-SA-3.0", chunks)
    return sessions


# --- programs --------------------------------------------------------------------------------


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _binds_and_reads(tree: ast.Module) -> tuple[set[str], set[str]]:
    binds, reads = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (binds if isinstance(node.ctx, (ast.Store, ast.Del)) else reads).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                binds.add((a.asname or a.name).split(".")[0])
    # statements that change an object in place bind it too: `t.append(x)`, `d[k] = v`, `del d[k]`
    for stmt in tree.body:
        targets = []
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            targets = [stmt.value.func]
        elif isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = getattr(stmt, "targets", None) or [stmt.target]
        for t in targets:
            while isinstance(t, (ast.Attribute, ast.Subscript)):
                t = t.value
            if isinstance(t, ast.Name):
                binds.add(t.id)
    return binds, reads


def program(chunks: list[Chunk], k: int) -> tuple[str, int] | None:
    """The failing chunk k with the earlier chunks it needs; and the line it starts on."""
    tree = _parse(chunks[k].code)
    if tree is None:
        return None
    _, needed = _binds_and_reads(tree)
    kept = []
    for j in range(k - 1, -1, -1):
        c = chunks[j]
        t = _parse(c.code)
        if c.expected or t is None:
            continue
        binds, reads = _binds_and_reads(t)
        if binds & needed:
            kept.append(c.code)
            needed |= reads
    prefix = "".join(reversed(kept))
    return prefix + chunks[k].code, prefix.count("\n") + 1


_MODULE_FRAME = re.compile(r'File "/home/student/cell\.py", line (\d+), in <module>')


DROPPED = {"other": "not the shown error when run", "early": "raised before the shown statement"}


def run_expecting(code: str, start: int, expected: str) -> tuple[str, str, str] | str:
    """Run code as a script: (traceback, error type, message) when it raises ``expected`` (or a
    subclass; never a SyntaxError) from a top-level statement at or after line ``start``; else
    "other" (no error or another one) or "early" (raised before that statement)."""
    stderr = run_as_script(code)
    got = last_error(stderr) if stderr else None
    frames = [int(x) for x in _MODULE_FRAME.findall(stderr or "")]
    if got is None or got[0] in SYNTAX or not raises_expected(got[0], [expected]):
        return "other"
    if not frames or frames[-1] < start:
        return "early"
    return stderr, got[0], got[1]


def main() -> int:
    sessions = (
        cpython_lib()
        + think_python2()
        + think_python3()
        + whirlwind()
        + carpentries()
        + dive_into_python3()
        + py4e()
    )
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    dropped: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for s in sessions:
        for k, chunk in enumerate(s.chunks):
            if not chunk.expected or chunk.expected in SYNTAX:
                continue
            built = program(s.chunks, k)
            if built is None:
                dropped["does not parse under 3.11"] += 1
                continue
            code, start = built
            if code in seen:
                continue
            seen.add(code)
            if re.search(r"\binput\s*\(", code):
                dropped["reads input"] += 1
                continue
            ran = run_expecting(code, start, chunk.expected)
            if isinstance(ran, str):
                dropped[DROPPED[ran]] += 1
                continue
            stderr, etype, message = ran
            row = case_row("teach", code, f"{s.source}:{chunk.line}", etype, message, stderr, s.licence)
            by_kind[(etype, row["kind"])].append(row)
    rows = first_per_kind(by_kind, PER_KIND)
    origin = tally(rows, key=lambda r: r["source"].split("@")[0])
    return finish(rows, "cases_teaching.jsonl", len(by_kind), dropped, origin)


if __name__ == "__main__":
    sys.exit(main())
