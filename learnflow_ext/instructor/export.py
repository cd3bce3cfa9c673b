"""CSV export of what the dashboard shows, for gradebooks and spreadsheets."""

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from learnflow_ext.instructor.data import Snapshot


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def export_csv(snapshot: Snapshot, directory: str | Path) -> list[Path]:
    """Write mastery, struggles, errors, exercises and agents CSVs; returns their paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    m = snapshot.view.matrix
    # Wide mastery (one row per student) is what a gradebook imports; a blank cell means
    # no evidence yet, which is not the same as 0.
    mastery = _write(
        out / "mastery.csv",
        ["student", *m.topics],
        ([s, *("" if (v := m.value(s, t)) is None else f"{v:.4f}" for t in m.topics)] for s in m.students),
    )
    struggles = _write(
        out / "struggles.csv",
        ["student", "level", "score", "alerts", "topics", "latest_at", "recommendation", "evidence"],
        (
            [
                s.student_id,
                s.level,
                f"{s.score:.4f}",
                s.alerts,
                ";".join(s.topics),
                s.latest_at.isoformat(),
                s.recommendation,
                " | ".join(s.evidence),
            ]
            for s in snapshot.struggles
        ),
    )
    errors = _write(
        out / "errors.csv",
        ["error_type", "occurrences", "students"],
        ([e.error_type, e.occurrences, e.students] for e in snapshot.errors),
    )
    exercises = _write(
        out / "exercises.csv",
        ["exercise", "topic", "attempts", "passed", "pass_rate", "students", "students_passed"],
        (
            [
                r.exercise_id,
                r.topic,
                r.attempts,
                r.passed,
                f"{r.pass_rate:.4f}",
                r.students,
                r.students_passed,
            ]
            for r in snapshot.pass_rates
        ),
    )
    agents = _write(
        out / "agents.csv",
        [
            "agent",
            "instances",
            "fresh",
            "handled",
            "lag",
            "dead_lettered",
            "provider",
            "tokens_in",
            "tokens_out",
            "cost_usd",
        ],
        (
            [
                a.agent,
                a.instances,
                a.fresh,
                a.handled,
                a.lag,
                a.dead_lettered,
                a.provider,
                a.tokens_in,
                a.tokens_out,
                f"{a.cost_usd:.6f}",
            ]
            for a in snapshot.agents
        ),
    )
    return [mastery, struggles, errors, exercises, agents]
