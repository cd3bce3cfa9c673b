"""Build ``cases_so.jsonl``: real beginners' failing programs from Stack Overflow questions.

The questions are the Stack Overflow pages saved by cushionbadak/PyMaker (commit
8e388808de9c727fda99015477a1cf3baa3caae0, folder ``PyMaker/datas/object2/RawHTML/``), the same
snapshot as ``../outside_triage_so/``; the novice filter (``NOVICE``) and the library filter
(``HEAVY``) are imported from ``../outside_triage_so/build_candidates.py``. Everything below is
mechanical; no program is edited by hand.

Selection, in order (each rule counted in the ``dropped`` tally the script prints):

1. One page per question id; the question post is the page's first ``post-text`` div. Novice
   askers only, library/tool questions out (the imported filters, on the slug + first 600
   characters of the prose, as build_candidates.py does).
2. The post has at least one ``<pre>`` code block and shows an error line
   (``SomeError: message`` or a bare ``SomeError``, the type a built-in exception of 3.11) in a
   code block, or an error named in its prose (``I get TypeError: …``, the message running to the
   end of the line); the first found (code blocks first, in order, then prose) is the asker's.
   Posts whose prose names Python 2 (``python 2``, ``python2``, ``2.7``, …) without naming
   Python 3 are dropped.
3. The program: blocks are split into traceback/output blocks (those holding
   ``Traceback (most recent call last)`` or an error line) and program blocks. Recorded
   mechanical rules: a block written as an interactive session (``>>>`` prompts) contributes
   its prompt lines with ``>>> ``/``... `` removed (its output lines are dropped); HTML tags
   and entities are removed as build_candidates.py does; tabs and trailing spaces are kept;
   a block that starts like a shell command (``$ ``, ``C:\\``, ``python3 --version``,
   ``pip install``, an interpreter banner ``Python 3.5.2 (default, …``) is a terminal
   session, not a program, and is left out (its error lines still count).
   Candidates, tried in this order, the first that reproduces is kept: all program blocks
   joined by a blank line; then each program block alone, in the order posted.
4. Programs are not run when they import a module that is not in 3.11's standard library
   (``sys.stdlib_module_names``), or import a network, GUI or process module (``NETWORK_GUI``),
   or call ``os`` to change the file system or start processes, or open an absolute path
   (``UNSAFE``; ``from os import`` too), unless 3.11 cannot compile them (then nothing runs).
5. Each candidate runs as ``cell.py`` under CPython 3.11.7 (``extract_runtime.run_as_script``:
   own subprocess, temp dir, isolated mode, 10 s, 1 GB address space) with EMPTY stdin: a
   program that reaches ``input()`` gets EOFError and is dropped unless the asker reports
   EOFError. It is kept when it raises the asker's exception type exactly (SyntaxError,
   IndentationError and TabError included; a TabError counts for an asker's IndentationError;
   3.11's IndentationError does not count for an asker's SyntaxError: on these pages that is a
   fragment cut from a larger program, a lone indented line or a bare ``def``) and, for
   NameError, AttributeError, KeyError and UnboundLocalError, when the last quoted item of the
   asker's message and of 3.11's are the same (the name, the attribute, the key), so that a
   fragment failing on some other missing name does not count. Old wordings (``global name 'x'``, ``local
   variable 'x' referenced before assignment``) are compared by their quoted items only.
6. At most ``PER_KIND`` cases per (type, 3.11 message kind), the first by hash.

Rows: {id, source (the question URL), repo, commit, path, licence, title, code, asker_error
(the error line as posted), error_type, message, kind, traceback (3.11's real stderr), how
(which candidate rule built the program), split}. ``split``: "holdout" for every 5th case by
the SHA-256 of the code.

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_so.py \\
        /work/.mirror/cushionbadak+PyMaker/repo/.git
    .venv/bin/python benchmarks/data/outside_debug/labels.py
"""

from __future__ import annotations

import builtins
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "outside_triage_so"))

from build_candidates import HEAVY, NOVICE, git, question_blocks, saved_pages  # noqa: E402
from extract import last_error  # noqa: E402
from extract_runtime import case_row, finish, first_per_kind, run_as_script  # noqa: E402

REPO = "cushionbadak/PyMaker"
LICENCE = "CC BY-SA (Stack Overflow user content)"
PER_KIND = 8
SYNTAX = {"SyntaxError", "IndentationError", "TabError"}
QUOTED_MUST_MATCH = {"NameError", "AttributeError", "KeyError", "UnboundLocalError"}
NETWORK_GUI = {
    "socket", "urllib", "http", "ftplib", "smtplib", "poplib", "imaplib", "telnetlib", "xmlrpc",
    "webbrowser", "tkinter", "turtle", "Tkinter", "subprocess", "multiprocessing", "threading",
    "asyncio", "ctypes", "shutil", "signal", "pty", "curses", "winreg", "msvcrt",
}  # fmt: skip
UNSAFE = re.compile(
    r"\bos\.(remove|unlink|rmdir|removedirs|system|popen|kill|fork|exec\w*|spawn\w*|mkdir|makedirs|mkfifo"
    r"|rename|replace|chmod|chown|link|symlink|truncate|chdir)\b|from\s+os\s+import|open\(\s*[rbf]*[\"']/"
)
PY2_PROSE = re.compile(r"python\s*-?\s*2(?![\d])|python\s*2\.\d|\b2\.[4-7]\b", re.I)
PY3_PROSE = re.compile(r"python\s*-?\s*3|\b3\.\d\b", re.I)
ERROR_LINE = re.compile(
    r"^\s*(?:[\w.]+\.)?(?P<type>[A-Z]\w*(?:Error|Exception|Iteration|Exit|Interrupt))(?::\s*(?P<msg>.*))?\s*$"
)
INLINE_ERROR = re.compile(r"\b(?P<type>[A-Z]\w*(?:Error|Exception))\b(?::\s*(?P<msg>.*))?")
SHELL = re.compile(r"^\s*(\$ |>\s|[A-Z]:\\|(python[\d.]*|py|pip[\d.]*)\s+[-\w]|I?Python \d)")
IMPORT = re.compile(r"^\s*(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import)", re.M)


def exception_type(name: str) -> bool:
    cls = getattr(builtins, name, None)
    return isinstance(cls, type) and issubclass(cls, BaseException)


def same_type(asked: str, got: str) -> bool:
    """The asker's type, exactly (a TabError counts for an asker's IndentationError, its base).
    An asker's SyntaxError is NOT matched by 3.11's IndentationError: on these pages that is
    nearly always a fragment cut out of a larger program (a lone indented line, a bare `def`)."""
    return got == asked or (asked == "IndentationError" and got == "TabError")


def error_lines(text: str, inline: bool = False) -> list[tuple[str, str]]:
    """Error lines of a code block; in prose (`inline`) also an error named inside a sentence
    ("I get TypeError: ... "), its message running to the end of the line."""
    out = []
    for line in text.splitlines():
        m = ERROR_LINE.match(line) or (INLINE_ERROR.search(line) if inline else None)
        if m and exception_type(m.group("type")):
            out.append((m.group("type"), (m.group("msg") or "").strip()))
    return out


def split_blocks(blocks: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(program blocks, error lines seen in the blocks, in order)."""
    programs, errors = [], []
    for b in blocks:
        lines = b.split("\n")
        if any(ln.startswith(">>>") for ln in lines):
            prog = [re.sub(r"^(>>>|\.\.\.) ?", "", ln) for ln in lines if re.match(r"^(>>>|\.\.\.)( |$)", ln)]
            errors += error_lines(b)
            if any(p.strip() for p in prog):
                programs.append("\n".join(prog))
            continue
        errs = error_lines(b)
        if SHELL.match(b):
            errors += errs  # a shell session (`$ python3 x.py`, `python3 --version`), not a program
            continue
        if errs or "Traceback (most recent call last)" in b:
            errors += errs
            continue
        programs.append(b)
    return programs, errors


def imports_ok(code: str) -> str | None:
    """None when the program may run here, else why not."""
    for m in IMPORT.finditer(code):
        names = (m.group(1) or m.group(2)).replace(" ", "").split(",")
        for name in names:
            top = name.split(".")[0]
            if top in NETWORK_GUI:
                return "network, GUI or process module"
            if top not in sys.stdlib_module_names and top != "__future__":
                return "third-party import"
    if UNSAFE.search(code) and compiles(code):
        return "changes files outside its folder or spawns processes"
    return None


def compiles(code: str) -> bool:
    """A program 3.11 cannot compile never runs, so it is safe to run whatever it names."""
    try:
        compile(code, "cell.py", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def last_quoted(msg: str) -> str | None:
    """The message's last quoted item: the name, the attribute, the key."""
    items = re.findall(r"'([^']*)'", msg)
    return items[-1] if items else None


def matches(stderr: str | None, asked: tuple[str, str]) -> tuple[str, str, str] | None:
    """(type, message, stderr) when a run's stderr shows the asker's error (rule 5), else None."""
    if not stderr:
        return None
    got = last_error(stderr)
    if got is None or not same_type(asked[0], got[0]):
        return None
    if asked[0] in QUOTED_MUST_MATCH and last_quoted(asked[1]) != last_quoted(got[1]):
        return None
    return got[0], got[1], stderr


def reproduces(code: str, asked: tuple[str, str], stdin: str = "") -> tuple[str, str, str] | None:
    return matches(run_as_script(code, stdin=stdin), asked)


def is_novice(slug: str, clean: str) -> bool:
    """Rule 1's askers: they call themselves beginners, and the page is not about a library or tool."""
    return bool(NOVICE.search(clean)) and not HEAVY.search(slug.replace("-", " ") + " " + clean[:600])


def python2_only(prose: str) -> bool:
    return bool(PY2_PROSE.search(prose)) and not PY3_PROSE.search(prose)


def posts(
    gitdir: str, dropped: dict[str, int], asker: Callable[[str, str], bool] = is_novice
) -> Iterator[dict]:
    """The page walk every Stack Overflow set shares (extract_so_logic.py imports it): one page
    per question id, in the snapshot's order, the askers `asker(slug, prose)` keeps, with at
    least one code block: {path, qid, slug, prose, clean (blank lines squeezed), blocks,
    programs, errors (error lines of the blocks, then of the prose)}."""
    seen: set[str] = set()
    for n, slug, qid, page in saved_pages(gitdir):
        post = question_blocks(page)
        if not qid or qid in seen or post is None:
            continue
        seen.add(qid)
        prose, blocks = post
        clean = re.sub(r"\n\s*\n*", "\n", prose).strip()
        if not asker(slug, clean):
            continue
        if not blocks:
            dropped["no code block"] += 1
            continue
        programs, errors = split_blocks(blocks)
        errors += error_lines(prose, inline=True)
        yield {"path": n, "qid": qid, "slug": slug, "prose": prose, "clean": clean, "blocks": blocks,
               "programs": programs, "errors": errors}  # fmt: skip


def candidates_of(programs: list[str]) -> list[tuple[str, str]]:
    """Rule 3's order: all program blocks joined by a blank line, then each alone as posted."""
    candidates = [("all program blocks", "\n\n".join(programs))]
    if len(programs) > 1:
        candidates += [(f"program block {i + 1} of {len(programs)}", p) for i, p in enumerate(programs)]
    return [(how, code.rstrip() + "\n") for how, code in candidates]


def questions(gitdir: str, dropped: dict[str, int]) -> Iterator[dict]:
    """The questions that pass rules 1-3, in the snapshot's order: {path, qid, slug, prose,
    blocks, asked (the asker's (type, message)), candidates ([(how, code)], rule 3's order)};
    the questions left out are counted in `dropped`."""
    for p in posts(gitdir, dropped):
        if not p["errors"]:
            dropped["no error line"] += 1
            continue
        if python2_only(p["prose"]):
            dropped["Python 2 question"] += 1
            continue
        if not p["programs"]:
            dropped["no program block"] += 1
            continue
        yield {"path": p["path"], "qid": p["qid"], "slug": p["slug"], "prose": p["prose"],
               "blocks": p["blocks"], "asked": p["errors"][0],
               "candidates": candidates_of(p["programs"])}  # fmt: skip


def main(gitdir: str) -> int:
    commit = git(gitdir, "rev-parse", "HEAD").strip()
    dropped: dict[str, int] = defaultdict(int)
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    codes: set[str] = set()
    for q in questions(gitdir, dropped):
        asked = q["asked"]
        why, kept = None, None
        for how, code in q["candidates"]:
            if code in codes:
                why = "same program as another question"
                continue
            why = imports_ok(code)
            if why:
                continue
            got = reproduces(code, asked)
            if got:
                kept = (how, code, got)
                break
            why = "does not raise the asker's error under 3.11"
        if kept is None:
            dropped[why or "no candidate"] += 1
            continue
        how, code, (etype, message, stderr) = kept
        codes.add(code)
        url = f"https://stackoverflow.com/questions/{q['qid']}"
        row = case_row("so", code, url, etype, message, stderr, LICENCE)
        asker = f"{asked[0]}: {asked[1]}" if asked[1] else asked[0]
        title = q["slug"].replace("-", " ")
        row.update(repo=REPO, commit=commit, path=q["path"], title=title, asker_error=asker, how=how)
        by_kind[(etype, row["kind"])].append(row)
    rows = first_per_kind(by_kind, PER_KIND)
    over = sum(len(g) for g in by_kind.values()) - len(rows)
    dropped[f"over {PER_KIND} per kind"] = over
    return finish(rows, "cases_so.jsonl", len(by_kind), dropped)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/cushionbadak+PyMaker/repo/.git"))
