"""The code-review tutor: static analysis of a cell turned into a short, ranked lesson."""

import ast
import time
from collections import Counter

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import Action, ActionKind, AgentReply, CodeBlock, CodeRole, Provenance
from learnflow_agents.tutors.code_review import explain
from learnflow_agents.tutors.code_review.analysis import Analysis, short
from learnflow_agents.tutors.code_review.ast_checks import CHECKS, run_checks
from learnflow_agents.tutors.code_review.cell import Cell, prepare_cell
from learnflow_agents.tutors.code_review.findings import Category, Finding
from learnflow_agents.tutors.code_review.praise import find_praise
from learnflow_agents.tutors.code_review.prioritise import Improvement, merge, order, pick
from learnflow_agents.tutors.code_review.refactor import Refactor, build_refactor
from learnflow_agents.tutors.code_review.ruff_runner import SELECT, run_ruff
from learnflow_agents.tutors.code_review.rules import rule_info
from learnflow_agents.tutors.code_review.run_check import RULE as CELL_RAISES
from learnflow_agents.tutors.code_review.run_check import crash_finding
from learnflow_agents.tutors.code_review.student_tests import TestOutcome, find_tests, run_tests
from learnflow_agents.tutors.code_review.syntax_reply import AGENT, syntax_reply

# The reply travels over Kafka (1 MB messages by default); a pathological cell can produce
# thousands of findings, and the first thousand, in priority order, are plenty to render.
MAX_DATA_FINDINGS = 1000
MAX_CONCEPTS = 5
# The reply contract's limits; identifiers pasted into the text are the student's and can
# be arbitrarily long, so text is clipped rather than letting validation drop the review.
MAX_EXPLANATION = 50_000
MAX_HINT = 2_000
MAX_SUMMARY = 2_000


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _failing_test_finding(cell: Cell, outcome: TestOutcome, test_text: str) -> Finding:
    if outcome.file == "tests.py":
        lines = test_text.splitlines()
        src = lines[outcome.line - 1].strip() if 0 < outcome.line <= len(lines) else ""
        line = 0
    else:
        line = outcome.line
        src = cell.smap.line_text(line).strip()
    info = rule_info("failing-test")
    error = f"`{outcome.error}`" + (f" ({short(outcome.message, 80)})" if outcome.message else "")
    return Finding(
        rule="failing-test",
        line=line,
        col=1,
        category=info.category,
        impact=info.impact,
        message=f"your test `{short(src, 50)}` fails with {outcome.error}",
        source="tests",
        details={
            "line": str(line),
            "where": f"on line {line}" if line else "in the tests from your message",
            "src": short(src),
            "error": error,
        },
    )


def _check_with_tests(cell: Cell, refactor: Refactor, query: StudentQuery, findings: list[Finding]) -> str:
    """Run the student's own tests, if any, on the refactor (and on the original when needed).

    A refactor whose tests fail is withdrawn; tests failing on the student's own code become
    the top finding, since no polish matters more than code that does not yet do its job.
    Returns a sentence for the explanation.
    """
    plan = find_tests(cell.tree, query.text, cell.analysed)  # type: ignore[arg-type]
    if plan is None:
        return ""
    if refactor.code is not None:
        outcome = run_tests(refactor.runnable, plan)
        if outcome.passed:
            refactor.tested = True
            return "Your tests pass on the refactored version."
        if outcome.inconclusive:
            # A slow cell (training, downloads) would time out on the original too: don't
            # spend another run on it, and don't call its tests failing.
            refactor.code = None
            refactor.dropped_reason = f"your tests could not be run to check it ({outcome.message})"
            return ""
    original = run_tests(cell.analysed, plan)
    if not original.passed and not original.inconclusive:
        findings.append(_failing_test_finding(cell, original, plan.extra))
    if refactor.code is not None:
        refactor.code = None
        refactor.dropped_reason = (
            "your own tests already fail on the original code, so a refactor cannot be checked"
            if not original.passed
            else f"the automatic rewrite made your tests fail ({outcome.error}), so it is not offered — "
            "the improvements above are still worth making by hand"
        )
    if original.passed:
        return "Your tests pass on your code."
    return f"Your tests could not be run ({original.message})." if original.inconclusive else ""


def _concepts(improvements: list[Improvement]) -> list[str]:
    slugs: list[str] = []
    for improvement in improvements:
        for slug in rule_info(improvement.finding.rule).concepts:
            if slug not in slugs:
                slugs.append(slug)
    return slugs[:MAX_CONCEPTS]


def _summary(cell: Cell, improvements: list[Improvement], refactor: Refactor) -> str:
    if not improvements:
        return f"Nothing to change in your {cell.line_count}-line cell: the learner checks found no issues."
    top = improvements[0].finding
    count = len(improvements)
    text = (
        f"{count} improvement{'s' if count > 1 else ''} for your {cell.line_count}-line cell; "
        f"most important: {explain.location(top).lower()} — {explain.title(top)} ({short(top.message, 120)})."
    )
    if refactor.code is not None:
        text += " A refactored version is included."
    return text


def _explanation(
    cell: Cell,
    improvements: list[Improvement],
    findings: list[Finding],
    refactor: Refactor,
    test_note: str,
    praise: list[str],
    query: StudentQuery,
    ruff_note: str,
) -> str:
    level = query.context.skill_level
    parts = [f"## Review of your {cell.line_count}-line cell\n"]
    if improvements:
        parts.append("### What to improve, most important first\n")
        parts.extend(explain.render_improvement(n, imp, level) for n, imp in enumerate(improvements, 1))
    else:
        parts.append("No improvements to suggest — the checks below found nothing.\n")
    parts.append("### Refactored version\n")
    if refactor.code is not None:
        changes = "\n".join(f"- {change}" for change in refactor.changes[:12])
        more = f"\n- …and {len(refactor.changes) - 12} more" if len(refactor.changes) > 12 else ""
        parts.append(
            f"The code block below is your cell with these safe changes applied:\n\n{changes}{more}\n\n"
            f"It compiles. {test_note}".rstrip()
            + "\n"
        )
    else:
        parts.append(f"No refactored version: {refactor.dropped_reason}.\n")
    parts.append("### What you did well\n")
    parts.extend(f"- {text}" for text in praise)
    counts = Counter(f.category.value for f in findings)
    tally = ", ".join(f"{counts[c.value]} {c.value}" for c in Category if counts[c.value]) or "none"
    parts.append(
        # Plain markdown: the renderers escape raw HTML, so a tag would be shown as text.
        f"\n_Checked with ruff ({', '.join(SELECT)}){ruff_note} and {len(CHECKS)} learner checks; "
        f"findings: {tally}._"
    )
    return "\n".join(parts)


def _next_step_hints(cell: Cell) -> list[str]:
    """With nothing to fix, nudge toward the next habit: testing the cell's own functions."""
    tree = cell.tree or ast.Module(body=[], type_ignores=[])
    funcs = [
        n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and not n.name.startswith("test")
    ]
    if not funcs:
        return []
    return [
        f"Pick one input for `{funcs[0]}` whose answer you can work out by hand.",
        f"Write it as a check: `assert {funcs[0]}(...) == expected`.",
        f"Add an edge case for `{funcs[0]}` too: an empty input, zero, or a negative number.",
    ]


def review(query: StudentQuery) -> AgentReply:
    """Review the query's code cell (or the code fenced in its text).

    Raises ValueError when there is no code to review (empty or whitespace only).
    """
    started = time.perf_counter()
    cell = prepare_cell(query)
    if cell.tree is None:
        return syntax_reply(query, cell, _elapsed_ms(started))

    ruff = run_ruff(cell.analysed)
    known_names = {variable.name for variable in query.variables}
    analysis = Analysis(cell.tree, cell.smap)
    findings = merge(ruff.diagnostics, run_checks(analysis), cell.tree, cell.smap, known_names)
    refactor = build_refactor(cell, findings)
    test_note = _check_with_tests(cell, refactor, query, findings)
    if not any(f.rule == "failing-test" for f in findings) and (crash := crash_finding(cell)) is not None:
        findings.append(crash)
    ordered = order(findings)
    improvements = pick(ordered)
    praise = find_praise(analysis, ordered)
    top = improvements[0].finding if improvements else None

    code_blocks: list[CodeBlock] = []
    actions: list[Action] = []
    if refactor.code is not None:
        title = "Refactored version (your tests pass)" if refactor.tested else "Refactored version"
        code_blocks.append(CodeBlock(role=CodeRole.REFACTOR, code=refactor.code, title=title))
        actions.append(
            Action(kind=ActionKind.APPLY_FIX, label="Use the refactored version", args={"code_block": 0})
        )
    if top is not None and top.rule == CELL_RAISES:
        actions.append(
            Action(
                kind=ActionKind.ASK_AGENT,
                label="Ask the debug tutor about this error",
                args={"agent": "debug"},
            )
        )
    concepts = _concepts(improvements)
    if concepts:
        actions.append(
            Action(
                kind=ActionKind.EXPLAIN_CONCEPT, label=f"Explain {concepts[0]}", args={"concept": concepts[0]}
            )
        )
    hints = explain.hints(top) if top is not None else _next_step_hints(cell)
    if hints:
        actions.append(Action(kind=ActionKind.SHOW_HINT, label="Show a hint", args={"hint": 0}))
    actions.append(Action(kind=ActionKind.RATE, label="Was this review helpful?"))

    ruff_note = "" if ruff.available else f" — unavailable: {ruff.problem}"
    explanation = _explanation(cell, improvements, ordered, refactor, test_note, praise, query, ruff_note)
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        summary=_clip(_summary(cell, improvements, refactor), MAX_SUMMARY),
        explanation=_clip(explanation, MAX_EXPLANATION),
        code_blocks=code_blocks,
        hints=[_clip(hint, MAX_HINT) for hint in hints],
        actions=actions,
        concepts=concepts,
        provenance=Provenance(agent=AGENT, provider="offline", latency_ms=_elapsed_ms(started)),
        data={
            "findings": [f.as_data() for f in ordered[:MAX_DATA_FINDINGS]],
            "findings_total": len(ordered),
            "top": top.rule if top is not None else None,
            "improvements": [
                {
                    "rule": i.finding.rule,
                    "line": i.finding.line,
                    "category": i.finding.category.value,
                    "impact": i.finding.impact,
                    "other_lines": list(i.other_lines),
                }
                for i in improvements
            ],
            "refactor": {
                "offered": refactor.code is not None,
                "tested": refactor.tested,
                "changes": refactor.changes,
                "dropped_reason": refactor.dropped_reason if refactor.code is None else "",
            },
            "praise": praise,
            "ruff": {"available": ruff.available, "problem": ruff.problem},
            "syntax_error": False,
        },
    )
