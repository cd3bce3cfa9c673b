"""Run a script once in the sandbox, hand it one request, read back one answer.

For checks whose verdict only concerns the student's own code (does the debug agent's
fix run past the error? do the student's own tests pass?): the child reports the
result itself, so a student can make *their own* code look fine to *their own* review,
and nothing more. Exercise checks, where the verdict matters to someone else, decide on
the trusted side instead (harness.py).
"""

from __future__ import annotations

from typing import Any

from learnflow_agents.sandbox.errors import SandboxError
from learnflow_agents.sandbox.limits import Limits
from learnflow_agents.sandbox.process import SandboxExit, start_sandbox

# Stdlib-only framing for the child's side of the channel (fd 3 in, fd 4 out).
CHANNEL_SOURCE = """\
def _lf_channel():
    import json, os, struct
    def receive():
        def exactly(size):
            data = b""
            while len(data) < size:
                chunk = os.read(3, size - len(data))
                if not chunk:
                    raise EOFError("parent closed the channel")
                data += chunk
            return data
        return json.loads(exactly(struct.unpack(">I", exactly(4))[0]))
    def send(message):
        data = json.dumps(message).encode("utf-8")
        os.write(4, struct.pack(">I", len(data)) + data)
    return receive, send
_lf_receive, _lf_send = _lf_channel()
del _lf_channel
"""


def run_python(
    runner_source: str, request: dict[str, Any], limits: Limits
) -> tuple[dict[str, Any] | None, SandboxExit]:
    """The runner's one answer (None if it died, timed out or sent junk) and how the child ended.

    `runner_source` can call `_lf_receive()` once for `request` and `_lf_send(answer)`.
    """
    with start_sandbox(CHANNEL_SOURCE + runner_source, limits) as child:
        answer: dict[str, Any] | None
        try:
            child.send(request)
            answer = child.recv(limits.wall_seconds)
        except SandboxError:
            answer = None
        ended = child.close()
    return answer, ended
