"""Hub mode: the dashboard reads the LearnFlow gateway's instructor API.

Every call carries the instructor's own hub token; the gateway checks the instructor
role on each one (403 otherwise). The JSON it serves is the store's analytics records
(dataclasses.asdict / pydantic model_dump(mode="json")):

    GET api/instructor/class[?course=]   {"course", "matrix": MasteryMatrix, "topics": [TopicSummary],
                                          "courses"?: [str], "groups"?: {name: [student]}}
    GET api/instructor/struggles?since=  {"struggling": [StrugglingStudent]}
    GET api/instructor/errors?since=     {"errors": [ErrorCount]}
    GET api/instructor/exercises?since=  {"exercises": [ExercisePassRate]}  (optional: 404 -> none)
    GET api/instructor/students/{id}/queries  {"queries": [{"query": QueryRecord, "replies": [AgentReply]}]}
    GET api/instructor/health            {"agents": [heartbeat entries as in `learnflow-agents health`]}

A bare list instead of the one-key object is accepted too.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from learnflow_agents.contracts import AgentReply
from learnflow_agents.store.records import QueryRecord

from learnflow_ext.instructor.data import (
    AgentStatus,
    ClassView,
    ErrorCount,
    ExercisePassRate,
    MasteryMatrix,
    QueryWithReplies,
    StrugglingStudent,
    TopicSummary,
    agent_statuses,
)

TIMEOUT_S = 15.0
MAX_BODY = 20 * 1024 * 1024


class GatewayError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"gateway answered {status}: {message}")
        self.status = status


def default_gateway_url() -> str | None:
    """$LEARNFLOW_GATEWAY_URL (set for students' servers by the hub's values)."""
    return os.environ.get("LEARNFLOW_GATEWAY_URL") or None


def _items(doc: Any, key: str) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get(key), list):
        return list(doc[key])
    raise GatewayError(200, f"expected a list under {key!r}")


def _when(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class GatewaySource:
    def __init__(self, base_url: str | None = None, token: str | None = None, *, timeout: float = TIMEOUT_S):
        url = base_url or default_gateway_url()
        if not url:
            raise ValueError("no gateway URL: pass base_url or set LEARNFLOW_GATEWAY_URL")
        self.base_url = url.rstrip("/") + "/"
        self.token = token or os.environ.get("JUPYTERHUB_API_TOKEN", "")
        self.timeout = timeout
        self.name = f"gateway ({self.base_url})"

    def _get(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = urllib.parse.urljoin(self.base_url, path) + (f"?{query}" if query else "")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read(MAX_BODY))
        except urllib.error.HTTPError as err:
            body = err.read(2_000).decode("utf-8", "replace")
            try:
                # The gateway says {"error": ...}; other servers (a proxy) may say "message".
                data = json.loads(body)
                message = str(data.get("error") or data.get("message") or body)
            except (ValueError, AttributeError):
                message = body or err.reason
            raise GatewayError(err.code, message) from None

    def class_view(self, course: str | None) -> ClassView:
        doc = self._get("api/instructor/class", course=course, limit=1000)
        matrix = doc.get("matrix", doc)
        summary = doc.get("topics") if "matrix" in doc else doc.get("summary")
        cells = {
            str(s): {str(t): float(p) for t, p in row.items()} for s, row in matrix.get("cells", {}).items()
        }
        return ClassView(
            matrix=MasteryMatrix(list(matrix.get("students", [])), list(matrix.get("topics", [])), cells),
            summary=[TopicSummary(**s) for s in summary or []],
            courses=list(doc.get("courses", [])),
            groups={str(k): list(v) for k, v in (doc.get("groups") or {}).items()},
        )

    def struggles(self, since: datetime, course: str | None) -> list[StrugglingStudent]:
        doc = self._get("api/instructor/struggles", since=since.isoformat(), course=course)
        return [
            StrugglingStudent(**{**s, "latest_at": _when(s["latest_at"])}) for s in _items(doc, "struggling")
        ]

    def errors(self, since: datetime, course: str | None) -> list[ErrorCount]:
        doc = self._get("api/instructor/errors", since=since.isoformat(), course=course)
        return [ErrorCount(**e) for e in _items(doc, "errors")]

    def pass_rates(self, since: datetime | None, course: str | None) -> list[ExercisePassRate]:
        try:
            doc = self._get(
                "api/instructor/exercises", since=since.isoformat() if since else None, course=course
            )
        except GatewayError as err:
            if err.status == 404:  # a gateway without the endpoint: no pass rates, not an error
                return []
            raise
        fields = ExercisePassRate.__dataclass_fields__
        return [
            ExercisePassRate(**{k: v for k, v in e.items() if k in fields}) for e in _items(doc, "exercises")
        ]

    def agents(self) -> list[AgentStatus]:
        return agent_statuses(_items(self._get("api/instructor/health"), "agents"))

    def student_queries(self, student_id: str, limit: int = 20) -> list[QueryWithReplies]:
        path = f"api/instructor/students/{urllib.parse.quote(student_id, safe='')}/queries"
        return [
            QueryWithReplies(
                QueryRecord.model_validate(item["query"]),
                [AgentReply.model_validate(r) for r in item.get("replies", [])],
            )
            for item in _items(self._get(path, limit=limit), "queries")
        ]

    def close(self) -> None:
        """Nothing held between calls."""
