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
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "outside_triage_so"))

from build_candidates import HEAVY, NOVICE, git, question_blocks, saved_pages  # noqa: E402
from extract_runtime import PY311, write_cases  # noqa: E402
from extract_so import LICENCE, PY2_PROSE, PY3_PROSE, REPO, error_lines, imports_ok, split_blocks  # noqa: E402

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


def questions(gitdir: str, dropped: dict[str, int]):
    """Rules 1-4: {path, qid, slug, prose, candidates}."""
    seen: set[str] = set()
    for n, slug, qid, page in saved_pages(gitdir):
        post = question_blocks(page)
        if not qid or qid in seen or post is None:
            continue
        seen.add(qid)
        prose, blocks = post
        clean = re.sub(r"\n\s*\n*", "\n", prose).strip()
        if not NOVICE.search(clean) or HEAVY.search(slug.replace("-", " ") + " " + clean[:600]):
            continue
        if not blocks:
            dropped["no code block"] += 1
            continue
        programs, errors = split_blocks(blocks)
        errors += error_lines(prose, inline=True)
        if errors or any("Traceback" in b for b in blocks) or ERROR_WORDS.search(prose):
            dropped["shows an error (the error sets' questions)"] += 1
            continue
        if PY2_PROSE.search(prose) and not PY3_PROSE.search(prose):
            dropped["Python 2 question"] += 1
            continue
        if not EXPECT.search(clean):
            dropped["does not say what was expected or seen"] += 1
            continue
        programs = [p for p in programs if is_program(p)]
        if not programs:
            dropped["no block 3.11 compiles as a program"] += 1
            continue
        candidates = [("all program blocks", "\n\n".join(programs))]
        if len(programs) > 1:
            candidates += [(f"program block {i + 1} of {len(programs)}", p) for i, p in enumerate(programs)]
        candidates = [(how, code.rstrip() + "\n") for how, code in candidates]
        title = slug.replace("-", " ")
        yield {"path": n, "qid": qid, "title": title, "prose": clean, "candidates": candidates}


def case_id(code: str) -> tuple[str, str]:
    digest = hashlib.sha256(code.encode()).hexdigest()
    return f"sologic-{digest[:10]}", "holdout" if int(digest, 16) % 5 == 0 else "dev"


def main(gitdir: str) -> int:
    commit = git(gitdir, "rev-parse", "HEAD").strip()
    dropped: dict[str, int] = defaultdict(int)
    rows: list[dict] = []
    codes: set[str] = set()
    for q in questions(gitdir, dropped):
        why, kept = "no candidate", None
        for how, code in q["candidates"]:
            if code in codes:
                why = "same program as another question"
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
            kept = (how, code, outcome, printed)
            break
        if kept is None:
            dropped[why] += 1
            continue
        how, code, outcome, printed = kept
        codes.add(code)
        rid, split = case_id(code)
        rows.append({
            "id": rid, "source": f"https://stackoverflow.com/questions/{q['qid']}", "repo": REPO,
            "commit": commit, "path": q["path"], "licence": LICENCE, "title": q["title"],
            "question": q["prose"], "code": code, "stdin": "", "outcome": outcome, "output": printed,
            "how": how, "split": split,
        })  # fmt: skip
    rows.sort(key=lambda r: r["id"])
    out = write_cases(rows, "cases_so_logic.jsonl")
    print(f"{len(rows)} cases -> {out}; dropped: {json.dumps(dict(dropped))}")
    print(f"  outcomes: finished {sum(r['outcome'] == 'finished' for r in rows)}, "
          f"runs forever {sum(r['outcome'] == 'runs forever' for r in rows)}; "
          f"holdout {sum(r['split'] == 'holdout' for r in rows)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/cushionbadak+PyMaker/repo/.git"))
