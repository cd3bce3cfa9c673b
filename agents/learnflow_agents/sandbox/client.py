"""The sandbox service's wire contract and a small blocking client for it.

In a cluster, student code runs in the `learnflow-sandbox` Deployment (service.py), which
holds no secrets. The agents that need a check or a run (exercise, debug, code review)
call it over HTTP when ``LEARNFLOW_SANDBOX_URL`` is set (dispatch.py decides). The client
is blocking on purpose: the callers (the checker, fix verification, a student's own
tests) are synchronous and already run in worker threads.

What crosses the wire: the exercise's statement, metadata and tests (visible and hidden)
and the student's code — never the solution; for a run, the runner script and its one
request. Nothing the service answers is trusted beyond what a local sandbox's answer
would be: the verdict of a check is computed by the service's trusted side, outside the
student's process, exactly as it is locally.
"""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from learnflow_agents.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from learnflow_agents.sandbox.limits import Limits as ProcessLimits
    from learnflow_agents.sandbox.process import SandboxExit
    from learnflow_agents.tutors.exercise.bank import Exercise
    from learnflow_agents.tutors.exercise.checker import CheckResult

MAX_CODE_CHARS = 200_000
MAX_SOURCE_CHARS = 400_000
Code = Annotated[str, StringConstraints(max_length=MAX_CODE_CHARS)]
LimitValues = dict[Annotated[str, StringConstraints(max_length=64)], float | int]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WireTest(_Wire):
    name: Annotated[str, StringConstraints(max_length=200)]
    source: Code
    hidden: bool = False
    success: Annotated[str, StringConstraints(max_length=4_000)] | None = None
    failure: Annotated[str, StringConstraints(max_length=4_000)] | None = None
    points: int = Field(1, ge=0, le=1_000)
    timeout_seconds: float | None = Field(None, gt=0, le=600)


class WireExercise(_Wire):
    """An exercise as the checker needs it: metadata, statement, starter, tests. No solution."""

    meta: dict[str, Any]
    statement: Code = ""
    starter: Code = ""
    visible_tests: list[WireTest] = Field(default_factory=list, max_length=100)
    hidden_tests: list[WireTest] = Field(default_factory=list, max_length=100)


class CheckRequest(_Wire):
    exercise: WireExercise
    code: Code
    include_hidden: bool = True
    # The checker's Limits fields to override; the service caps them.
    limits: LimitValues | None = None


class RunRequest(_Wire):
    """One plain run (sandbox.run.run_python): a runner script and the one request it reads."""

    source: Annotated[str, StringConstraints(max_length=MAX_SOURCE_CHARS)]
    request: dict[str, Any] = Field(default_factory=dict)
    limits: LimitValues | None = None


class RunExit(_Wire):
    returncode: int | None
    signal: str | None
    killed_for_time: bool
    output: str
    output_total: int
    killed_for_files: bool = False


class RunResponse(_Wire):
    answer: dict[str, Any] | None
    exit: RunExit


class ErrorBody(_Wire):
    error: str
    detail: Any = None


class SandboxServiceError(SandboxError):
    """The sandbox service could not be reached or refused the request.

    Not a verdict on the student's code: the caller fails (the runner retries the message,
    then tells the student), instead of reporting a crash that never happened.
    """


# -- conversions (both sides) ---------------------------------------------------------


def limits_to_wire(limits: Any) -> dict[str, float | int] | None:
    if limits is None:
        return None
    if dataclasses.is_dataclass(limits) and not isinstance(limits, type):
        values = dataclasses.asdict(limits)
    elif isinstance(limits, BaseModel):
        values = limits.model_dump()
    else:
        raise TypeError(f"cannot send limits of type {type(limits).__name__}")
    return {k: v for k, v in values.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def exercise_to_wire(exercise: Exercise) -> WireExercise:
    def test(case: Any) -> WireTest:
        return WireTest(
            name=case.name,
            source=case.source,
            hidden=case.hidden,
            success=case.success,
            failure=case.failure,
            points=case.points,
            timeout_seconds=case.timeout_seconds,
        )

    return WireExercise(
        meta=exercise.meta.model_dump(mode="json"),
        statement=exercise.statement,
        starter=exercise.starter,
        visible_tests=[test(c) for c in exercise.visible_tests],
        hidden_tests=[test(c) for c in exercise.hidden_tests],
    )


def exercise_from_wire(wire: WireExercise) -> Exercise:
    from learnflow_agents.tutors.exercise.bank import Exercise, ExerciseTest
    from learnflow_agents.tutors.exercise.format import ExerciseMetadata

    def test(case: WireTest) -> ExerciseTest:
        return ExerciseTest(**case.model_dump())

    return Exercise(
        meta=ExerciseMetadata.model_validate(wire.meta),
        statement=wire.statement,
        starter=wire.starter,
        solution=None,
        visible_tests=tuple(test(c) for c in wire.visible_tests),
        hidden_tests=tuple(test(c) for c in wire.hidden_tests),
    )


# -- the client -----------------------------------------------------------------------


class SandboxClient:
    """Blocking calls to one sandbox service (``LEARNFLOW_SANDBOX_URL``)."""

    def __init__(self, url: str, *, connect_retries: float = 10.0) -> None:
        self.url = url.rstrip("/")
        # How long to keep retrying while the service is busy (503) or starting up.
        self.connect_retries = connect_retries

    def health(self, timeout: float = 10.0) -> dict[str, Any]:
        request = urllib.request.Request(self.url + "/health", method="GET")
        return self._send(request, timeout)

    def check(
        self,
        exercise: Exercise,
        code: str,
        *,
        include_hidden: bool = True,
        limits: Any = None,
    ) -> CheckResult:
        from learnflow_agents.tutors.exercise.checker import CheckResult

        body = CheckRequest(
            exercise=exercise_to_wire(exercise),
            code=code,
            include_hidden=include_hidden,
            limits=limits_to_wire(limits),
        )
        # The service's own per-check budget bounds the run; allow for queueing behind others.
        total = float(getattr(limits, "total_seconds", 30.0) or 30.0)
        answer = self._post("/v1/check", body, timeout=total * 2 + 30)
        return CheckResult.model_validate(answer)

    def run(
        self, source: str, request: dict[str, Any], limits: ProcessLimits
    ) -> tuple[dict[str, Any] | None, SandboxExit]:
        from learnflow_agents.sandbox.process import SandboxExit

        body = RunRequest(source=source, request=request, limits=limits_to_wire(limits))
        answer = RunResponse.model_validate(self._post("/v1/run", body, timeout=limits.wall_seconds * 2 + 30))
        return answer.answer, SandboxExit(**answer.exit.model_dump())

    # -- plumbing -----------------------------------------------------------------------

    def _post(self, path: str, body: BaseModel, timeout: float) -> dict[str, Any]:
        data = body.model_dump_json().encode("utf-8")
        request = urllib.request.Request(
            self.url + path, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        return self._send(request, timeout)

    def _send(self, request: urllib.request.Request, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + self.connect_retries
        delay = 0.1
        while True:
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as err:
                detail = _error_text(err)
                if err.code == 503 and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    continue
                raise SandboxServiceError(f"sandbox service answered {err.code}: {detail}") from err
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as err:
                if time.monotonic() < deadline and not isinstance(err, TimeoutError):
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    continue
                raise SandboxServiceError(f"sandbox service at {self.url} unreachable: {err}") from err
            except ValueError as err:
                raise SandboxServiceError(f"sandbox service sent a body that is not JSON: {err}") from err


def _error_text(err: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(err.read(65536)).get("error", ""))[:500]
    except Exception:
        return err.reason if isinstance(err.reason, str) else ""
