"""`LearnFlowExtension`: the jupyter_server extension app (`c.LearnFlowExtension.*`).

Two modes: by default the server hosts the engine; with `gateway_url` set (cluster mode,
JupyterHub) it hosts nothing and forwards every call to the LearnFlow gateway.
"""

import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from learnflow_agents.llm.config import DEFAULT_MODEL, LLMSettings
from learnflow_agents.settings import Settings, default_db_url
from traitlets import Bool, Enum, Float, Int, List, Unicode, default

from learnflow_ext.config import _login_name as login_name
from learnflow_ext.server import cluster
from learnflow_ext.server.events import EventsHandler
from learnflow_ext.server.handlers import (
    AttemptsHandler,
    FeedbackHandler,
    OpenAPIHandler,
    PreferencesHandler,
    ProgressHandler,
    QueriesHandler,
    QueryHandler,
    StatusHandler,
    UsageHandler,
)
from learnflow_ext.server.host import EngineHost

API = "/learnflow/api"


def _env_llm() -> LLMSettings | None:
    """The LEARNFLOW_LLM_* variables as the agents read them; None when they do not validate
    (the engine then reports the problem; the traitlets fall back to the built-in defaults)."""
    try:
        return LLMSettings()
    except Exception:
        return None


def _env_default(name: str, fallback: Any) -> Any:
    env = _env_llm()
    return getattr(env, name) if env is not None else fallback


class LearnFlowExtension(ExtensionApp):
    """Hosts the LearnFlow agents in this Jupyter server and serves their API to kernels."""

    name = "learnflow"
    # No pages or templates of its own: the labextension is the UI.
    load_other_extensions = True

    bus_url = Unicode("memory://", help="Message bus: memory:// (in-process) or kafka://host:port.").tag(
        config=True
    )
    db_url = Unicode(
        help="Database URL; default: $LEARNFLOW_DB_URL, else SQLite in the Jupyter data dir."
    ).tag(config=True)
    run_agents = Bool(True, help="Run the six agents in this server (False: they run elsewhere).").tag(
        config=True
    )
    agents = List(Unicode(), ["all"], help="The built-in agents to run.").tag(config=True)
    max_body_bytes = Int(
        1024 * 1024, help="Largest request body accepted; bigger ones get 413 before any parsing."
    ).tag(config=True)
    identity = Enum(
        ["auto", "user", "owner"],
        "auto",
        help="Whose data a request touches. 'user': the authenticated user's name; 'owner': this "
        "server's owner (student_id); 'auto': 'user' when the identity provider names users "
        "(JupyterHub), else 'owner' (token or password login does not identify a person).",
    ).tag(config=True)
    student_id = Unicode(
        help="The owner's student id; default: $LEARNFLOW_STUDENT_ID, $JUPYTERHUB_USER, else the login name."
    ).tag(config=True)

    gateway_url = Unicode(
        help="Cluster mode: the LearnFlow gateway's URL (e.g. http://proxy/services/learnflow/); "
        "default: $LEARNFLOW_GATEWAY_URL. When set, this server runs no engine and forwards "
        "to the gateway with the user's JUPYTERHUB_API_TOKEN; bus_url, db_url and agents are unused."
    ).tag(config=True)

    # The model and the budgets, as jupyter-ai exposes its provider and allow-lists. Each
    # defaults to its LEARNFLOW_LLM_* variable; set here, it wins over the variable for the
    # engine this server runs (cluster mode: the agents' own settings apply instead).
    provider = Enum(
        ["auto", "anthropic", "openai-compatible"],
        help="Which model provider answers: 'auto' (Claude when ANTHROPIC_API_KEY is set, else an "
        "OpenAI-compatible endpoint when LEARNFLOW_LLM_OPENAI_BASE_URL is), 'anthropic' or "
        "'openai-compatible'. Default: $LEARNFLOW_LLM_PROVIDER, else auto.",
    ).tag(config=True)
    model = Unicode(help=f"The model asked; default: $LEARNFLOW_LLM_MODEL, else {DEFAULT_MODEL}.").tag(
        config=True
    )
    allowed_models = List(
        Unicode(),
        help="Models a request may choose (empty: only `model`); an off-list `model` keeps the "
        "tutors offline. Default: $LEARNFLOW_LLM_ALLOWED_MODELS (comma-separated).",
    ).tag(config=True)
    student_daily_tokens = Int(
        help="Tokens a student may use per UTC day (what they asked; 0: no limit). "
        "Default: $LEARNFLOW_LLM_STUDENT_DAILY_TOKENS, else 200000."
    ).tag(config=True)
    student_daily_usd = Float(
        help="USD a student may use per UTC day (0: no limit). "
        "Default: $LEARNFLOW_LLM_STUDENT_DAILY_USD, else 0."
    ).tag(config=True)
    course_daily_tokens = Int(
        help="Tokens a course may use per UTC day, routing included (0: no limit). "
        "Default: $LEARNFLOW_LLM_COURSE_DAILY_TOKENS, else 0."
    ).tag(config=True)
    course_daily_usd = Float(
        help="USD a course may use per UTC day (0: no limit). "
        "Default: $LEARNFLOW_LLM_COURSE_DAILY_USD, else 0."
    ).tag(config=True)

    @default("provider")
    def _default_provider(self) -> str:
        return str(_env_default("provider", "auto"))

    @default("model")
    def _default_model(self) -> str:
        return str(_env_default("model", DEFAULT_MODEL))

    @default("allowed_models")
    def _default_allowed_models(self) -> list[str]:
        return list(_env_default("allowed_models", []))

    @default("student_daily_tokens")
    def _default_student_daily_tokens(self) -> int:
        return int(
            _env_default("student_daily_tokens", LLMSettings.model_fields["student_daily_tokens"].default)
        )

    @default("student_daily_usd")
    def _default_student_daily_usd(self) -> float:
        return float(_env_default("student_daily_usd", 0.0))

    @default("course_daily_tokens")
    def _default_course_daily_tokens(self) -> int:
        return int(_env_default("course_daily_tokens", 0))

    @default("course_daily_usd")
    def _default_course_daily_usd(self) -> float:
        return float(_env_default("course_daily_usd", 0.0))

    def llm_settings(self) -> LLMSettings:
        """The engine's LLM settings: these traitlets over the LEARNFLOW_LLM_* variables."""
        return LLMSettings(
            provider=self.provider,
            model=self.model,
            allowed_models=list(self.allowed_models),
            student_daily_tokens=self.student_daily_tokens,
            student_daily_usd=self.student_daily_usd,
            course_daily_tokens=self.course_daily_tokens,
            course_daily_usd=self.course_daily_usd,
        )

    @default("gateway_url")
    def _default_gateway_url(self) -> str:
        return os.environ.get("LEARNFLOW_GATEWAY_URL", "").strip()

    @default("db_url")
    def _default_db_url(self) -> str:
        return default_db_url()

    @default("student_id")
    def _default_student_id(self) -> str:
        return os.environ.get("LEARNFLOW_STUDENT_ID") or os.environ.get("JUPYTERHUB_USER") or login_name()

    def owner_id(self) -> str:
        return self.student_id

    @property
    def cluster(self) -> bool:
        return bool(self.gateway_url)

    def initialize_settings(self) -> None:
        self.host: EngineHost | None = None
        self.gateway: cluster.Gateway | None = None
        # Open sockets (either mode's EventsHandler), closed on shutdown.
        self.sockets: set[Any] = set()
        self.settings.update({"learnflow_app": self})
        if self.cluster:
            # No Settings at all: building them would read bus and database URLs from the
            # environment, which a student's server must neither need nor hold.
            self.gateway = cluster.Gateway(self.gateway_url, os.environ.get("JUPYTERHUB_API_TOKEN", ""))
            self.log.info("LearnFlow: cluster mode, forwarding to the gateway at %s", self.gateway.url)
            return
        settings = Settings(
            bus_url=self.bus_url, db_url=self.db_url, agents=list(self.agents), llm=self.llm_settings()
        )
        self.host = EngineHost(settings, run_agents=self.run_agents)

    def initialize_handlers(self) -> None:
        if self.cluster:
            self.handlers.extend(
                [
                    # The gateway serves these: forwarded as they came (the path under api/).
                    (rf"{API}/(queries)", cluster.ForwardPost),
                    (rf"{API}/(queries/[^/]+)", cluster.ForwardGet),
                    (rf"{API}/(feedback)", cluster.ForwardPost),
                    (rf"{API}/(progress)", cluster.ForwardGet),
                    (rf"{API}/(attempts)", cluster.ForwardGetPost),
                    (rf"{API}/(preferences)", cluster.ForwardGetPut),
                    (rf"{API}/(usage)", cluster.ForwardGet),
                    (rf"{API}/status", cluster.StatusHandler),
                    (rf"{API}/events", cluster.EventsHandler),
                    (rf"{API}/openapi.json", OpenAPIHandler),
                ]
            )
            return
        routes: list[tuple[str, Any]] = [
            (rf"{API}/queries", QueriesHandler),
            (rf"{API}/queries/([^/]+)", QueryHandler),
            (rf"{API}/feedback", FeedbackHandler),
            (rf"{API}/status", StatusHandler),
            (rf"{API}/progress", ProgressHandler),
            (rf"{API}/attempts", AttemptsHandler),
            (rf"{API}/preferences", PreferencesHandler),
            (rf"{API}/usage", UsageHandler),
            (rf"{API}/events", EventsHandler),
            (rf"{API}/openapi.json", OpenAPIHandler),
        ]
        self.handlers.extend(routes)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        # Started with the server so the first question does not wait for it; a failure is
        # logged and reported by every request (503) rather than stopping Jupyter.
        if self.host is None:
            return
        try:
            await self.host.get()
        except Exception as err:
            self.log.error("LearnFlow: %s", err)

    async def stop_extension(self) -> None:
        for socket in list(self.sockets):
            await socket.shut()
        if self.host is not None:
            await self.host.stop()
