"""Build ``cases_so_logic.jsonl``: beginners' logic bugs from Stack Overflow questions.

The program runs WITHOUT an exception under CPython 3.11 but does the wrong thing (wrong output,
missing output, loops forever), and the question says what the asker expected. Same snapshot as
``cases_so.jsonl`` (cushionbadak/PyMaker, commit 8e388808de9c727fda99015477a1cf3baa3caae0,
``PyMaker/datas/object2/RawHTML/``), the same page walk and filters imported from
``../outside_triage_so/build_candidates.py`` (``saved_pages``, ``question_blocks``, ``NOVICE``,
``HEAVY``) and ``extract_so.py`` (``split_blocks``, ``error_lines``, the Python 2 rule,
``imports_ok``). Everything below is mechanical; no program is edited by hand.

Selection, in order (each rule counted in the ``dropped`` tally the script prints):

1. One page per question id, novice askers only, library/tool questions out (as extract_so.py).
2. The post has a ``<pre>`` code block and shows NO error: no error line in a block or in the
   prose (extract_so.py's ``error_lines``), no ``Traceback``, and the prose does not use the
   words error/exception/traceback (those questions are the error sets'). Python 2 questions out.
3. The prose says what the asker expected or saw (``EXPECT``: "expected", "should print",
   "supposed to", "instead of", "infinite loop", "doesn't print", "wrong output", "it prints",
   "why does", "only prints", …). This is a wide net: many such questions ask how to write
   something new; the labeller excludes those (below), so nothing is tuned by this rule.
4. The program: extract_so.py's program blocks (traceback/output/shell blocks out, ``>>>``
   sessions keep their prompt lines), and of those only the blocks that 3.11 compiles and that
   hold more than bare constants (``is_program``: an output block such as ``1 2 3`` compiles too).
   Candidates, tried in this order, the first kept wins: all program blocks joined by a blank
   line; then each alone, in the order posted. ``imports_ok`` as extract_so.py (stdlib only, no
   network/GUI/process module, no file-changing ``os`` call).
5. STDIN RULE (fixed before any program was run; not tuned afterwards): EMPTY stdin. A program
   that reaches ``input()`` stops with EOFError and is dropped (the debug tutor's tracer gives
   ``input()`` no answer either, so it could not watch those programs past the prompt).
6. Each candidate runs as ``cell.py`` under CPython 3.11.7 (own subprocess, temp dir, isolated
   mode, ``TIMEOUT`` s, 1 GB address space, 1 MB of output). It is kept when it exits 0
   (``outcome`` "finished") or is still running at the timeout or fills the output limit
   (``outcome`` "runs forever"), and it showed something: a finished run that printed nothing
   is kept only when the prose says nothing is printed (``NOTHING``); otherwise it is a fragment
   (functions defined, never called).
7. At most one program per question; the same code twice is kept once.

Rows: {id, source (the question URL), repo, commit, path, licence, title, question (the post's
prose, blank lines squeezed: what the student would type), code, stdin (always ""), outcome,
output (the first 2,000 characters 3.11 printed), how (which candidate), split}. ``split``:
"holdout" for every 5th case by the SHA-256 of the code (extract_runtime.case_row's rule).

Cases the labeller found not to be a logic-bug question about that code (a request to write
something new, a question about style, output that is right) are listed in
``labels_so_logic.jsonl`` with ``"excluded"`` and a reason, and the scorer leaves them out;
they stay here so the list of what was read is complete.

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_so_logic.py \\
        /work/.mirror/cushionbadak+PyMaker/repo/.git

``--second`` builds ``cases_so_logic2.jsonl``, a fresh set to measure whether rules tuned on
so_logic generalise. The first set already holds every beginner page that passes these rules,
so the second reads the NEXT askers of the same snapshot: those WITHOUT beginner words (still
no library/tool page), with a program of beginner size standing in for the words: at most
``SECOND_MAX_LINES`` non-blank lines importing only ``SECOND_IMPORTS`` (the modules intro
courses use). Rules 2-7 are unchanged. The questions are taken in SHA-256 order of their id
and the walk stops at ``SECOND_CASES`` kept; a program already in cases_so_logic.jsonl is
skipped. Ids are ``sologic2-<hash>``; ``split`` is "holdout" for every 3rd by the SHA-256 of
the code. Labels by hand in ``labels_so_logic2.jsonl`` (same format).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import resource
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "outside_triage_so"))

from build_candidates import HEAVY, NOVICE, git  # noqa: E402
from extract_runtime import PY311, write_cases  # noqa: E402
from extract_so import IMPORT, LICENCE, REPO, candidates_of, imports_ok, is_novice, posts, python2_only  # noqa: E402

TIMEOUT = 5.0
OUTPUT_LIMIT = 1 << 20
ERROR_WORDS = re.compile(r"\b(error|errors|exception|traceback)\b", re.I)
EXPECT = re.compile(
    r"\bexpect(ed|ing)?\b|\bshould (print|return|output|be|give|display|show|stop|end|get|count|add)"
    r"|supposed to|instead of|infinite(ly)? loop|loops? (forever|infinitely|endlessly)|never (ends|stops)"
    r"|keeps? (on )?(going|looping|running|printing|repeating|asking)"
    r"|wrong (output|answer|result|value|number)"
    r"|(doesn'?t|does not|won'?t|isn'?t|not) (print|return|stop|show|display|work|count|add|break|end)"
    r"|\b(it|this|that|code|program|function|loop) (only |just |always |still )?"
    r"(prints|returns|outputs|gives)"
    r"|\boutput (is|was)\b|\bi get\b|\bi'?m getting\b|desired output|\bnot working\b"
    r"|\bwhy (does|is|do|doesn'?t|isn'?t|won'?t|am i)\b|\bonly (prints|returns|shows|gets|gives)|\bgives me\b"
    r"|\bresult (is|was|should)\b|\bprints? (out )?(the|a|an|only|all|nothing|it|each)\b",
    re.I,
)
# so_logic2 (--second): the next questions, from askers without beginner words (see the docstring).
SECOND_CASES = 120
SECOND_MAX_LINES = 40
SECOND_IMPORTS = {"math", "random", "string", "time", "itertools", "collections", "copy", "functools",
                  "operator", "statistics", "datetime", "__future__"}  # fmt: skip
NOTHING = re.compile(
    r"nothing (is |gets )?(print|show|happen|output)|no output|(doesn'?t|does not|not) print", re.I
)


def is_program(block: str) -> bool:
    """3.11 compiles it and it holds more than bare constants (an output block `1 2 3` or
    `[1, 2]` compiles too, and is not a program)."""
    try:
        tree = ast.parse(block)
    except (SyntaxError, ValueError):
        return False
    for stmt in tree.body:
        bare = (ast.Constant, ast.List, ast.Tuple, ast.Dict)
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, bare)):
            return True
    return False


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))


def run_clean(code: str) -> tuple[str, str] | None:
    """(outcome, first 2,000 characters printed) when the program runs without an exception
    (rule 6), else None. Output goes to a file so a printing loop is cut at OUTPUT_LIMIT."""
    with tempfile.TemporaryDirectory(prefix="outside-logic-") as tmp:
        path, out = Path(tmp, "cell.py"), Path(tmp, "stdout.txt")
        path.write_text(code, encoding="utf-8")
        with out.open("wb") as fh:
            try:
                proc = subprocess.run(
                    [PY311, "-I", str(path)], stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.PIPE,
                    timeout=TIMEOUT, cwd=tmp, env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
                    preexec_fn=_limits,
                )  # fmt: skip
                rc, stderr = proc.returncode, proc.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                rc, stderr = None, ""
        printed = out.read_bytes()[:2000].decode("utf-8", "replace")
    if rc is None or rc == -25 or (rc == 1 and "OSError: [Errno 27]" in stderr):  # SIGXFSZ: output limit
        return "runs forever", printed
    if rc == 0 and not stderr.strip():
        return "finished", printed
    return None


def questions(
    gitdir: str, dropped: dict[str, int], asker: Callable[[str, str], bool] = is_novice
) -> Iterator[dict]:
    """Rules 1-4 on extract_so.py's page walk: {path, qid, title, prose, candidates}."""
    for p in posts(gitdir, dropped, asker):
        prose, clean = p["prose"], p["clean"]
        if p["errors"] or any("Traceback" in b for b in p["blocks"]) or ERROR_WORDS.search(prose):
            dropped["shows an error (the error sets' questions)"] += 1
            continue
        if python2_only(prose):
            dropped["Python 2 question"] += 1
            continue
        if not EXPECT.search(clean):
            dropped["does not say what was expected or seen"] += 1
            continue
        programs = [b for b in p["programs"] if is_program(b)]
        if not programs:
            dropped["no block 3.11 compiles as a program"] += 1
            continue
        title = p["slug"].replace("-", " ")
        yield {
            "path": p["path"],
            "qid": p["qid"],
            "title": title,
            "prose": clean,
            "candidates": candidates_of(programs),
        }


def case_id(code: str, prefix: str = "sologic", holdout_every: int = 5) -> tuple[str, str]:
    digest = hashlib.sha256(code.encode()).hexdigest()
    return f"{prefix}-{digest[:10]}", "holdout" if int(digest, 16) % holdout_every == 0 else "dev"


def plain_asker(slug: str, clean: str) -> bool:
    """so_logic2's askers: the ones so_logic never read (no beginner words; every beginner page
    passed through so_logic already), the library/tool pages still out."""
    return not NOVICE.search(clean) and not HEAVY.search(slug.replace("-", " ") + " " + clean[:600])


def beginner_sized(code: str) -> bool:
    """so_logic2's stand-in for the beginner words: a short program (at most SECOND_MAX_LINES
    non-blank lines) importing at most SECOND_IMPORTS, the modules intro courses use."""
    lines = [ln for ln in code.splitlines() if ln.strip()]
    if len(lines) > SECOND_MAX_LINES:
        return False
    for m in IMPORT.finditer(code):
        names = (m.group(1) or m.group(2)).replace(" ", "").split(",")
        if any(name.split(".")[0] not in SECOND_IMPORTS for name in names):
            return False
    return True


def first_clean_run(q: dict, codes: set[str], sized: bool) -> tuple[tuple[str, str, str, str] | None, str]:
    """Rules 5-7 (and so_logic2's size rule): the first candidate that runs clean, else why none."""
    why = "no candidate"
    for how, code in q["candidates"]:
        if code in codes:
            why = "same program as another question"
            continue
        if sized and not beginner_sized(code):
            why = "not beginner-sized (so_logic2's rule)"
            continue
        if imports_ok(code):
            why = "not run (imports or file system, as extract_so.py)"
            continue
        ran = run_clean(code)
        if ran is None:
            why = "raises under 3.11 (or reaches input())"
            continue
        outcome, printed = ran
        if outcome == "finished" and not printed.strip() and not NOTHING.search(q["prose"]):
            why = "prints nothing and the question does not say so (a fragment)"
            continue
        return (how, code, outcome, printed), why
    return None, why


def main(gitdir: str, second: bool = False) -> int:
    commit = git(gitdir, "rev-parse", "HEAD").strip()
    dropped: dict[str, int] = defaultdict(int)
    rows: list[dict] = []
    codes: set[str] = set()
    if second:
        # The first set's programs are not read twice (its askers are disjoint; this is a guard).
        first = (HERE / "cases_so_logic.jsonl").read_text(encoding="utf-8").splitlines()
        codes = {json.loads(x)["code"] for x in first if x}
        found = list(questions(gitdir, dropped, plain_asker))
        found.sort(key=lambda q: hashlib.sha256(q["qid"].encode()).hexdigest())
    else:
        found = questions(gitdir, dropped)
    for q in found:
        if second and len(rows) >= SECOND_CASES:
            dropped["after the first SECOND_CASES by hash (not run)"] += 1
            continue
        kept, why = first_clean_run(q, codes, sized=second)
        if kept is None:
            dropped[why] += 1
            continue
        how, code, outcome, printed = kept
        codes.add(code)
        rid, split = case_id(code, "sologic2", 3) if second else case_id(code)
        rows.append({
            "id": rid, "source": f"https://stackoverflow.com/questions/{q['qid']}", "repo": REPO,
            "commit": commit, "path": q["path"], "licence": LICENCE, "title": q["title"],
            "question": q["prose"], "code": code, "stdin": "", "outcome": outcome, "output": printed,
            "how": how, "split": split,
        })  # fmt: skip
    rows.sort(key=lambda r: r["id"])
    out = write_cases(rows, "cases_so_logic2.jsonl" if second else "cases_so_logic.jsonl")
    print(f"{len(rows)} cases -> {out}; dropped: {json.dumps(dict(dropped))}")
    print(f"  outcomes: finished {sum(r['outcome'] == 'finished' for r in rows)}, "
          f"runs forever {sum(r['outcome'] == 'runs forever' for r in rows)}; "
          f"holdout {sum(r['split'] == 'holdout' for r in rows)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--second"]
    sys.exit(
        main(args[0] if args else "/work/.mirror/cushionbadak+PyMaker/repo/.git", "--second" in sys.argv)
    )
