"""Run a script once in the sandbox, hand it one request, read back one answer.

For checks whose verdict only concerns the student's own code (does the debug agent's
fix run past the error? do the student's own tests pass?): the child reports the
result itself, so a student can make *their own* code look fine to *their own* review,
and nothing more. Exercise checks, where the verdict matters to someone else, decide on
the trusted side instead (harness.py).
"""

from __future__ import annotations

import re
from typing import Any

from learnflow_agents.sandbox import spares
from learnflow_agents.sandbox.errors import SandboxError
from learnflow_agents.sandbox.limits import Limits
from learnflow_agents.sandbox.process import SandboxExit

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


# Any surrogate code point in a decoded str is a lone one (json.loads joins valid pairs).
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(value: Any) -> Any:
    """The child's answer with every lone surrogate (which its JSON may carry as a `\\ud800`
    escape) replaced by U+FFFD: text no UTF-8 encoder refuses, in keys and values at any
    depth. A program that prints or raises such text must not break whatever the trusted
    side builds from its answer (a reply, a database row, a response)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {valid_text(k): valid_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [valid_text(item) for item in value]
    return value


def run_python(
    runner_source: str, request: dict[str, Any], limits: Limits
) -> tuple[dict[str, Any] | None, SandboxExit]:
    """The runner's one answer (None if it died, timed out or sent junk) and how the child ended.

    `runner_source` can call `_lf_receive()` once for `request` and `_lf_send(answer)`.
    """
    source = CHANNEL_SOURCE + runner_source
    with spares.take(source, limits) as child:
        answer: dict[str, Any] | None
        try:
            child.send(request)
            answer = valid_text(child.recv(limits.wall_seconds))
        except (SandboxError, RecursionError):  # junk, or nested deeper than it can be walked
            answer = None
        ended = child.close()
    spares.replenish(source, limits)
    return answer, ended
