"""Build ``cases_so_input.jsonl``: the Stack Overflow programs ``extract_so.py`` lost to input().

Same questions, same selection rules 1-4 and the same keep rule (rule 5: the asker's exception
type exactly, the same quoted name/attribute/key for NameError, AttributeError, KeyError and
UnboundLocalError), all imported from ``extract_so.py`` (``questions``, ``imports_ok``,
``reproduces``); see its docstring. What differs: a program is a candidate here only when its
run with EMPTY stdin (extract_so.py's run) stops with EOFError, i.e. it reached ``input()``
and was dropped for that alone. It is then run once more, with the stdin of ``STDIN RULE``
below, and kept when that run raises the asker's exception type (never the EOFError: no asker
of these questions reports one, since an asker's EOFError would have reproduced with empty
stdin and be in cases_so.jsonl). Candidates are tried in extract_so.py's order, the first
kept wins; a question one of whose candidates reproduces with empty stdin belongs to
cases_so.jsonl and is skipped here, and so is any program whose code (SHA-256) is in
cases_so.jsonl.

STDIN RULE (fixed before any program was run with it; not tuned afterwards):

1. Shown answers. The program's prompts are the string literals passed as the first argument
   of ``input(`` (``input("Enter a number: ")``, quotes ' or ", an r/u prefix allowed; f-strings
   and variables are not read); a prompt's text is the part after its last ``\\n`` escape,
   trailing spaces removed; prompts shorter than 2 characters are ignored. Every line of every
   code block of the question post (blocks and lines in posted order; leading spaces and a
   ``>>> `` removed) that starts with a prompt (the longest that fits) gives one answer: the
   rest of that line, spaces stripped. These answers, each followed by a newline, in order.
2. Then, always, the fixed sequence ``FIXED``: ``5`` five times, then ``hello``, each on its
   own line, then end of input (so a program reading more gets EOFError and is not kept).

A row records the exact ``stdin`` given and ``stdin_rule`` ("shown+fixed" when step 1 found
an answer, else "fixed"). At most ``PER_KIND`` per (type, 3.11 message kind), as extract_so.py.

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_so_input.py \\
        /work/.mirror/cushionbadak+PyMaker/repo/.git
    .venv/bin/python benchmarks/data/outside_debug/labels.py
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from extract import last_error  # noqa: E402
from extract_runtime import case_row, finish, first_per_kind, run_as_script  # noqa: E402
from extract_so import LICENCE, PER_KIND, REPO, git, imports_ok, matches, questions  # noqa: E402

FIXED = "5\n" * 5 + "hello\n"
PROMPT = re.compile(r"""\binput\(\s*[rRuU]?(["'])(.*?)(?<!\\)\1""")


def prompts(code: str) -> list[str]:
    """The program's input() prompt texts, longest first."""
    out = set()
    for m in PROMPT.finditer(code):
        text = m.group(2).split("\\n")[-1].rstrip()
        if len(text) >= 2:
            out.add(text)
    return sorted(out, key=lambda t: (-len(t), t))


def shown_answers(code: str, blocks: list[str]) -> list[str]:
    """Step 1 of the stdin rule: what the asker typed after the program's prompts, as shown."""
    known = prompts(code)
    answers = []
    for block in blocks:
        for line in block.split("\n"):
            line = re.sub(r"^>>> ", "", line.lstrip())
            for p in known:
                if line.startswith(p):
                    answers.append(line[len(p) :].strip())
                    break
    return answers


def stdin_for(code: str, blocks: list[str]) -> tuple[str, str]:
    shown = shown_answers(code, blocks)
    return "".join(a + "\n" for a in shown) + FIXED, "shown+fixed" if shown else "fixed"


def main(gitdir: str) -> int:
    commit = git(gitdir, "rev-parse", "HEAD").strip()
    so = HERE / "cases_so.jsonl"
    in_so = {
        hashlib.sha256(json.loads(x)["code"].encode()).hexdigest()
        for x in so.read_text(encoding="utf-8").splitlines()
        if x
    }
    dropped: dict[str, int] = defaultdict(int)
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    codes: set[str] = set()
    for q in questions(gitdir, dropped):
        asked = q["asked"]
        why, kept = "no candidate reaches input()", None
        for how, code in q["candidates"]:
            if hashlib.sha256(code.encode()).hexdigest() in in_so:
                why = "in cases_so.jsonl"
                break
            if code in codes:
                why = "same program as another question"
                continue
            if imports_ok(code):
                why = "not run (imports or file system, as extract_so.py)"
                continue
            empty = run_as_script(code, stdin="")
            if matches(empty, asked):
                why = "reproduces with empty stdin (the so set's)"
                break
            last = last_error(empty) if empty else None
            if last is None or last[0] != "EOFError":
                continue
            stdin, rule = stdin_for(code, q["blocks"])
            got = matches(run_as_script(code, stdin=stdin), asked)
            if got and got[0] != "EOFError":
                kept = (how, code, stdin, rule, got)
                break
            why = "reaches input(), does not raise the asker's error with the rule's stdin"
        if kept is None:
            dropped[why] += 1
            continue
        how, code, stdin, rule, (etype, message, stderr) = kept
        codes.add(code)
        url = f"https://stackoverflow.com/questions/{q['qid']}"
        row = case_row("soin", code, url, etype, message, stderr, LICENCE)
        asker = f"{asked[0]}: {asked[1]}" if asked[1] else asked[0]
        title = q["slug"].replace("-", " ")
        row.update(repo=REPO, commit=commit, path=q["path"], title=title, asker_error=asker, how=how)
        row.update(stdin=stdin, stdin_rule=rule)
        by_kind[(etype, row["kind"])].append(row)
    rows = first_per_kind(by_kind, PER_KIND)
    over = sum(len(g) for g in by_kind.values()) - len(rows)
    dropped[f"over {PER_KIND} per kind"] = over
    rules = ", ".join(f"{r} {sum(x['stdin_rule'] == r for x in rows)}" for r in ("shown+fixed", "fixed"))
    return finish(rows, "cases_so_input.jsonl", len(by_kind), dropped, "stdin rule: " + rules)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/cushionbadak+PyMaker/repo/.git"))
