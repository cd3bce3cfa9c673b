"""Kernel-side configuration: traitlets (`c.LearnFlow.*` in ipython_config.py) plus the
student's own preferences, whose one record lives behind the API (GET/PUT preferences:
the Jupyter server's, or the embedded store in kernel-only mode); `apply_preferences` puts
the saved ones over the configured defaults."""

import contextlib
import getpass
import importlib
import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from learnflow_agents.contracts import LearningStyle, SkillLevel, StudentContext
from learnflow_agents.contracts.curriculum import CurriculumTopic, normalise_topic
from learnflow_agents.runtime.handler import Agent
from learnflow_agents.settings import default_data_dir, default_db_url
from traitlets import Bool, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

# What `%learnflow config` and the lab settings change (the preferences API); everything else
# is deployment config.
PREFERENCES = ("skill_level", "learning_style", "auto_capture", "known_topics")

_STUDENT_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.@+\-]")


def learnflow_data_dir() -> Path:
    return default_data_dir()


def chain_budget_seconds() -> float:
    """LEARNFLOW_LLM_ANSWER_SECONDS, as the LLM settings read it (120 when unset or invalid)."""
    from learnflow_agents.llm.config import LLMSettings
    from pydantic import ValidationError

    try:
        return LLMSettings().answer_seconds
    except ValidationError:
        return LLMSettings.model_fields["answer_seconds"].default


class LearnFlow(Configurable):
    """LearnFlow in the kernel: error capture, magics and widgets."""

    auto_capture = Bool(True, help="Send failing cells to the debug agent automatically.").tag(config=True)
    skill_level = Unicode(SkillLevel.BEGINNER.value, help="beginner, intermediate or advanced.").tag(
        config=True
    )
    learning_style = Unicode(
        LearningStyle.EXAMPLE_DRIVEN.value, help="visual, step-by-step or example-driven."
    ).tag(config=True)
    reply_timeout = Float(
        help="Seconds to wait for an agent before showing a timeout; default: the whole chain's"
        " budget, $LEARNFLOW_LLM_ANSWER_SECONDS (120), whose shares bound the model's deadlines."
    ).tag(config=True)
    db_url = Unicode(
        "", help="Database URL; default: $LEARNFLOW_DB_URL, else SQLite in the Jupyter data dir."
    ).tag(config=True)
    student_id = Unicode(
        "", help="Who is asking; default: $LEARNFLOW_STUDENT_ID, $JUPYTERHUB_USER, else the login name."
    ).tag(config=True)
    agents = List(
        Unicode(), ["all"], help="Agents the embedded engine runs: built-ins and installed learnflow.tutors."
    ).tag(config=True)
    extra_agents = List(
        Unicode(),
        [],
        help="Deprecated: install a tutor with a 'learnflow.tutors' entry point instead (it runs in"
        " every mode). Agents as 'module:factory' (or 'module:TUTOR' declaration) import paths for"
        " the embedded engine only; one named like a built-in replaces it (test doubles).",
    ).tag(config=True)
    known_topics = List(
        Unicode(),
        [],
        help="Topics the student already knows (curriculum names, e.g. lists, functions): counted"
        " as covered, e.g. for an exercise's prerequisites.",
    ).tag(config=True)
    max_variables = Int(12, help="Variables described per captured error.").tag(config=True)
    max_repr = Int(120, help="Characters of each variable's repr.").tag(config=True)
    preferences_file = Unicode(
        "",
        help="Deprecated: preferences are kept by the LearnFlow server (or the embedded store). A file"
        " here (default: preferences.json in the LearnFlow data dir) left by an older version is"
        " imported once, then renamed to *.imported.",
    ).tag(config=True)

    @default("reply_timeout")
    def _chain_budget(self) -> float:
        # The number the Jupyter server's (or the embedded engine's) model deadlines are cut
        # from (llm/deadlines.py): waiting as long keeps the offline answer in time.
        return chain_budget_seconds()

    @validate("skill_level")
    def _valid_level(self, proposal: dict[str, Any]) -> str:
        return _choice(SkillLevel, proposal["value"], "skill_level")

    @validate("learning_style")
    def _valid_style(self, proposal: dict[str, Any]) -> str:
        return _choice(LearningStyle, proposal["value"], "learning_style")

    @validate("known_topics")
    def _valid_topics(self, proposal: dict[str, Any]) -> list[str]:
        topics, unknown = [], []
        for name in proposal["value"]:
            topic = normalise_topic(str(name))
            if topic is None:
                unknown.append(str(name))
            elif topic.value not in topics:
                topics.append(topic.value)
        if unknown:
            raise TraitError(
                f"known_topics: not curriculum topics: {', '.join(unknown)}."
                f" Known topics: {', '.join(t.value for t in CurriculumTopic)}"
            )
        return topics

    # -- derived values ---------------------------------------------------------------

    def resolved_db_url(self) -> str:
        return self.db_url or default_db_url()

    def resolved_student_id(self) -> str:
        raw = (
            self.student_id
            or os.environ.get("LEARNFLOW_STUDENT_ID")
            or os.environ.get("JUPYTERHUB_USER")
            or _login_name()
        )
        return _STUDENT_ID_UNSAFE.sub("_", raw)[:128] or "student"

    def student_context(self, skill_level: str | None = None) -> StudentContext:
        return StudentContext(
            skill_level=SkillLevel(skill_level or self.skill_level),
            learning_style=LearningStyle(self.learning_style),
            topics_covered=list(self.known_topics),
        )

    # -- preferences ----------------------------------------------------------------

    def preferences_path(self) -> Path:
        return (
            Path(self.preferences_file)
            if self.preferences_file
            else learnflow_data_dir() / "preferences.json"
        )

    def apply_preferences(self, saved: dict[str, Any]) -> None:
        """Put saved preferences over the configured defaults; a value refused is skipped."""
        for name in PREFERENCES:
            if name in saved:
                try:
                    setattr(self, name, saved[name])
                except TraitError:
                    continue

    def legacy_preferences(self) -> dict[str, Any] | None:
        """What an older version saved in preferences.json, if anything (to import once)."""
        try:
            saved = json.loads(self.preferences_path().read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict):
            return None
        probe, valid = LearnFlow(), {}
        for name in PREFERENCES:
            if name in saved:
                try:
                    setattr(probe, name, saved[name])
                except TraitError:
                    continue  # as before: a value no longer valid is dropped, the rest kept
                valid[name] = getattr(probe, name)
        return valid

    def retire_legacy_preferences(self) -> None:
        path = self.preferences_path()
        with contextlib.suppress(OSError):
            path.replace(path.with_name(path.name + ".imported"))


def _choice(kind: type[SkillLevel] | type[LearningStyle], value: str, name: str) -> str:
    try:
        return kind(str(value).strip().lower()).value
    except ValueError:
        raise TraitError(f"{name} must be one of: {', '.join(k.value for k in kind)}") from None


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "student"


def load_agent_factories(paths: Iterable[str]) -> list[Callable[[], Agent]]:
    """The deprecated `extra_agents`: factories (or tutor declarations) by import path."""
    from learnflow_agents.runtime.declaration import TutorSpec

    factories: list[Callable[[], Agent]] = []
    for path in paths:
        module_name, _, attribute = path.partition(":")
        if not attribute:
            raise ValueError(f"extra agent {path!r} must look like 'package.module:factory'")
        found = getattr(importlib.import_module(module_name), attribute)
        factories.append(found.build if isinstance(found, TutorSpec) else found)
    return factories
