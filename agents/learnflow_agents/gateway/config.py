"""The gateway's configuration: the hub's service environment plus a few options."""

import os
from dataclasses import dataclass

# The name the Helm chart, docker-compose and the Zero to JupyterHub values register the
# service under; the hub passes the prefix as JUPYTERHUB_SERVICE_PREFIX, so this default
# matters only when the gateway runs outside the hub's service management.
DEFAULT_SERVICE_NAME = "learnflow"
DEFAULT_PREFIX = f"/services/{DEFAULT_SERVICE_NAME}/"
DEFAULT_INSTRUCTOR_GROUP = "learnflow-instructors"
DEFAULT_INSTRUCTOR_SCOPE = "custom:learnflow:instruct"
# A course is the hub group `course-<id>`: its members are the course's students and
# instructors (see gateway/courses.py).
DEFAULT_COURSE_GROUP_PREFIX = "course-"
# A maximal StudentQuery (8k text, 100k code, 50k traceback) JSON-escaped stays well below this.
DEFAULT_MAX_BODY = 1024 * 1024


class GatewayConfigError(ValueError):
    """The gateway cannot start: a required hub setting is missing."""


@dataclass(frozen=True)
class GatewayConfig:
    hub_api_url: str
    # The gateway's own service token: used for group look-ups, never forwarded.
    api_token: str
    prefix: str = DEFAULT_PREFIX
    instructor_group: str | None = DEFAULT_INSTRUCTOR_GROUP
    instructor_scope: str | None = DEFAULT_INSTRUCTOR_SCOPE
    # None: courses are not taken from the hub (every instructor sees every student).
    course_group_prefix: str | None = DEFAULT_COURSE_GROUP_PREFIX
    max_body_bytes: int = DEFAULT_MAX_BODY
    # How long a verified student token is trusted before asking the hub again.
    # Instructor calls always ask the hub (see auth.HubIdentity.authenticate).
    auth_cache_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not self.hub_api_url:
            raise GatewayConfigError("no hub API URL: set JUPYTERHUB_API_URL or --hub-api-url")
        if not self.api_token:
            raise GatewayConfigError("no service token: set JUPYTERHUB_API_TOKEN (the hub sets it)")
        if not (self.prefix.startswith("/") and self.prefix.endswith("/")):
            raise GatewayConfigError(f"service prefix must start and end with '/': {self.prefix!r}")
        if self.instructor_scope and "!" in self.instructor_scope:
            raise GatewayConfigError(
                "instructor scope: give the scope without a filter; filters on a user's role"
                " (e.g. '!group=course-a') choose their courses"
            )
        if self.max_body_bytes < 1024:
            raise GatewayConfigError("max body must be at least 1024 bytes")

    @classmethod
    def from_env(cls, **overrides: object) -> "GatewayConfig":
        """The hub's service environment; explicit (non-None) overrides win."""
        values: dict[str, object] = {
            "hub_api_url": os.environ.get("JUPYTERHUB_API_URL", ""),
            "api_token": os.environ.get("JUPYTERHUB_API_TOKEN", ""),
            "prefix": os.environ.get("JUPYTERHUB_SERVICE_PREFIX", DEFAULT_PREFIX),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        # An empty string switches a check off (e.g. --instructor-scope '').
        for key in ("instructor_group", "instructor_scope", "course_group_prefix"):
            if values.get(key) == "":
                values[key] = None
        return cls(**values)  # type: ignore[arg-type]
