"""Which no-error rule fires on which dev case of an outside logic set (default so_logic2), right or
wrong, each rule run on its own (the tutor's reply names only the first that fires).

"RIGHT" = that rule's cause (summary + why + fix) names every labelled fact, the scorer's test
applied to the cause alone; "wrong" = it fires but misses a fact; "EXCL" marks a row the labeller
excluded (a how-to, a program that works): any cause named there is unasked for. Holdout rows are
never read. Traces are real sandbox runs, so rows with random output can vary between runs.

    .venv/bin/python benchmarks/data/outside_debug/rule_fires_so_logic2.py [set]
"""

from __future__ import annotations

import ast
import contextlib
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "agents"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import debug_outside_eval as ev  # noqa: E402
from learnflow_agents.sandbox.trace import TraceUnavailableError, trace_program  # noqa: E402
from learnflow_agents.tutors.debug.families import logic_causes, logic_general  # noqa: E402
from learnflow_agents.tutors.debug.families import wrong_behaviour as wb  # noqa: E402
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run  # noqa: E402

try:  # absent before the idiom rules were added
    from learnflow_agents.tutors.debug.families import logic_idioms
except ImportError:  # pragma: no cover
    logic_idioms = None  # type: ignore[assignment]


def rules() -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = [("wrong_behaviour", wb._stuck_while)]
    out += [("logic_general", r) for r in logic_general.RULES]
    out += [("logic_causes", r) for r in logic_causes.RULES]
    out += [("logic_idioms", r) for r in (logic_idioms.RULES if logic_idioms else ())]
    late = (
        wb._accumulate,
        wb._off_by_one,
        wb._print_not_return,
        wb._no_return,
        wb._floor_division,
        wb._newline,
    )
    out += [("wrong_behaviour", r) for r in (*late, wb._no_print)]
    out += [("fallback", r) for r in logic_causes.FALLBACK_RULES]
    return out


def main(name: str) -> int:
    cases_file, labels_file = ev.SETS[name]
    cases = [json.loads(x) for x in (ev.DATA / cases_file).read_text(encoding="utf-8").splitlines() if x]
    lines = (ev.DATA / labels_file).read_text(encoding="utf-8").splitlines()
    labels = {d["id"]: d for d in (json.loads(x) for x in lines if x)}
    fires: dict[str, list[str]] = defaultdict(list)
    table = rules()
    for c in (c for c in cases if c["split"] == "dev"):
        label = labels[c["id"]]
        report = None
        if is_safe_to_run(c["code"], allowed_calls=frozenset({"input"}))[0]:
            with contextlib.suppress(TraceUnavailableError):
                report = trace_program(c["code"])
        tree = ast.parse(c["code"])
        for _, rule in table:
            got = rule(tree, c["code"], c["question"], report)  # type: ignore[operator]
            if got is None:
                continue
            text = f"{got.summary} {got.why} {got.fix}".lower()
            right = "facts" in label and all(any(a.lower() in text for a in g) for g in label["facts"])
            tag = "EXCL" if "excluded" in label else ("RIGHT" if right else "wrong")
            fires[rule.__name__].append(f"{c['id']}:{tag}")  # type: ignore[attr-defined]
    dev = sum(c["split"] == "dev" for c in cases)
    print(f"rule fires on the dev rows of {name} ({dev} rows, excluded ones too)")
    for family, rule in table:
        hits = fires.get(rule.__name__, [])  # type: ignore[attr-defined]
        right = sum(h.endswith("RIGHT") for h in hits)
        rule_name = rule.__name__  # type: ignore[attr-defined]
        print(f"  {family:15} {rule_name:28} fires {len(hits):2} right {right:2}  {' '.join(hits)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "so_logic2"))
