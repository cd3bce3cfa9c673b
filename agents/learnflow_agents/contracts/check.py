"""The result of checking a student's attempt at an exercise: the one model for it.

The exercise checker returns it, the sandbox service sends it as JSON, and an exercise
check's reply carries it (`AgentReply.check`, hidden tests' values scrubbed) so the
progress agent records the attempt and every renderer lists the tests from it.
"""

from enum import StrEnum

from pydantic import Field

from learnflow_agents.contracts.base import Contract


class TestStatus(StrEnum):
    __test__ = False  # not a pytest class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    OUTPUT = "output"
    RECURSION = "recursion"
    EXIT = "exit"
    CRASH = "crash"
    NOT_RUN = "not-run"
    BROKEN_TEST = "broken-test"


class TestOutcome(Contract):
    __test__ = False

    name: str
    hidden: bool = False
    status: TestStatus
    passed: bool
    points: int = 1
    message: str = Field("", description="Friendly explanation for the learner.")
    expected: str | None = None
    actual: str | None = None
    check: str | None = Field(None, description="The assertion that failed (visible tests only).")
    line: int | None = Field(None, description="Line of the student's code involved, if any.")
    output: str = ""

    def public(self) -> "TestOutcome":
        """The outcome as shown to the student: a hidden test loses its name, values and output."""
        if not self.hidden:
            return self
        return self.model_copy(
            update={"name": "hidden test", "expected": None, "actual": None, "check": None, "output": ""}
        )


class CheckResult(Contract):
    exercise_id: str | None = None
    # Set on a check reply (the checker does not know them): the exercise's topic, and the
    # hints the student revealed since their previous check (StudentQuery.hints_used).
    topic: str | None = None
    hints_used: int = Field(0, ge=0)
    passed: bool
    score: float = Field(ge=0.0, le=1.0)
    points: int
    max_points: int
    summary: str
    load_error: str | None = Field(None, description="Why the code could not even be loaded.")
    tests: list[TestOutcome] = Field(default_factory=list)

    @property
    def failures(self) -> list[TestOutcome]:
        return [t for t in self.tests if not t.passed]

    def public(self) -> "CheckResult":
        """The result as a reply may carry it: hidden tests scrubbed (see TestOutcome.public)."""
        return self.model_copy(update={"tests": [t.public() for t in self.tests]})
