"""Let `%learnflow ask why is this slow?` be a question, not a help request.

IPython reads a line ending in "?" as "show help for the last word". For a LearnFlow
line magic that is never what the student meant, so such lines are rewritten to the
explicit magic call before IPython's help rule sees them. `%learnflow?` alone (the
magic's documentation) is left alone.
"""

PREFIX = "%learnflow "


def keep_question_marks(lines: list[str]) -> list[str]:
    # Runs on every cell, so the common case (no such line) is one cheap test per line.
    changed: list[str] | None = None
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(PREFIX) and line.rstrip().endswith("?"):
            if changed is None:
                changed = list(lines)
            indent = line[: len(line) - len(stripped)]
            arguments = stripped[len(PREFIX) :].rstrip()
            changed[index] = f"{indent}get_ipython().run_line_magic('learnflow', {arguments!r})\n"
    return lines if changed is None else changed
