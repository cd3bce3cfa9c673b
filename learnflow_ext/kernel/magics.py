"""`%learnflow` and `%%learnflow`: ask the tutors from a notebook cell."""

import shlex
from collections.abc import Callable
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class
from learnflow_agents.contracts import LearningStyle, SkillLevel, StudentQuery
from learnflow_agents.privacy import scrub_text
from traitlets import TraitError

from learnflow_ext import __version__
from learnflow_ext.client.base import PreferencesError
from learnflow_ext.config import PREFERENCES, LearnFlow
from learnflow_ext.kernel.session import KernelSession

USAGE = """\
Usage: %learnflow COMMAND [ARGS]      (or %%learnflow COMMAND with code in the cell)

  ask QUESTION               ask anything; LearnFlow picks the right tutor
  explain TOPIC              explain a concept, e.g. %learnflow explain list comprehensions
  review                     review the previous cell (%%learnflow review: this cell's code)
  debug                      explain the last error again
  exercise TOPIC [--level L] a practice exercise (L: beginner, intermediate, advanced)
  check                      check the previous cell against the current exercise
                             (%%learnflow check: this cell's code)
  hint                       the next hint for the current exercise
  progress                   your mastery per topic, next steps, achievements
  status                     mode, provider, agents, database
  config [NAME=VALUE ...]    show or set skill_level, learning_style, auto_capture,
                             known_topics (saved)
  auto on|off                turn automatic error capture on or off for this kernel
  wait [SECONDS]             wait for pending answers (for headless runs)
"""

ON = {"on", "true", "yes", "1"}
OFF = {"off", "false", "no", "0"}


def _compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


class ArgumentError(ValueError):
    """Bad arguments: the message and the usage are printed, nothing is sent."""


@magics_class
class LearnFlowMagics(Magics):
    def __init__(self, shell: Any, session: KernelSession) -> None:
        super().__init__(shell)
        self.session = session
        self._commands: dict[str, Callable[[str, str | None], None]] = {
            "ask": self._ask,
            "explain": self._explain,
            "review": self._review,
            "debug": self._debug,
            "exercise": self._exercise,
            "check": self._check,
            "hint": self._hint,
            "progress": self._progress,
            "status": self._status,
            "config": self._config,
            "auto": self._auto,
            "wait": self._wait,
            "help": lambda _rest, _cell: print(USAGE),
        }

    @line_cell_magic
    def learnflow(self, line: str, cell: str | None = None) -> None:
        """Ask LearnFlow's tutor agents from a notebook; answers appear under the cell.

        Failing cells are sent to the debug agent automatically (turn it off with
        ``%learnflow auto off``); an identical repeated error is not sent again.

        Line magic ``%learnflow COMMAND [ARGS]``, cell magic ``%%learnflow COMMAND``
        (the cell's body is the code to work on and is not run):

        ask QUESTION
            Ask anything; the triage agent routes it to the right tutor.
            ``%%learnflow ask QUESTION`` sends the cell's code with the question.
        explain TOPIC
            The concepts agent explains TOPIC at your level, with an example.
        review
            The code-review agent reviews the previous cell; ``%%learnflow review``
            reviews the cell's own body instead.
        debug
            Explain the last error again (also after ``auto off``).
        exercise TOPIC [--level beginner|intermediate|advanced]
            A practice exercise: statement, starter code (Insert starter), visible
            tests, hints one at a time, and a Check button.
        check
            Check the previous cell against the current exercise;
            ``%%learnflow check`` checks the cell's own body.
        hint
            Reveal the next hint of the current exercise (or of the last answer).
        progress
            Mastery per topic as a chart, recommended next topics, achievements.
        status
            Mode (kernel-only: the engine runs inside this kernel), provider
            (offline or Claude), agents running, database, pending answers.
        config [skill_level=LEVEL] [learning_style=STYLE] [auto_capture=on|off]
               [known_topics=TOPIC,...] [known_topics+=TOPIC,...] [known_topics-=TOPIC,...]
            Show or change your preferences: the same record as the LearnFlow
            settings in JupyterLab (kept by the LearnFlow server, or the LearnFlow
            database in kernel-only mode), applied to every kernel. LEVEL: beginner, intermediate, advanced;
            STYLE: visual, step-by-step, example-driven. known_topics: what you
            already know (e.g. lists,functions), so exercises that build on it are
            offered; known_topics+= adds to it, known_topics-= removes from it,
            known_topics= (empty) clears it.
        auto on|off
            Turn automatic error capture on or off for this kernel only.
        wait [SECONDS]
            Block until pending answers are in (default 60 s) and refresh them;
            for notebooks executed headless (nbclient, nbconvert --execute).

        Cards offer Copy and "Insert as new cell" for code (in kernel-only mode the
        new cell appears below the next cell you run), "Show next hint",
        "Explain <concept>" follow-ups, and 👍/👎, which are stored as feedback.
        Secrets (API keys, tokens, passwords) are masked before anything is sent.
        """
        command, _, rest = line.strip().partition(" ")
        if not command:
            return self._usage("give a command")
        handler = self._commands.get(command.lower())
        if handler is None:
            return self._usage(f"unknown command {command!r}")
        try:
            handler(rest.strip(), cell)
        except ArgumentError as problem:
            self._usage(str(problem))

    def _usage(self, problem: str) -> None:
        print(f"learnflow: {problem}\n\n{USAGE}")

    # -- asking -----------------------------------------------------------------------

    def _ask(self, rest: str, cell: str | None) -> None:
        # Imported here: only asking needs it, and kernels load this module at start-up.
        from learnflow_agents.tutors.triage.pasted_code import split_pasted_code, with_pasted_code

        question = rest
        code = cell if cell and cell.strip() else None
        if not question and not code:
            raise ArgumentError("ask needs a question, e.g. %learnflow ask why does my loop never end?")
        text, traceback = question, None
        if code is not None and not _compiles(code):
            # A cell of words and code ("why does this print one too few?" above the loop): the
            # sidebar's rule finds the code in it. Only taken when what it finds is whole code, so
            # a cell that fails to compile for its own reasons is still sent as the student wrote it.
            split = split_pasted_code(code)
            whole = split.code is None or _compiles(split.code)
            if split.text and whole and (split.code or split.traceback):
                text = "\n".join(part for part in (question, split.text) if part)
                code, traceback = split.code, split.traceback
        self.session.ask(
            lambda context: with_pasted_code(
                StudentQuery(
                    text=scrub_text(text),
                    code=scrub_text(code) if code else None,
                    traceback=scrub_text(traceback) if traceback else None,
                    context=context,
                    source="kernel-magic",
                )
            ),
            heading=f"You asked: {question}" if question else "You asked about this code",
        )

    def _explain(self, rest: str, cell: str | None) -> None:
        topic = rest
        if not topic:
            raise ArgumentError("explain needs a topic, e.g. %learnflow explain for loops")
        self.session.ask(
            lambda context: StudentQuery(
                text=f"Explain {topic}", target_agent="concepts", context=context, source="kernel-magic"
            ),
            agent="concepts",
        )

    def _review(self, rest: str, cell: str | None) -> None:
        if rest:
            raise ArgumentError("review takes no arguments: it reviews the previous cell (or the cell body)")
        code = cell if cell is not None else self.session.previous_code()
        if not code or not code.strip():
            raise ArgumentError("nothing to review: run some code first, or use %%learnflow review in a cell")
        self.session.ask(
            lambda context: StudentQuery(
                text="Please review my code",
                code=scrub_text(code),
                target_agent="code-review",
                context=context,
                source="kernel-magic",
            ),
            agent="code-review",
            heading="Review of this cell" if cell is not None else "Review of the previous cell",
        )

    def _debug(self, rest: str, cell: str | None) -> None:
        if rest:
            raise ArgumentError("debug takes no arguments: it explains the last error again")
        captured = self.session.last_error
        if captured is None:
            print("LearnFlow: no error so far in this kernel. When a cell fails, run %learnflow debug.")
            return
        self.session.send_error(captured, heading=f"{captured.error_type} in {captured.where}, again")

    def _exercise(self, rest: str, cell: str | None) -> None:
        level: str | None = None
        words: list[str] = []
        args = iter(_words(rest))
        for word in args:
            if word.startswith("--level"):
                value = word.partition("=")[2] or next(args, "")
                level = _parse_choice(SkillLevel, value, "--level")
            else:
                words.append(word)
        topic = " ".join(words).strip()
        if not topic:
            raise ArgumentError("exercise needs a topic, e.g. %learnflow exercise loops --level beginner")
        self.session.ask(
            lambda context: StudentQuery(
                text=f"Give me an exercise on {topic}",
                target_agent="exercise",
                context=context,
                source="kernel-magic",
            ),
            agent="exercise",
            skill_level=level,
        )

    def _check(self, rest: str, cell: str | None) -> None:
        if rest:
            raise ArgumentError("check takes no arguments: it checks the previous cell (or the cell body)")
        code = cell if cell is not None else self.session.previous_code()
        if not code or not code.strip():
            raise ArgumentError("nothing to check: write your solution in a cell and run it first")
        exercise = self.session.current_exercise()
        self.session.ask(
            self.session.check_query(code, exercise.view.reply if exercise else None),
            agent="exercise",
            heading="Checking your solution",
        )

    def _hint(self, rest: str, cell: str | None) -> None:
        if rest:
            raise ArgumentError("hint takes no arguments")
        card = self.session.card_with_hints()
        hint = card.reveal_hint() if card is not None else None
        if hint is None:
            print("LearnFlow: no more hints here. Try %learnflow ask with your question.")
            return
        shown = card.view.hints_shown if card is not None else 0
        print(f"Hint {shown}: {hint}")

    def _progress(self, rest: str, cell: str | None) -> None:
        if rest:
            raise ArgumentError("progress takes no arguments")
        self.session.ask(
            lambda context: StudentQuery(
                text="How am I doing? Show my progress",
                target_agent="progress",
                context=context,
                source="kernel-magic",
            ),
            agent="progress",
        )

    # -- settings and state -----------------------------------------------------------

    def _status(self, rest: str, cell: str | None) -> None:
        if rest:
            raise ArgumentError("status takes no arguments")
        status = self.session.client.status(timeout=30)
        config = self.session.config
        llm = status.detail.get("llm")
        lines = [
            f"LearnFlow {__version__}: {status.mode} mode" + ("" if status.connected else " (not ready)"),
            f"  student:        {status.student_id}",
            f"  provider:       {provider_line(status.provider, llm, self.session.client)}",
            f"  agents:         {', '.join(status.agents) or 'none running'}",
            f"  database:       {status.db_path}",
            f"  bus:            {status.detail.get('bus', '?')}",
            f"  auto-capture:   {'on' if config.auto_capture else 'off'}",
            f"  skill level:    {config.skill_level}",
            f"  learning style: {config.learning_style}",
            f"  pending:        {status.pending} answer(s)",
            f"  sent:           {self.session.sent} quer(ies), {self.session.collapsed} repeat(s) collapsed",
            f"  preferences:    {preferences_home(self.session.client.mode)}",
        ]
        if llm:
            lines.append(f"  model:          {llm_summary(llm)}")
        usage = status.detail.get("usage")
        if usage:
            lines.append(f"  model usage:    {usage_line(usage)}")
        sandbox = status.detail.get("sandbox")
        if sandbox:
            lines.append(f"  code sandbox:   {sandbox_summary(sandbox)}")
        if status.error:
            lines.append(f"  problem:        {status.error}")
        print("\n".join(lines))

    def _config(self, rest: str, cell: str | None) -> None:
        session = self.session
        config = session.config
        args = _words(rest)
        # The saved record first (the lab may have changed it since): what is shown, and what
        # += and -= change.
        problem = session.refresh_preferences()
        if rest:
            changes: dict[str, Any] = {}
            for arg in args:
                name, sep, value = arg.partition("=")
                name = name.strip()
                # known_topics+=a,b adds to what is declared, known_topics-=a removes.
                op = name[-1] if name.endswith(("+", "-")) else ""
                name = (name[:-1] if op else name).strip().replace("-", "_")
                if op and name != "known_topics":
                    raise ArgumentError("only known_topics takes += and -=")
                if not sep or name not in PREFERENCES:
                    raise ArgumentError(f"config takes NAME=VALUE with NAME one of {', '.join(PREFERENCES)}")
                value = _parse_preference(name, value.strip())
                if op:
                    value = _changed_topics(changes.get(name, list(config.known_topics)), value, op)
                changes[name] = value
            probe = LearnFlow()  # the traits' own checks and messages, before anything is sent
            try:
                for name, value in changes.items():
                    setattr(probe, name, value)
            except TraitError as err:
                raise ArgumentError(str(err)) from None
            try:
                saved = session.client.save_preferences({name: getattr(probe, name) for name in changes})
            except PreferencesError as err:
                raise ArgumentError(str(err)) from None
            except Exception as err:
                raise ArgumentError(f"your preferences could not be saved: {err}") from None
            config.apply_preferences(saved)
            session.frontend.preferences_changed()
            print(f"Saved for {session.client.student_id} ({preferences_home(session.client.mode)})")
        elif problem:
            print(f"(the saved preferences could not be read: {problem}; this kernel's are shown)")
        for name in PREFERENCES:
            print(f"  {name:<15} {_shown(getattr(config, name))}")

    def _auto(self, rest: str, cell: str | None) -> None:
        if rest.lower() not in ON | OFF:
            raise ArgumentError("auto takes on or off")
        self.session.config.auto_capture = rest.lower() in ON
        state = "on" if self.session.config.auto_capture else "off"
        print(
            f"LearnFlow auto-capture is {state} for this kernel "
            f"(save it with %learnflow config auto_capture={state})."
        )

    def _wait(self, rest: str, cell: str | None) -> None:
        try:
            timeout = float(rest) if rest else self.session.config.reply_timeout
        except ValueError:
            raise ArgumentError(f"wait needs a number of seconds, not {rest!r}") from None
        if self.session.wait(timeout):
            print("LearnFlow: all answers are in.")
        else:
            print(f"LearnFlow: {self.session.client.pending()} answer(s) still pending after {timeout:g}s.")


def _words(rest: str) -> list[str]:
    try:
        return shlex.split(rest)
    except ValueError as err:
        raise ArgumentError(f"cannot read the arguments: {err}") from None


def _parse_choice(kind: type[SkillLevel] | type[LearningStyle], value: str, name: str) -> str:
    try:
        return kind(value.strip().lower()).value
    except ValueError:
        raise ArgumentError(f"{name} must be one of: {', '.join(k.value for k in kind)}") from None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return str(value)


def _changed_topics(current: list[str], given: list[str], op: str) -> list[str]:
    """`+`: the declared topics plus these (in order, once); `-`: without these."""
    from learnflow_agents.contracts.curriculum import normalise_topic

    def key(topic: str) -> str:
        slug = normalise_topic(topic)
        return slug.value if slug is not None else topic

    if op == "+":
        return [*current, *given]  # the trait normalises and drops repeats
    removed = {key(t) for t in given}
    return [t for t in current if key(t) not in removed]


def _parse_preference(name: str, value: str) -> Any:
    if name == "known_topics":
        # Validated (and normalised to curriculum names) by the trait.
        return [t.strip() for t in value.split(",") if t.strip()]
    if name == "auto_capture":
        if value.lower() not in ON | OFF:
            raise ArgumentError("auto_capture takes on or off")
        return value.lower() in ON
    if name == "skill_level":
        return _parse_choice(SkillLevel, value, name)
    return _parse_choice(LearningStyle, value, name)


def preferences_home(mode: str) -> str:
    """Where the student's preferences are kept, for `status` and `config`."""
    if mode == "kernel-only":
        return "kept in the LearnFlow database"
    return "kept by the LearnFlow server, shared with the lab settings"


def llm_summary(llm: dict[str, Any]) -> str:
    """One line of the provider's figures for `%learnflow status`."""
    # A fresh engine reports None for figures it has no data for yet: never format None.
    ttft = llm.get("ttft_ms") or {}
    cache = llm.get("cache") or {}
    tokens = llm.get("tokens") or {}
    fallbacks = sum(v or 0 for v in (llm.get("fallbacks") or {}).values())
    p50, last = ttft.get("p50"), ttft.get("last")
    last = last if last is not None else p50
    first = f"{p50:g} ms (last {last:g} ms)" if p50 is not None else "no answer yet"
    hit_rate = cache.get("hit_rate")
    hits = f"{hit_rate:.0%}" if hit_rate is not None else "n/a (nothing looked up yet)"
    return (
        f"{llm.get('provider')} {llm.get('model')}; time to first token {first}; "
        f"cache hit rate {hits}; tokens {tokens.get('in') or 0} in / "
        f"{tokens.get('out') or 0} out, ${llm.get('cost_usd') or 0.0:.4f}; offline fallbacks {fallbacks}; "
        f"breaker {(llm.get('breaker') or {}).get('state') or 'closed'}"
    )


def usage_line(usage: dict[str, Any]) -> str:
    """The student's model usage today against their daily budget, for `%learnflow status`."""
    used = usage.get("used") or {}
    budget = usage.get("budget") or {}
    tokens = f"{used.get('tokens') or 0:,} tokens"
    if budget.get("tokens"):
        tokens += f" of {budget['tokens']:,}"
    cost = f"${used.get('cost_usd') or 0.0:.4f}"
    if budget.get("usd"):
        cost += f" of ${budget['usd']:.2f}"
    line = f"{tokens}, {cost} today (UTC), {used.get('requests') or 0} model call(s)"
    if usage.get("over_budget"):
        line += f"; answering offline: {usage['over_budget']}"
    return line


def provider_line(reported: str, llm: dict[str, Any] | None, client: Any) -> str:
    """Who answers: the running model, else what the kernel's own settings allow (privacy, allow-list)."""
    if llm:
        return f"{llm.get('provider')} {llm.get('model')}"
    settings = getattr(getattr(client, "settings", None), "llm", None)
    if settings is not None and hasattr(settings, "describe"):
        return str(settings.describe())
    return str(reported)


def sandbox_summary(sandbox: dict[str, Any]) -> str:
    """One line on how exercise checks and fix checks isolate student code."""
    layers = ", ".join(str(layer) for layer in sandbox.get("layers") or [])
    if sandbox.get("strong"):
        return f"isolated ({layers})"
    reason = f"; {sandbox['reason']}" if sandbox.get("reason") else ""
    return f"WEAK — {layers}{reason}"
