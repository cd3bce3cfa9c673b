"""Structured facts some agents put in `AgentReply.data`, read tolerantly.

`data` is free-form so agents can grow without a schema bump; these readers accept the
shapes the exercise and progress agents use (and a few obvious variants) and return
plain values the renderers can rely on.
"""

from dataclasses import dataclass
from typing import Any

from learnflow_agents.contracts import AgentReply


@dataclass
class TestResult:
    name: str
    passed: bool
    message: str = ""
    expected: str | None = None
    actual: str | None = None
    hidden: bool = False


@dataclass
class Named:
    title: str
    detail: str = ""


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in data and data[key] is not None:
            return data[key]
    return None


def test_results(reply: AgentReply) -> list[TestResult]:
    container: Any = reply.data
    for key in ("check", "result", "check_result"):
        if isinstance(reply.data.get(key), dict):
            container = reply.data[key]
            break
    raw = container.get("tests") if isinstance(container, dict) else None
    if not isinstance(raw, list):
        return []
    results = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            continue
        results.append(
            TestResult(
                name=str(item.get("name") or f"test {index}"),
                passed=bool(item.get("passed")),
                message=str(item.get("message") or ""),
                expected=None if item.get("expected") is None else str(item["expected"]),
                actual=None if item.get("actual") is None else str(item["actual"]),
                hidden=bool(item.get("hidden")),
            )
        )
    return results


def exercise_id(reply: AgentReply) -> str | None:
    value = _first(reply.data, "exercise_id", "exercise")
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def mastery(reply: AgentReply) -> dict[str, float]:
    raw = _first(reply.data, "mastery", "mastery_levels")
    if isinstance(raw, dict):
        pairs = raw.items()
    elif isinstance(raw, list):
        pairs = (
            (item.get("topic"), _first(item, "p_mastery", "mastery", "value"))
            for item in raw
            if isinstance(item, dict)
        )
    else:
        return {}
    result: dict[str, float] = {}
    for topic, value in pairs:
        try:
            result[str(topic)] = min(1.0, max(0.0, float(value)))
        except (TypeError, ValueError):
            continue
    return result


def _named_list(raw: Any) -> list[Named]:
    if not isinstance(raw, list):
        return []
    items = []
    for item in raw:
        if isinstance(item, str):
            items.append(Named(item))
        elif isinstance(item, dict):
            title = _first(item, "title", "name", "topic", "label", "id")
            detail = _first(item, "detail", "description", "reason", "why", "message")
            if title:
                items.append(Named(str(title), str(detail or "")))
    return items


def recommendations(reply: AgentReply) -> list[Named]:
    return _named_list(_first(reply.data, "recommendations", "next_topics"))


def achievements(reply: AgentReply) -> list[Named]:
    return _named_list(reply.data.get("achievements"))
