"""Where student code runs: here, or in the sandbox service — decided in this one place.

With ``LEARNFLOW_SANDBOX_URL`` set (cluster mode: the agents hold secrets, so student code
must not run next to them), exercise checks and plain runs go to the `learnflow-sandbox`
service (service.py, client.py); otherwise they run in a local sandbox child.

The exercise checker, the debug agent's fix verification and code review's run of a
student's own tests all call through here:

* `remote()` — the service client, or None to run locally (the checker asks this first
  and otherwise goes on with its own local check);
* `run_python(source, request, limits)` — the plain "run this, read one answer" of
  `sandbox.run.run_python`, locally or on the service.

The service itself never dispatches further (it drops the variable at start-up).
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from learnflow_agents.sandbox.client import SandboxClient
    from learnflow_agents.sandbox.limits import Limits
    from learnflow_agents.sandbox.process import SandboxExit

URL_ENV = "LEARNFLOW_SANDBOX_URL"


def remote() -> SandboxClient | None:
    """The sandbox service to use, or None when student code runs in a local sandbox."""
    url = os.environ.get(URL_ENV, "").strip()
    return _client(url) if url else None


@functools.cache
def _client(url: str) -> SandboxClient:
    from learnflow_agents.sandbox.client import SandboxClient

    return SandboxClient(url)


def run_python(
    source: str, request: dict[str, Any], limits: Limits
) -> tuple[dict[str, Any] | None, SandboxExit]:
    """Run `source` once in the sandbox (local or the service) with one request; see run.py."""
    service = remote()
    if service is not None:
        return service.run(source, request, limits)
    from learnflow_agents.sandbox.run import run_python as run_locally

    return run_locally(source, request, limits)
