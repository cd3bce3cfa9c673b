"""The honest fallback: any error without a dedicated analyser still gets the failing line,
what the message says, whether the student's code or a library raised it, and what to
inspect next. Also the "nothing failed" answer when there is no error to explain."""

from __future__ import annotations

import ast
import builtins

from learnflow_agents.tutors.debug.code_facts import name_tokens, nodes_on_line
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code, message_text, short
from learnflow_agents.tutors.debug.families.common import called_from, place, raise_site
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run
from learnflow_agents.tutors.debug.situation import Situation


def _doc_of(error_type: str) -> str:
    cls = getattr(builtins, error_type, None)
    if isinstance(cls, type) and issubclass(cls, BaseException) and cls.__doc__:
        return cls.__doc__.strip().split("\n")[0]
    return ""


def analyse(sit: Situation) -> Diagnosis:
    error = sit.error_type or "error"
    line, other, text, function = raise_site(sit)
    stripped = text.strip()
    doc = _doc_of(error)
    library = sit.tb.frames[-1] if sit.tb and sit.tb.frames and sit.tb.frames[-1].is_library else None
    raised_by_student = bool(stripped.startswith("raise ")) or _explicit_raise(sit, line)
    names = sorted(
        {t.name for t in name_tokens(stripped) if not t.after_dot and t.name.isidentifier()} - _KEYWORDS
    )
    message = f": {message_text(sit.message)}" if sit.message else ""
    if raised_by_student:
        condition = _guarding_condition(sit, line)
        who = f"Your own code raises `{error}` on {place(line, other, function)}" + (
            f", because the condition {code(condition)} was true" if condition else ""
        )
        plain = f"{who}. It's a `raise` statement: the code stops on purpose to report a problem{message}."
        precise = (
            plain + " Whoever calls this code is expected to pass values that avoid it, or catch it with "
            "`try`/`except`."
        )
        catch = _raised_name(sit, line) or error
        fix_steps = (
            "Find out why that situation happened (print the values involved), or catch the error with "
            f"`try: … except {catch}:` where you can handle it."
        )
    elif library is not None:
        lib = library.filename.replace("\\", "/").split("/")[-1]
        who = (
            f"`{error}` was raised inside library code ({code(lib)}), called from your "
            f"{place(line, other, function)}"
        )
        plain = (
            f"The error happened inside {code(lib)}, which is not your code — but your line {line} "
            f"({code(short(stripped, 60))}) gave it something it couldn't handle{message}."
        )
        precise = f"{who}. The library rejected the arguments or data it received{message}."
        fix_steps = (
            f"Check the values you pass on line {line}: print them and compare with what the library's "
            "documentation expects."
        )
    else:
        who = f"{cap(place(line, other, function))} raised `{error}`"
        plain = f"Python stopped on {place(line, other, function)}{message}." + (
            f" In general, `{error}` means: {doc}" if doc else ""
        )
        precise = f"{who}{message}." + (f" `{error}`: {doc}" if doc else "")
        fix_steps = (
            f"Inspect the values used on line {line}"
            + (f" ({', '.join(code(n) for n in names[:4])})" if names else "")
            + " just before it runs, and compare them with what the operation needs."
        )
    hints = [
        f"Read the last line of the error: {message_text(sit.message, 80) or error}.",
        f"Print the values used on line {line}"
        + (f": {', '.join(code(n) for n in names[:3])}." if names else "."),
        f"Ask which of those values is not what line {line} expects.",
    ]
    summary_line = f" ({code(short(stripped, 50))})" if stripped else ""
    if raised_by_student:
        summary = f"{who}{called_from(sit)}: a `raise` statement stops the program on purpose{message}."
    elif library:
        summary = f"{who}{message}."
    else:
        summary = (
            f"{cap(place(line, other, function))}{summary_line}{called_from(sit)} raised `{error}`{message}."
        )
    diag = Diagnosis(
        summary=summary,
        plain=plain,
        precise=precise,
        fix_steps=fix_steps,
        prevention="Check inputs before using them, and use `try`/`except` around operations that can fail "
        "for reasons outside your control.",
        concepts=["exceptions"],
        hints=hints,
        culprit_line=line,
        culprit_where=other,
    )
    if raised_by_student:
        # Not the last resort: the answer (the code raises it on purpose, and why) is specific.
        diag.extra["analysis"] = "own-raise"
    return diag


_KEYWORDS = {
    "if",
    "else",
    "for",
    "in",
    "while",
    "return",
    "and",
    "or",
    "not",
    "is",
    "None",
    "True",
    "False",
    "raise",
}


def _explicit_raise(sit: Situation, line: int | None) -> bool:
    return any(n.lineno == line for n in nodes_on_line(sit.tree, line, ast.Raise))


def _raised_name(sit: Situation, line: int | None) -> str | None:
    """The name the student's code raises by (`raise E(...)`, `raise errors.Bad`), which is
    what an `except` must name: the class's own `__name__` can be anything, even another
    class's name, and only the sanitised form of it reaches the reply."""
    for node in nodes_on_line(sit.tree, line, ast.Raise):
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        parts: list[str] = []
        while isinstance(target, ast.Attribute):
            parts.append(target.attr)
            target = target.value
        if isinstance(target, ast.Name):
            return ".".join([target.id, *reversed(parts)])
    return None


def _guarding_condition(sit: Situation, line: int | None) -> str | None:
    if sit.tree is None or line is None:
        return None
    ifs = [n for n in nodes_on_line(sit.tree, line, ast.If) if n.lineno < (line or 0)]
    if not ifs:
        return None
    return ast.get_source_segment(sit.code, ifs[0].test)


def no_error(sit: Situation) -> Diagnosis:
    if not sit.has_code and not (sit.query.traceback or "").strip():
        detail = "there is no code or traceback to look at"
        summary = "There's no code or error message here to debug — send the failing cell and its traceback."
    elif sit.query.traceback and sit.tb is None:
        first = short(sit.query.traceback.strip().splitlines()[-1], 80)
        detail = f"the pasted text ({code(first)}) doesn't contain a Python error line"
        summary = (
            "I couldn't find a Python error in the pasted text; paste the full traceback, ending "
            "with "
            "the `…Error:` line."
        )
    else:
        safe, why = is_safe_to_run(sit.code)
        if sit.reproduced:
            detail = "the cell compiles and ran without an error in a sandbox"
        elif safe:
            detail = "the cell compiles"
        else:
            detail = f"the cell compiles; it wasn't run here because it {why}"
        summary = (
            f"No error to diagnose: {detail}. If the result is wrong rather than an error, say "
            "what "
            "you expected."
        )
    return Diagnosis(
        summary=summary,
        plain=f"I looked for an error, but {detail}. A wrong *result* (rather than an error message) needs a "
        "description of what you expected.",
        precise=f"No exception to analyse: {detail}.",
        fix_steps="Run the cell and copy the complete error output, or describe the expected and the actual "
        "result.",
        prevention="When asking for help, include the code, the full error, and what you expected.",
        concepts=["exceptions"],
        hints=[
            "Run the cell again and look for a red error box.",
            "Copy the whole traceback, from `Traceback` to the last line.",
            "If there's no error, compare the output with what you expected, line by line.",
        ],
    )
