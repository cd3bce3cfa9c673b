"""One sandbox for every place that runs a student's code.

`start_sandbox` runs a Python child in the strongest isolation the machine offers
(isolation.py) with a framed message channel (process.py); `run_python` is the plain
"run this and tell me what happened" use of it (debug fix checks, a student's own
tests); exercise checks run their tests on the trusted side over that channel
(harness.py).
"""

from learnflow_agents.sandbox.errors import (
    IsolationUnavailable,
    SandboxError,
    SandboxGone,
    SandboxProtocolError,
    SandboxTimeout,
)
from learnflow_agents.sandbox.isolation import Isolation, detect_isolation
from learnflow_agents.sandbox.limits import Limits
from learnflow_agents.sandbox.process import SandboxExit, SandboxProcess, start_sandbox

__all__ = [
    "Isolation",
    "IsolationUnavailable",
    "Limits",
    "SandboxError",
    "SandboxExit",
    "SandboxGone",
    "SandboxProcess",
    "SandboxProtocolError",
    "SandboxTimeout",
    "detect_isolation",
    "start_sandbox",
]
