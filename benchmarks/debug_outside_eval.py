"""Score the offline debug tutor on the outside sets (benchmarks/data/outside_debug/): CPython's
own tests of its error messages, DidYouMean-Python's runtime-error snippets (``--set runtime``),
beginners' failing programs from public Q&A pages (``--set qa``), runtime errors that
textbooks, tutorials and CPython's doctests show (``--set teaching``), runtime errors CPython's
tests of the built-in types expect (``--set asserts``), beginners' Stack Overflow programs
(``--set so``, ``so_input``) and their logic bugs without an error (``--set so_logic``, ``so_logic2``),
extracted mechanically and labelled before tuning.

``so_logic`` rows have no traceback: the tutor gets the asker's question text with the code, as
a student's query would come, and must answer from its own traced run. For them "error type
right" means the reply claims no error, the facts are looked for in the reply minus its echoes
of the run (fenced blocks, trace-table rows), and "generic" means no cause was named (the trace
alone, or "No error to diagnose").

For every case the real agent (``diagnose``, the same entry point benchmarks/debug_eval.py
drives, sandboxed fix checks included) gets the code and CPython 3.11's real traceback.

    correct            error type right, every labelled fact named in the reply's own words
                       (summary + explanation minus the lines that echo the message and the
                       line back), and the reply is not the generic template
    generic            the reply is the last-resort template ("Python cannot read line N …",
                       or the runtime "In general, `X` means" fallback)
    suggestions compile  every code suggestion: the fixed cell (compiled whole) and every inline
                       code span in "How to fix it" that rewrites the failing line (compiled
                       alone, as a block header with a body, or inside a function/loop)
    name→string        verified fixes in which a name of the student's code now only appears
                       inside a string literal
    deleted expression verified fixes that drop a line of the student's code or most of a
                       changed line's names, numbers and strings

    python benchmarks/debug_outside_eval.py --split dev|holdout|all
        [--set cpython|oppia|runtime|qa|teaching|asserts|so|so_input|parso|so_logic|so_logic2|ruff
               |cpython_runtime|both|all]
        [--show N] [--no-run]
        [--min-correct F] [--max-generic F] [--kinds]
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import json
import keyword
import re
import sys
import tokenize
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "agents"))

from learnflow_agents.contracts import StudentContext, StudentQuery  # noqa: E402
from learnflow_agents.contracts.reply import AgentReply, CodeRole  # noqa: E402
from learnflow_agents.tutors.debug import diagnose  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "outside_debug"


@dataclass
class Outcome:
    row: dict
    facts: list[list[str]]
    reply: AgentReply
    type_ok: bool
    missing: list[list[str]]
    generic: bool
    suggestions: list[str] = field(default_factory=list)
    bad_suggestions: list[str] = field(default_factory=list)
    name_to_string: bool = False
    deleted: bool = False

    @property
    def correct(self) -> bool:
        return self.type_ok and not self.missing and not self.generic


SETS = {
    "cpython": ("cases.jsonl", "labels.jsonl"),
    "oppia": ("cases_oppia.jsonl", "labels_oppia.jsonl"),
    "runtime": ("cases_runtime.jsonl", "labels_runtime.jsonl"),
    "qa": ("cases_qa.jsonl", "labels_qa.jsonl"),
    "teaching": ("cases_teaching.jsonl", "labels_teaching.jsonl"),
    "asserts": ("cases_asserts.jsonl", "labels_asserts.jsonl"),
    "so": ("cases_so.jsonl", "labels_so.jsonl"),
    "so_input": ("cases_so_input.jsonl", "labels_so_input.jsonl"),
    "parso": ("cases_parso.jsonl", "labels_parso.jsonl"),
    "so_logic": ("cases_so_logic.jsonl", "labels_so_logic.jsonl"),
    "cpython_runtime": ("cases_cpython_runtime.jsonl", "labels_cpython_runtime.jsonl"),
    "so_logic2": ("cases_so_logic2.jsonl", "labels_so_logic2.jsonl"),
    "ruff": ("cases_ruff.jsonl", "labels_ruff.jsonl"),
}
# "both" keeps its old meaning (the two SyntaxError-heavy sets); "all" is every set.
GROUPS = {"both": ["cpython", "oppia"], "all": list(SETS)}


def load(split: str, which: str = "cpython") -> list[tuple[dict, list[list[str]]]]:
    rows: list[tuple[dict, list[list[str]]]] = []
    for name in GROUPS.get(which, [which]):
        cases_file, labels_file = SETS[name]
        if name == "oppia" and not (DATA / cases_file).exists():
            # Its source repository states no licence, so its programs are not committed:
            # build them locally from a copy (benchmarks/data/outside_debug/README.md).
            print(f"skipping the Oppia set: {cases_file} not built here (see extract_oppia.py)")
            continue
        cases = [json.loads(x) for x in (DATA / cases_file).read_text(encoding="utf-8").splitlines() if x]
        labels = {
            d["id"]: d["facts"]
            for d in (
                json.loads(x) for x in (DATA / labels_file).read_text(encoding="utf-8").splitlines() if x
            )
            if "facts" in d  # so_logic: rows the labeller excluded (not a logic-bug question) carry no facts
        }
        rows += [
            (c, labels[c["id"]])
            for c in cases
            if c["id"] in labels and (split == "all" or c["split"] == split)
        ]
    return rows


def is_logic(row: dict) -> bool:
    """A so_logic row: a question about a program that ran without an error."""
    return "question" in row and "traceback" not in row


def logic_judged_text(reply: AgentReply) -> str:
    """The reply in its own words: fenced blocks (what the run printed) and trace-table rows
    echo the program and its output, which would name any fact written as code."""
    text = re.sub(r"(`{3,})[^\n]*\n.*?\n\1", " ", reply.summary + "\n" + reply.explanation, flags=re.S)
    return "\n".join(ln for ln in text.split("\n") if not ln.lstrip().startswith("|")).lower()


def logic_generic(reply: AgentReply) -> bool:
    """No cause named: the wrong-behaviour answer with only the trace, or the "No error to
    diagnose" fallback. Other analyses that answer a no-error question (a loop that never ends,
    a function that returns None) name their cause."""
    if reply.data.get("analysis") == "wrong-behaviour":
        return reply.data.get("likely_cause") is None
    return reply.data.get("analysis") == "generic" or reply.summary.startswith("No error to diagnose")


def judged_text(reply: AgentReply) -> str:
    paragraphs = reply.explanation.split("\n\n")
    etype = str(reply.data.get("error_type"))
    kept = [p for p in paragraphs if not (p.startswith(f"**{etype}**") or p.startswith("Line "))]
    return (reply.summary + "\n" + "\n\n".join(kept)).lower()


def is_generic(reply: AgentReply) -> bool:
    if reply.data.get("analysis") is not None:
        return reply.data.get("analysis") == "generic"
    return reply.summary.startswith("Python cannot read line") or "In general, `" in reply.explanation


def _compiles(src: str) -> bool:
    """Compiles as a notebook cell (top-level `await`/`async for` are allowed there)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(src, "<fix>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
            return True
        except (SyntaxError, ValueError):
            return False


def fragment_compiles(span: str) -> bool:
    """A one-line suggestion compiles alone, as a header with a body, or where it may stand; a
    notebook magic or shell line (`%pip install x`, `!ls`) stands alone in a cell, as Jupyter runs it."""
    body = span.strip()
    if re.match(r"^(%{1,2}[A-Za-z]\w*|!)\s*\S", body) and "\n" not in body:
        return True
    tries = [body]
    if body.endswith(":"):
        tries.append(body + "\n    pass")
    wrapped = list(tries)
    for t in wrapped:
        inner = "\n".join("        " + ln for ln in t.split("\n"))
        tries.append("def _f():\n    for _ in ():\n" + inner)
        tries.append("async def _f():\n    for _ in ():\n" + inner)
        tries.append("if 1:\n    pass\n" + t)
        tries.append("try:\n    pass\n" + t)
        tries.append("try:\n    pass\nexcept E:\n    pass\n" + t)
        tries.append("match x:\n" + "\n".join("    " + ln for ln in t.split("\n")))
    return any(_compiles(t) for t in tries)


_SPAN = re.compile(r"``\s(.+?)\s``|`([^`\n]+)`")


def fix_section(reply: AgentReply) -> str:
    text = reply.explanation
    start = text.find("### How to fix it")
    if start < 0:
        return ""
    end = text.find("###", start + 5)
    return text[start : end if end > 0 else None]


def inline_suggestions(reply: AgentReply, row: dict) -> list[str]:
    """Inline code in the fix section that rewrites the failing line."""
    line = reply.data.get("line") or reply.data.get("raised_line")
    lines = row["code"].split("\n")
    original = lines[line - 1].strip() if isinstance(line, int) and 0 < line <= len(lines) else ""
    if len(original) < 4:
        return []
    out = []
    for m in _SPAN.finditer(fix_section(reply)):
        span = (m.group(1) or m.group(2)).strip()
        # Placeholders ("`f(…)`") and short fragments are not rewrites of the line.
        if len(span) < 4 or span in original or "…" in span or len(span) < 0.6 * len(original):
            continue
        if difflib.SequenceMatcher(None, span, original).ratio() >= 0.6:
            out.append(span)
    return out


def _tokens(src: str) -> list[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []


def _code_only(src: str) -> str:
    """``src`` with strings (closed or not) and comments blanked: only code is left."""
    out, i, quote = [], 0, None
    while i < len(src):
        ch = src[i]
        if quote:
            if ch == "\\":
                out.append("  ")
                i += 2
                continue
            if src.startswith(quote, i) or (ch == "\n" and len(quote) == 1):
                out.append(" " * len(quote) if ch != "\n" else "\n")
                i += len(quote) if ch != "\n" else 1
                quote = None
                continue
            out.append("\n" if ch == "\n" else " ")
            i += 1
            continue
        if ch == "#":
            while i < len(src) and src[i] != "\n":
                out.append(" ")
                i += 1
            continue
        if ch in "\"'":
            quote = ch * 3 if src.startswith(ch * 3, i) else ch
            out.append(" " * len(quote))
            i += len(quote)
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def name_to_string(original: str, fixed: str) -> bool:
    """A name of the student's code (outside its strings, even unterminated ones) that the fix
    only has inside a string literal."""
    before = {
        m.group(0)
        for m in re.finditer(r"[A-Za-z_]\w*", _code_only(original))
        if original[m.end() : m.end() + 1] not in ("'", '"')  # a string prefix (f"…", r"…")
    }
    after = _tokens(fixed)
    names_after = {t.string for t in after if t.type == tokenize.NAME}
    before_strings = " ".join(t.string for t in _tokens(original) if t.type == tokenize.STRING)
    strings_after = [t.string for t in after if t.type == tokenize.STRING]
    for name in before - names_after - set(keyword.kwlist):
        if name in before_strings:
            continue
        if any(re.search(rf"\b{re.escape(name)}\b", s) for s in strings_after):
            return True
    return False


def _content(line: str) -> list[str]:
    return [
        t.string
        for t in _tokens(line.strip() + "\n")
        if t.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) and not keyword.iskeyword(t.string)
    ]


def _open_string(line: str) -> bool:
    """The line has a string that is never closed: its words were text all along."""
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    return any(t.type == tokenize.ERRORTOKEN and t.string.strip() in ("'", '"') for t in toks)


def deletes_expression(original: str, fixed: str) -> bool:
    """A line of the student's code dropped (its words nowhere else in the fix), a changed line
    that lost most of its names, numbers and strings, or an assignment left without a value."""
    a, b = original.split("\n"), fixed.split("\n")
    everywhere = Counter(c for x in b for c in _content(x))
    sm = difflib.SequenceMatcher(None, a, b)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "delete":
            gone = [c for x in a[i1:i2] for c in _content(x)]
            if gone and not all(everywhere[c] for c in gone):
                return True
        if op == "replace":
            if any(re.search(r"(?<![=!<>])=\s*$", x) for x in b[j1:j2]):
                return True
            if any(_open_string(x) for x in a[i1:i2]):
                continue
            old = [c for x in a[i1:i2] for c in _content(x)]
            new = [c for x in b[j1:j2] for c in _content(x)]
            if old and len(new) < len(old) / 2 and not all(everywhere[c] for c in old):
                return True
    return False


def evaluate(rows: list[tuple[dict, list[list[str]]]], *, run: bool = True) -> list[Outcome]:
    outs = []
    for row, facts in rows:
        logic = is_logic(row)
        query = StudentQuery(
            text=row["question"] if logic else "Why does this fail?",
            code=row["code"],
            traceback=None if logic else row["traceback"],
            context=StudentContext(skill_level="beginner"),
            target_agent="debug",
        )
        reply = diagnose(query, run_code=run)
        text = logic_judged_text(reply) if logic else judged_text(reply)
        missing = [g for g in facts if not any(alt.lower() in text for alt in g)]
        if logic:
            # A loop stopped by the tutor's time limit is reported as the KeyboardInterrupt a
            # student would get from pressing stop: that names the run, not an invented error.
            claimed = reply.data.get("error_type")
            type_ok = not claimed or (claimed == "KeyboardInterrupt" and row.get("outcome") == "runs forever")
            generic = logic_generic(reply)
        else:
            type_ok, generic = reply.data.get("error_type") == row["error_type"], is_generic(reply)
        o = Outcome(row, facts, reply, type_ok, missing, generic)
        fixes = [b.code for b in reply.code_blocks if b.role == CodeRole.FIX]
        for fix in fixes:
            o.suggestions.append(fix)
            if not _compiles(fix):
                o.bad_suggestions.append(fix)
        for span in inline_suggestions(reply, row):
            o.suggestions.append(span)
            if not fragment_compiles(span):
                o.bad_suggestions.append(span)
        if fixes and reply.data.get("fix_verified"):
            o.name_to_string = name_to_string(row["code"], fixes[0])
            o.deleted = deletes_expression(row["code"], fixes[0])
        outs.append(o)
    return outs


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f}% ({n}/{d})" if d else "  n/a"


def report(
    outs: list[Outcome], split: str, show: int, kinds: bool, which: str = "cpython"
) -> dict[str, float]:
    n = len(outs)
    correct = sum(o.correct for o in outs)
    generic = sum(o.generic for o in outs)
    sugg = sum(len(o.suggestions) for o in outs)
    bad = sum(len(o.bad_suggestions) for o in outs)
    n2s = sum(o.name_to_string for o in outs)
    dele = sum(o.deleted for o in outs)
    verified = sum(bool(o.reply.data.get("fix_verified")) for o in outs)
    print(f"debug tutor on the outside set {which}, split={split}: {n} cases")
    print(f"  correct (facts named, not generic)  {pct(correct, n)}")
    print(f"  facts named, generic or not         {pct(sum(o.type_ok and not o.missing for o in outs), n)}")
    print(f"  generic template                    {pct(generic, n)}")
    print(f"  code suggestions that compile       {pct(sugg - bad, sugg)}")
    print(f"  replies with a verified fix         {pct(verified, n)}")
    print(f"  verified fixes name -> string       {n2s}")
    print(f"  verified fixes deleting code        {dele}")
    analyses = Counter(str(o.reply.data.get("analysis")) for o in outs)
    print("\n  replies by analysis (token-note = only says what the marked token is for):")
    for name, count in analyses.most_common(12):
        print(f"    {count:4} {name}")
    fam: dict[str, list[Outcome]] = defaultdict(list)
    for o in outs:
        fam[o.row.get("error_type") or f"no error ({o.row.get('outcome')})"].append(o)
    print(f"\n  {'family':18} {'n':>4} {'correct':>8} {'generic':>8}")
    for f, g in sorted(fam.items()):
        print(f"  {f:18} {len(g):4} {sum(o.correct for o in g):8} {sum(o.generic for o in g):8}")
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outs:
        by_kind[o.row.get("kind") or "; ".join(" / ".join(g[:2]) for g in o.facts)].append(o)
    missed = Counter({k: sum(not o.correct for o in g) for k, g in by_kind.items()})
    print(f"\n  message kinds: {len(by_kind)}; kinds with misses: {sum(1 for v in missed.values() if v)}")
    for k, v in missed.most_common(40 if kinds else 15):
        if v:
            print(f"    {v:4}/{len(by_kind[k]):<4} {k[:90]}")
    if show:
        print(f"\n  misses (up to {show}):")
        for o in [o for o in outs if not o.correct][:show]:
            why = "generic" if o.generic else f"missing {o.missing}" if o.missing else "wrong type"
            print(
                f"  - {o.row['id']} [{o.row.get('kind', o.row.get('outcome', ''))[:50]}] {why}"
                f"\n      code: {o.row['code'][:100]!r}"
                f"\n      summary: {o.reply.summary[:200]}"
            )
        bads = [(o, s) for o in outs for s in o.bad_suggestions]
        if bads:
            print(f"\n  suggestions that do not compile ({len(bads)}):")
            for o, s in bads[:show]:
                print(f"  - {o.row['id']}: {s[:100]!r}")
        for label, flag in (("name -> string", "name_to_string"), ("deleting code", "deleted")):
            hits = [o for o in outs if getattr(o, flag)]
            for o in hits[:show]:
                fix = next(b.code for b in o.reply.code_blocks if b.role == CodeRole.FIX)
                print(f"  - {label}: {o.row['id']}: {o.row['code'][:80]!r} -> {fix[:80]!r}")
    return {"correct": correct / n if n else 0.0, "generic": generic / n if n else 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["dev", "holdout", "all"], default="dev")
    ap.add_argument(
        "--set",
        choices=[*SETS, *GROUPS],
        default="cpython",
        help="cpython: CPython's error-message tests; oppia: real beginners' programs; runtime: "
        "DidYouMean-Python's runtime-error snippets; qa: beginners' programs from Q&A pages; "
        "teaching: runtime errors shown by textbooks and CPython's doctests; "
        "asserts: runtime errors CPython's own tests expect; "
        "so: beginners' failing programs from Stack Overflow questions; "
        "so_input: those that read input(), run with a recorded stdin; "
        "so_logic: their logic bugs (no error; the question text goes with the code); "
        "both: cpython+oppia; all: every set",
    )
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--kinds", action="store_true", help="list more message kinds with misses")
    ap.add_argument("--no-run", action="store_true", help="fixes are only compiled, not run in the sandbox")
    ap.add_argument("--min-correct", type=float, default=None)
    ap.add_argument("--max-generic", type=float, default=None)
    args = ap.parse_args(argv)
    outs = evaluate(load(args.split, args.set), run=not args.no_run)
    figures = report(outs, args.split, args.show, args.kinds, args.set)
    failed = False
    if args.min_correct is not None and figures["correct"] < args.min_correct:
        print(f"FAIL: correct {figures['correct']:.3f} < {args.min_correct}")
        failed = True
    if args.max_generic is not None and figures["generic"] > args.max_generic:
        print(f"FAIL: generic {figures['generic']:.3f} > {args.max_generic}")
        failed = True
    bad = sum(len(o.bad_suggestions) for o in outs)
    if bad or any(o.name_to_string or o.deleted for o in outs):
        failed = failed or args.min_correct is not None
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
