"""What can go wrong when talking to a sandboxed child: each is the child's fault, never a pass."""


class SandboxError(Exception):
    """Base class: the run did not produce a trustworthy answer."""


class SandboxTimeout(SandboxError):  # noqa: N818 - reads as the event it reports
    """The child did not answer within the time given."""


class SandboxGone(SandboxError):  # noqa: N818 - reads as the event it reports
    """The child exited, was killed or closed its end of the channel."""


class SandboxProtocolError(SandboxError):
    """The child sent a frame that is oversized, not JSON, or not an object."""


class IsolationUnavailable(SandboxError):  # noqa: N818 - reads as the event it reports
    """Strong isolation was required but this machine cannot provide it."""
