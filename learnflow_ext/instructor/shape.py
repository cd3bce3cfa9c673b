"""The instructor API's JSON (learnflow_agents.api.instructor) as the dashboard's records.

One decoder per resource, used by both sources: the local store's answers come from the
same API functions as the gateway's, so the dashboard reads one shape.
"""

from datetime import datetime
from typing import Any

from learnflow_agents.contracts import AgentReply
from learnflow_agents.store.records import QueryRecord

from learnflow_ext.instructor.data import (
    AgentStatus,
    ClassView,
    CourseSpend,
    ErrorCount,
    ExercisePassRate,
    MasteryMatrix,
    QueryWithReplies,
    Spend,
    StrugglingStudent,
    StudentSpend,
    TopicSummary,
    UsageToday,
    agent_statuses,
)


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def class_view(doc: dict[str, Any]) -> ClassView:
    matrix = doc["matrix"]
    cells = {str(s): {str(t): float(p) for t, p in row.items()} for s, row in matrix["cells"].items()}
    return ClassView(
        matrix=MasteryMatrix(list(matrix["students"]), list(matrix["topics"]), cells),
        summary=[TopicSummary(**s) for s in doc["topics"]],
        courses=list(doc["courses"]),
        groups={str(k): list(v) for k, v in doc["groups"].items()},
    )


def struggles(doc: dict[str, Any]) -> list[StrugglingStudent]:
    return [StrugglingStudent(**{**s, "latest_at": _when(s["latest_at"])}) for s in doc["struggling"]]


def errors(doc: dict[str, Any]) -> list[ErrorCount]:
    return [ErrorCount(**e) for e in doc["errors"]]


def pass_rates(doc: dict[str, Any]) -> list[ExercisePassRate]:
    fields = ExercisePassRate.__dataclass_fields__
    # `pass_rate` is served for other readers; the record computes it.
    return [ExercisePassRate(**{k: v for k, v in e.items() if k in fields}) for e in doc["exercises"]]


def agents(doc: dict[str, Any]) -> list[AgentStatus]:
    return agent_statuses(doc["agents"])


def _spend(doc: dict[str, Any]) -> Spend:
    return Spend(int(doc["requests"]), int(doc["tokens"]), float(doc["cost_usd"]))


def usage(doc: dict[str, Any]) -> UsageToday:
    student, course = doc["budget"]["student"], doc["budget"]["course"]
    return UsageToday(
        day=str(doc["day"]),
        student_tokens=student["tokens"],
        student_usd=student["usd"],
        course_tokens=course["tokens"],
        course_usd=course["usd"],
        courses=[CourseSpend(c["course_id"], _spend(c["used"]), c["over_budget"]) for c in doc["courses"]],
        students=[
            StudentSpend(s["student_id"], s["course_id"], _spend(s["asked"]), _spend(s["total"]))
            for s in doc["students"]
        ],
    )


def student_queries(doc: dict[str, Any]) -> list[QueryWithReplies]:
    return [
        QueryWithReplies(
            QueryRecord.model_validate(item["query"]),
            [AgentReply.model_validate(r) for r in item["replies"]],
        )
        for item in doc["queries"]
    ]
