"""Configuration from arguments or LEARNFLOW_* environment variables."""

import os
import sys
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from learnflow_agents.llm.config import LLMSettings


def jupyter_data_dir() -> Path:
    """Jupyter's user data directory, by jupyter_core's rules, without importing Jupyter.

    The agents distribution runs where Jupyter is not installed (the cluster's agent pods),
    yet on a laptop the CLI and JupyterLab must open the same embedded database.
    """
    if os.environ.get("JUPYTER_DATA_DIR"):
        return Path(os.environ["JUPYTER_DATA_DIR"]).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Jupyter"
    if os.name == "nt":
        appdata = os.environ.get("APPDATA")
        return Path(appdata) / "jupyter" if appdata else home / ".jupyter" / "data"
    xdg = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(xdg) / "jupyter"


def default_data_dir() -> Path:
    """Where LearnFlow keeps its embedded database and the kernel's preferences."""
    return jupyter_data_dir() / "learnflow"


def default_db_url() -> str:
    """The one default store URL: $LEARNFLOW_DB_URL, else SQLite in the LearnFlow data dir.

    The CLI, the Jupyter server extension, the kernel and the dashboard all call this, so
    `learnflow-agents` and JupyterLab see the same students without configuration.
    """
    return os.environ.get("LEARNFLOW_DB_URL") or f"sqlite:///{default_data_dir() / 'learnflow.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNFLOW_", extra="ignore")

    bus_url: str = "memory://"
    db_url: str = Field(default_factory=default_db_url)
    topic_prefix: str = ""
    partitions: int = Field(default=12, ge=1, le=1000)
    agents: list[str] = Field(default_factory=lambda: ["all"])
    # Embedded SQLite migrates itself; a shared PostgreSQL is migrated on purpose (`db upgrade`).
    auto_upgrade: bool | None = None
    emit_logs: bool = True
    metrics_port: int = 9464
    # The sweeper (runtime/sweeper.py): a query with no progress for this long is re-sent,
    # at most this many times, then marked failed.
    redrive_after: float = Field(default=60.0, gt=0)
    max_redrives: int = Field(default=3, ge=0, le=100)
    log_level: str = "INFO"
    # Claude / OpenAI-compatible tutors: LEARNFLOW_LLM_* (see llm/config.py); offline when unset.
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @field_validator("db_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
            raise ValueError(f"unsupported database URL {value!r}: use sqlite:///PATH or postgresql://...")
        return value

    def model_post_init(self, __context: object) -> None:
        if self.auto_upgrade is None:
            self.auto_upgrade = self.db_url.startswith("sqlite")
        if self.db_url.startswith("sqlite:///") and self.db_url != "sqlite:///:memory:":
            Path(self.db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
