"""The tutors: declarations from the `learnflow.tutors` entry-point group, and their agents.

Every agent, the six built-ins included, registers as an entry point whose object is a
`TutorSpec` (runtime/declaration.py), e.g. in a package's pyproject.toml:

    [project.entry-points."learnflow.tutors"]
    style = "learnflow_style:TUTOR"

The same registry serves every mode: the embedded engine (kernel, Jupyter server),
`learnflow-agents run --agent NAME|all`, and the LLM layer (prompts, schemas, guards). A
declaration's request topic joins the contracts' topic map when it is loaded, so a new
agent needs no edit of the built-in names.
"""

import functools
import importlib
import logging
import pkgutil
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from learnflow_agents.contracts import AgentName, Topic
from learnflow_agents.contracts.topics import register_request_topic
from learnflow_agents.runtime.declaration import TutorSpec
from learnflow_agents.runtime.handler import Agent

if TYPE_CHECKING:
    from learnflow_agents.llm import LLMTutor

log = logging.getLogger("learnflow.registry")

GROUP = "learnflow.tutors"


def _builtin_specs() -> list[TutorSpec]:
    """The built-in tutors found by scanning the package: only for a source tree whose
    distribution metadata predates the entry points (an editable install not redone)."""
    import learnflow_agents.tutors as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        spec = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "TUTOR", None)
        if isinstance(spec, TutorSpec):
            found.append(spec)
    return found


@functools.cache
def tutors() -> dict[str, TutorSpec]:
    """Every declared tutor by name, built-ins first, then the installed ones; their
    request topics join the contracts' topic map."""
    specs = load_declarations(entry_points(group=GROUP))
    for spec in specs.values():
        # The topic map: built-ins keep their wire names; a new agent brings its own.
        if spec.topic != Topic.STUDENT_QUERIES:
            register_request_topic(spec.name, spec.topic)
    return specs


def load_declarations(found: Iterable[EntryPoint]) -> dict[str, TutorSpec]:
    """The declarations behind `found` entry points; a broken one is logged and skipped."""
    specs: dict[str, TutorSpec] = {}
    builtin_seen = False
    # Built-ins first, in the wire protocol's order (metadata sorts entry points by name);
    # then the installed ones; a later declaration of a name replaces it.
    order = {name.value: index for index, name in enumerate(AgentName)}
    points = sorted(
        found,
        key=lambda p: (not p.value.startswith("learnflow_agents."), order.get(p.name, len(order)), p.name),
    )
    for point in points:
        try:
            spec = point.load()
        except Exception:
            # One broken plugin must not take every tutor down with it.
            log.exception("cannot load tutor entry point", extra={"entry_point": point.name})
            continue
        if not isinstance(spec, TutorSpec):
            log.error("entry point %s is not a TutorSpec: %r", point.name, spec)
            continue
        builtin_seen = builtin_seen or point.value.startswith("learnflow_agents.")
        if spec.name in specs:
            log.warning("tutor %s declared twice; keeping %s", spec.name, point.value)
        specs[spec.name] = spec
    if not builtin_seen:
        log.warning("no built-in tutors among the %s entry points: reinstall learnflow-agents", GROUP)
        builtin = sorted(_builtin_specs(), key=lambda s: order.get(s.name, len(order)))
        specs = {**{s.name: s for s in builtin}, **specs}
    return specs


def tutor(name: str) -> TutorSpec:
    try:
        return tutors()[name]
    except KeyError:
        raise LookupError(f"no tutor named {name!r}: choose from {', '.join(tutors())}") from None


def router() -> TutorSpec:
    """The agent that reads every new query and routes it (the built-in triage)."""
    for spec in tutors().values():
        if spec.topic == Topic.STUDENT_QUERIES:
            return spec
    raise LookupError("no tutor reads student-queries")


def request_topic(name: str) -> str:
    """Where requests for the agent `name` go."""
    return tutor(name).topic


def names() -> list[str]:
    return list(tutors())


def build_agents(wanted_names: Iterable[str], llm: "LLMTutor | None" = None) -> list[Agent]:
    """The named agents; with `llm`, the tutors ask it first and fall back to offline."""
    specs = tutors()
    wanted: list[str] = []
    for name in wanted_names:
        if name == "all":
            wanted.extend(specs)
        elif name in specs:
            wanted.append(name)
        else:
            raise ValueError(f"unknown agent {name!r}: choose from {', '.join(specs)} or all")
    return [specs[name].build(llm) for name in dict.fromkeys(wanted)]
