"""LLM configuration: LEARNFLOW_LLM_* variables (plus ANTHROPIC_API_KEY and LEARNFLOW_PRIVACY_OFFLINE).

Kept free of SDK imports: `learnflow_agents.settings` nests this model, and importing the
settings must stay cheap for the CLI and the kernel extension.
"""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The newest Sonnet the SDK knows; an administrator pins another with LEARNFLOW_LLM_MODEL.
DEFAULT_MODEL = "claude-sonnet-5-5"

ProviderName = Literal["auto", "anthropic", "openai-compatible"]


class ModelNotAllowedError(ValueError):
    """A model outside the administrator's allow-list was asked for."""

    def __init__(self, model: str, allowed: list[str]) -> None:
        self.model = model
        self.allowed = allowed
        super().__init__(
            f"model {model!r} is not on the allow-list ({', '.join(allowed)}); "
            "an administrator can add it with LEARNFLOW_LLM_ALLOWED_MODELS"
        )


def _split_list(value: object) -> object:
    """Accept `a,b` as well as a JSON list, so the variable is easy to set in a shell or Helm."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


class LLMSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNFLOW_LLM_", extra="ignore", populate_by_name=True)

    provider: ProviderName = "auto"
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "LEARNFLOW_LLM_ANTHROPIC_API_KEY")
    )
    # For a proxy or the tests' fake server; None means the SDK's default endpoint.
    anthropic_base_url: str | None = None
    # Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, LiteLLM), e.g. http://host:8000/v1.
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None

    model: str = DEFAULT_MODEL
    # Empty means "only `model`": nothing else can be chosen unless an administrator lists it.
    allowed_models: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_tokens: int = Field(default=2_000, ge=64, le=64_000)
    # None sends no temperature: current Claude models choose their own, and the SDK
    # no longer has the parameter; set it for OpenAI-compatible servers or older models.
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    timeout_seconds: float = Field(default=60.0, gt=0)
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # The whole chain's budget: how long the kernel waits for an answer (its reply_timeout
    # defaults to this). The model's deadlines are shares of it (llm/deadlines.py), so the
    # offline answer always arrives before the kernel stops waiting.
    answer_seconds: float = Field(default=120.0, gt=0)
    # Optional caps, below their shares of answer_seconds only: the whole answer (retries and
    # the repair included) and its first streamed words; then the offline tutor answers.
    deadline_seconds: float | None = Field(default=None, gt=0)
    soft_deadline_seconds: float | None = Field(default=None, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    stream: bool = True
    # Anthropic prompt caching of the stable prefix (tool definition, system prompt, course
    # context): later requests read it at a tenth of the input price.
    prompt_caching: bool = True

    # Instructors' course policy (tone, language, "never write code for graded exercises"),
    # included in every prompt; the file wins over the inline text when both are set.
    course_policy: str = ""
    course_policy_file: Path | None = None
    graded_mode: bool = False
    # A course's exercise notebooks, checked (besides the shipped bank) in graded mode.
    graded_exercises_dir: Path | None = None
    privacy_offline: bool = Field(
        default=False, validation_alias=AliasChoices("LEARNFLOW_PRIVACY_OFFLINE", "privacy_offline")
    )

    cache_ttl_seconds: float = Field(default=7 * 86_400, ge=0)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=30.0, gt=0)
    student_requests_per_minute: int = Field(default=10, ge=1)
    global_requests_per_minute: int = Field(default=300, ge=1)
    # Daily budgets (UTC), kept in the store and enforced across processes (llm/budgets.py);
    # 0 means no limit. A student's count what they asked; a course's count every call.
    student_daily_tokens: int = Field(default=200_000, ge=0)
    student_daily_usd: float = Field(default=0.0, ge=0)
    course_daily_tokens: int = Field(default=0, ge=0)
    course_daily_usd: float = Field(default=0.0, ge=0)
    # Student profile and recent history, in (estimated) tokens; the query has its own cap.
    context_tokens: int = Field(default=600, ge=50)
    query_tokens: int = Field(default=6_000, ge=200)
    # USD per million tokens; None uses the built-in list prices for Claude families.
    price_input_per_mtok: float | None = Field(default=None, ge=0)
    price_output_per_mtok: float | None = Field(default=None, ge=0)

    @field_validator("allowed_models", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        return _split_list(value)

    @model_validator(mode="after")
    def _default_is_allowed(self) -> "LLMSettings":
        # An off-list default model is refused by `build_llm` (the tutors stay offline and
        # `refusal()` says why), never by failing validation: that would take the whole
        # Settings, and with them the kernel extension and the CLI, down with it.
        return self

    def refusal(self) -> str | None:
        """Why no model may answer with these settings (an off-list default), or None."""
        if self.allowed_models and self.model not in self.allowed_models:
            return f"{ModelNotAllowedError(self.model, self.allowed_models)}; the tutors answer offline"
        return None

    def describe(self) -> str:
        """One line for `status`: which provider answers, or why the tutors are offline."""
        if self.privacy_offline:
            return "offline (LEARNFLOW_PRIVACY_OFFLINE is set: nothing is sent to a model)"
        refused = self.refusal()
        if refused:
            return f"offline (refused: {refused})"
        which = self.chosen_provider()
        if which is None:
            return "offline (no model configured)"
        return f"{which} {self.model}"

    def allowed(self) -> list[str]:
        return list(self.allowed_models) or [self.model]

    def check_model(self, model: str | None) -> str:
        """The model to use for a request that asks for `model`; raises if it is not allowed."""
        if not model:
            return self.model
        allowed = self.allowed()
        if model not in allowed:
            raise ModelNotAllowedError(model, allowed)
        return model

    def policy_text(self) -> str:
        if self.course_policy_file is not None:
            return self.course_policy_file.read_text(encoding="utf-8").strip()
        return self.course_policy.strip()

    def chosen_provider(self) -> Literal["anthropic", "openai-compatible"] | None:
        """Which provider answers, or None when nothing is configured (offline tutors only)."""
        if self.provider == "anthropic":
            return "anthropic" if self.anthropic_api_key else None
        if self.provider == "openai-compatible":
            return "openai-compatible" if self.openai_base_url else None
        if self.anthropic_api_key:
            return "anthropic"
        if self.openai_base_url:
            return "openai-compatible"
        return None
