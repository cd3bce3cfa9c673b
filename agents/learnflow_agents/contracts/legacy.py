"""Reading 1.0 messages: the one place that knows how 1.0 carried what 1.1 types.

Schema 1.0 put relations between messages in free-form places: a helper reply named the
agent it helped in `data["saga_of"]`, a debug reply its request to concepts in
`data["concept_requested"]`, an exercise check its result flattened into `data`, a progress
report its facts in `data`, and a query named the exercise to grade in its text
("check <exercise-id>" with code). 1.1 has typed fields for each. The contract models call
these functions before validation, so a 1.0 message, wherever it is read from (the bus, the
store, an HTTP body), arrives with the typed fields set and the relation keys gone.
"""

import re
from typing import Any

# 1.0's grammar for grading: "check ex-lists-01" (or "check exercise ex-lists-01") with code.
LEGACY_CHECK = re.compile(r"^\s*check\b(?:\s+(?:exercise\s+)?(?P<exercise>[A-Za-z0-9_.\-]+))?", re.IGNORECASE)

_CHECK_KEYS = ("passed", "score", "hints_used", "points", "max_points", "tests")
_PROGRESS_KEYS = (
    "mastery",
    "achievements",
    "recommendations",
    "skill_level",
    "strengths",
    "growth_areas",
    "topics_covered",
    "exercises_passed",
    "attempts",
    "streak_days",
)


def upgrade_query(raw: Any) -> Any:
    """A 1.0 query whose text asks to check an exercise gets `exercise_id`.

    1.0 graded such a text whenever it reached the exercise agent (sent there, or routed
    there by triage); a query sent to another agent never did, so it is left alone.
    """
    if not isinstance(raw, dict) or raw.get("exercise_id") or not raw.get("code"):
        return raw
    if raw.get("target_agent") not in (None, "exercise"):
        return raw
    text = raw.get("text")
    match = LEGACY_CHECK.match(text) if isinstance(text, str) else None
    if match and match.group("exercise"):
        return {**raw, "exercise_id": match.group("exercise")}
    return raw


def upgrade_reply(raw: Any) -> Any:
    """A 1.0 reply's protocol keys in `data` become the typed fields."""
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
        return raw
    data = dict(raw["data"])
    raw = {**raw, "data": data}
    saga_of = data.pop("saga_of", None)
    if isinstance(saga_of, str) and saga_of and raw.get("helps") is None:
        raw["helps"] = {"agent": saga_of}
    concept = data.pop("concept_requested", None)
    if isinstance(concept, str) and concept and raw.get("follow_up") is None:
        raw["follow_up"] = {"agent": "concepts", "concept": concept}
    # The flattened check and report facts stay in `data` too: it is free-form, and nothing
    # in LearnFlow reads them there any more.
    if isinstance(data.get("passed"), bool) and data.get("exercise_id") and raw.get("check") is None:
        check = {key: data[key] for key in _CHECK_KEYS if key in data}
        raw["check"] = _legacy_check(check, data, raw.get("summary"))
    is_report = raw.get("agent") == "progress" and isinstance(data.get("mastery"), dict)
    if is_report and raw.get("progress") is None:
        raw["progress"] = {key: data[key] for key in _PROGRESS_KEYS if key in data}
    return raw


def _legacy_check(check: dict[str, Any], data: dict[str, Any], summary: Any) -> dict[str, Any] | None:
    from pydantic import ValidationError

    from learnflow_agents.contracts.check import CheckResult

    fields = {
        "exercise_id": data.get("exercise_id"),
        "topic": data.get("topic"),
        "summary": summary if isinstance(summary, str) else "",
        "points": 0,
        "max_points": 0,
        "score": 0.0,
        **check,
    }
    try:
        return CheckResult.model_validate(fields).model_dump(mode="json")
    except ValidationError:
        return None  # a malformed 1.0 result: the reply still reads, without a check
