"""Hub mode: the dashboard reads the LearnFlow gateway's instructor API.

Every call carries the instructor's own hub token; the gateway checks the instructor
role on each one (403 otherwise). The JSON is learnflow_agents.api.instructor's, the same
the local source reads, decoded by shape.py:

    GET api/instructor/class[?course=]   {"course", "courses", "groups", "matrix", "topics"}
    GET api/instructor/struggles?since=  {"struggling": [StrugglingStudent]}
    GET api/instructor/errors?since=     {"errors": [ErrorCount]}
    GET api/instructor/exercises?since=  {"exercises": [ExercisePassRate]}  (404: none)
    GET api/instructor/students/{id}/queries  {"queries": [{"query": QueryRecord, "replies": [AgentReply]}]}
    GET api/instructor/health            {"agents": [heartbeat entries as in `learnflow-agents health`]}
    GET api/instructor/usage[?course=]   LLM usage today per course and student, and the budgets

Errors are the API's `Error` ({"message", "reason", "field"}).
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from learnflow_ext.instructor import shape
from learnflow_ext.instructor.data import (
    AgentStatus,
    ClassView,
    ErrorCount,
    ExercisePassRate,
    QueryWithReplies,
    StrugglingStudent,
    UsageToday,
)

TIMEOUT_S = 15.0
MAX_BODY = 20 * 1024 * 1024
MAX_PAGE = 1_000


class GatewayError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"gateway answered {status}: {message}")
        self.status = status


def default_gateway_url() -> str | None:
    """$LEARNFLOW_GATEWAY_URL (set for students' servers by the hub's values)."""
    return os.environ.get("LEARNFLOW_GATEWAY_URL") or None


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
                message = str(json.loads(body)["message"])
            except (ValueError, KeyError, TypeError):
                message = body or err.reason  # not the API's answer: a proxy's page
            raise GatewayError(err.code, message) from None

    def class_view(self, course: str | None) -> ClassView:
        return shape.class_view(self._get("api/instructor/class", course=course, limit=MAX_PAGE))

    def struggles(self, since: datetime, course: str | None) -> list[StrugglingStudent]:
        return shape.struggles(self._get("api/instructor/struggles", since=since.isoformat(), course=course))

    def errors(self, since: datetime, course: str | None) -> list[ErrorCount]:
        return shape.errors(self._get("api/instructor/errors", since=since.isoformat(), course=course))

    def pass_rates(self, since: datetime | None, course: str | None) -> list[ExercisePassRate]:
        try:
            doc = self._get(
                "api/instructor/exercises", since=since.isoformat() if since else None, course=course
            )
        except GatewayError as err:
            if err.status == 404:  # a gateway older than the endpoint: no pass rates, not an error
                return []
            raise
        return shape.pass_rates(doc)

    def agents(self) -> list[AgentStatus]:
        return shape.agents(self._get("api/instructor/health"))

    def student_queries(self, student_id: str, limit: int = 20) -> list[QueryWithReplies]:
        path = f"api/instructor/students/{urllib.parse.quote(student_id, safe='')}/queries"
        return shape.student_queries(self._get(path, limit=limit))

    def usage(self, course: str | None) -> UsageToday | None:
        try:
            doc = self._get("api/instructor/usage", course=course)
        except GatewayError as err:
            if err.status == 404:  # a gateway older than the endpoint: no usage, not an error
                return None
            raise
        return shape.usage(doc)

    def close(self) -> None:
        """Nothing held between calls."""
