"""Evaluate the offline debug agent on benchmarks/data/debug_eval.jsonl.

A diagnosis is correct when the error type is right AND every ``must_mention`` fact
appears (case-insensitively) in the summary or the explanation. The explanation's two
header lines, which only quote the error message and the failing line back, are left
out, so a fact only counts when the agent derived it.

For fixable snippets it also reports how many replies carry a fix that compiles, and how
many fixes run (in a subprocess, with a timeout, after the snippet's setup cells and
with its stdin) without raising the original error.

Rows with ``error_type: null`` run cleanly but surprise the student (family
UnexpectedNone, "why does this print None?", with the row's ``question``): right means the
agent also reports no error, and a fix works when it runs cleanly and prints `None` fewer
times than the original cell.

    python benchmarks/debug_eval.py [--data FILE] [--min-correct 0.90] [--no-run] [--show N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "agents"))

from learnflow_agents.contracts import StudentContext, StudentQuery, VariableSummary  # noqa: E402
from learnflow_agents.contracts.reply import AgentReply, CodeRole  # noqa: E402
from learnflow_agents.tutors.debug import diagnose  # noqa: E402
from learnflow_agents.tutors.debug.code_facts import compiles  # noqa: E402

DEFAULT_DATA = ROOT / "benchmarks" / "data" / "debug_eval.jsonl"

_FIX_RUNNER = r"""
import sys
src = sys.argv[1]
try:
    exec(compile(src, "<cell>", "exec"), {"__name__": "__main__"})
except BaseException as exc:
    print("@@RAISED@@" + type(exc).__name__, file=sys.stderr)
    raise SystemExit(1)
"""


@dataclass
class Outcome:
    row: dict
    reply: AgentReply
    correct: bool
    type_ok: bool
    missing: list[str]
    fix_compiles: bool | None = None
    fix_runs: bool | None = None
    fix_note: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def correct_rate(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def make_query(row: dict) -> StudentQuery:
    variables = [VariableSummary(**v) for v in row.get("variables", [])]
    return StudentQuery(
        text=row.get("question") or "Why does this fail?",
        code=row["code"],
        traceback=None if row.get("no_traceback") else row["traceback"],
        variables=variables,
        context=StudentContext(skill_level=row.get("level", "beginner")),
        target_agent="debug",
    )


def judged_text(reply: AgentReply) -> str:
    """Summary plus explanation without the header paragraphs that only echo the input."""
    paragraphs = reply.explanation.split("\n\n")
    etype = str(reply.data.get("error_type"))
    kept = [p for p in paragraphs if not (p.startswith(f"**{etype}**") or p.startswith("Line "))]
    return (reply.summary + "\n" + "\n\n".join(kept)).lower()


def _nones(text: str) -> int:
    return len(re.findall(r"\bNone\b", text))


def run_fix(fix: str, row: dict, timeout: float = 5.0) -> tuple[bool, str]:
    """Run setup cells + fix; True when the original error type is not raised (for a row
    without an error: when it runs cleanly and prints `None` less often than the cell)."""
    if row["error_type"] is None:
        ran, out = _run(fix, row, timeout)
        if ran is None or ran[0] is not None:
            return False, "does not run cleanly" if ran else "timed out"
        _, before = _run(row["code"], row, timeout)
        fewer = _nones(out) < _nones(before)
        return fewer, "prints None less often" if fewer else "still prints None as often"
    ran, _ = _run(fix, row, timeout)
    if ran is None:
        return False, "timed out"
    (raised,) = ran
    if raised is None:
        return True, "ran cleanly"
    if raised == row["error_type"]:
        return False, f"still raises {raised}"
    return True, f"got past the {row['error_type']}, then {raised}"


def _run(code: str, row: dict, timeout: float) -> tuple[tuple[str | None] | None, str]:
    """((exception type or None,), stdout); (None, "") when it timed out."""
    source = "\n".join([*row.get("setup", []), code])
    with tempfile.TemporaryDirectory(prefix="learnflow-fix-") as workdir:
        for name, content in row.get("files", {}).items():
            Path(workdir, name).write_text(content)
        try:
            proc = subprocess.run(
                [sys.executable, "-S", "-c", _FIX_RUNNER, source],
                input=row.get("stdin", ""),
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=workdir,
                env={"PATH": os.environ.get("PATH", "")},
            )
        except subprocess.TimeoutExpired:
            return None, ""
    raised = proc.stderr.split("@@RAISED@@")[-1].strip() if "@@RAISED@@" in proc.stderr else None
    return (raised,), proc.stdout


def evaluate(rows: list[dict], *, run_fixes: bool = True, agent_runs_code: bool = True) -> Report:
    report = Report()
    for row in rows:
        reply = diagnose(make_query(row), run_code=agent_runs_code)
        type_ok = reply.data.get("error_type") == row["error_type"]
        text = judged_text(reply)
        missing = [fact for fact in row["must_mention"] if fact.lower() not in text]
        outcome = Outcome(row, reply, type_ok and not missing, type_ok, missing)
        fixes = [b for b in reply.code_blocks if b.role == CodeRole.FIX]
        if row["fixable"]:
            outcome.fix_compiles = bool(fixes) and compiles(fixes[0].code)
            if outcome.fix_compiles and run_fixes:
                outcome.fix_runs, outcome.fix_note = run_fix(fixes[0].code, row)
            elif run_fixes:
                outcome.fix_runs, outcome.fix_note = False, "no compiling fix"
        report.outcomes.append(outcome)
    return report


def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:5.1f}% ({num}/{den})" if den else "  n/a"


def print_report(report: Report, *, show: int = 20, run_fixes: bool = True) -> None:
    outs = report.outcomes
    fixable = [o for o in outs if o.row["fixable"]]
    latencies = [o.reply.provenance.latency_ms for o in outs]
    print(f"debug agent, offline — {len(outs)} snippets (failing, or printing an unexpected None)")
    print(f"  correct diagnosis        {_pct(sum(o.correct for o in outs), len(outs))}")
    print(f"  error type right         {_pct(sum(o.type_ok for o in outs), len(outs))}")
    print(f"  fixable with compiling fix {_pct(sum(bool(o.fix_compiles) for o in fixable), len(fixable))}")
    if run_fixes:
        print(f"  fix runs w/o the error   {_pct(sum(bool(o.fix_runs) for o in fixable), len(fixable))}")
    verified = [o for o in fixable if o.reply.data.get("fix_verified") == "ran"]
    print(f"  agent verified by running {_pct(len(verified), len(fixable))}")
    print(
        f"  latency median {statistics.median(latencies):.1f} ms, p90 "
        f"{statistics.quantiles(latencies, n=10)[-1]:.1f} ms, max {max(latencies):.1f} ms"
    )
    fams: dict[str, list[Outcome]] = defaultdict(list)
    for o in outs:
        fams[o.row["family"]].append(o)
    print(f"\n  {'family':22} {'n':>4} {'correct':>8} {'fix ok':>8} {'fix runs':>9}")
    for fam in sorted(fams):
        group = fams[fam]
        fx = [o for o in group if o.row["fixable"]]
        runs = f"{sum(bool(o.fix_runs) for o in fx)}/{len(fx)}" if fx and run_fixes else "-"
        print(
            f"  {fam:22} {len(group):4} {sum(o.correct for o in group):4}/{len(group):<3} "
            f"{(str(sum(bool(o.fix_compiles) for o in fx)) + '/' + str(len(fx))) if fx else '-':>8} {runs:>9}"
        )
    misses = [o for o in outs if not o.correct]
    if misses:
        print(f"\n  misses ({len(misses)}, showing up to {show}):")
        for o in misses[:show]:
            why = (
                "wrong type " + str(o.reply.data.get("error_type"))
                if not o.type_ok
                else f"missing {o.missing}"
            )
            print(f"  - {o.row['id']}: {why}\n      summary: {o.reply.summary}")
    broken = [o for o in fixable if run_fixes and not o.fix_runs]
    if broken:
        print(f"\n  fixable without a working fix ({len(broken)}):")
        for o in broken[:show]:
            print(f"  - {o.row['id']}: {o.fix_note or 'no fix'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--min-correct", type=float, default=None, help="exit 1 when the correct rate is below"
    )
    parser.add_argument("--no-run", action="store_true", help="do not execute fixes (compile only)")
    parser.add_argument("--show", type=int, default=20, help="how many misses to list")
    parser.add_argument("--only", default=None, help="only snippets whose id starts with this")
    args = parser.parse_args(argv)
    rows = load_rows(args.data)
    if args.only:
        rows = [r for r in rows if r["id"].startswith(args.only)]
    report = evaluate(rows, run_fixes=not args.no_run, agent_runs_code=not args.no_run)
    print_report(report, show=args.show, run_fixes=not args.no_run)
    if args.min_correct is not None and report.correct_rate < args.min_correct:
        print(f"\nFAIL: correct rate {report.correct_rate:.3f} is below --min-correct {args.min_correct}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
