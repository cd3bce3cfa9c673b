"""IndentationError and TabError: the block structure written with leading whitespace."""

from __future__ import annotations

import re
import textwrap

from learnflow_agents.tutors.debug.code_facts import compile_error, indent_of, lines_of
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, code, short
from learnflow_agents.tutors.debug.families import syntax_messages
from learnflow_agents.tutors.debug.families.syntax_repair import progress
from learnflow_agents.tutors.debug.situation import Situation

_EXPECTED = re.compile(r"expected an indented block(?: after (?P<what>.+?) on line (?P<line>\d+))?")
_HEADER_WORDS = {
    "function definition": ("def", "functions"), "'if' statement": ("if", "conditionals"),
    "'elif' statement": ("elif", "conditionals"), "'else' statement": ("else", "conditionals"),
    "'for' statement": ("for", "for-loops"), "'while' statement": ("while", "while-loops"),
    "class definition": ("class", "classes"), "'try' statement": ("try", "exceptions"),
    "'except' statement": ("except", "exceptions"), "'with' statement": ("with", "file-io"),
}  # fmt: skip


def analyse(sit: Situation) -> Diagnosis | None:
    if sit.syntax is None or sit.syntax.lineno is None:
        return None
    if sit.error_type == "TabError" or "inconsistent use of tabs" in sit.message:
        return _tabs(sit)
    if m := _EXPECTED.match(sit.message):
        return _expected_block(sit, m)
    if sit.message.startswith("unexpected indent"):
        return _unexpected_indent(sit)
    if sit.message.startswith("unindent does not match"):
        return _unindent_mismatch(sit)
    # Other IndentationError messages ("too many levels of indentation") name their rule.
    return syntax_messages.analyse(sit)


def _width(text: str) -> int:
    return len(indent_of(text).expandtabs(4))


def _shift(line: str, new_indent: str) -> str:
    return new_indent + line.lstrip() if line.strip() else line


def _expected_block(sit: Situation, m: re.Match[str]) -> Diagnosis:
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    header_line = int(m["line"]) if m["line"] else max(lineno - 1, 1)
    what = m["what"] or "the line above"
    word, concept = _HEADER_WORDS.get(what, (what.strip("'").split()[0], "indentation"))
    header_text = sit.text(header_line)
    body_indent = indent_of(header_text) + "    "
    fix = _indent_body(sit, header_line, body_indent) if sit.has_code else None
    body_text = sit.text(lineno).strip()
    moved = ""
    if fix:
        changed = [
            i + 1 for i, (a, b) in enumerate(zip(lines_of(sit.code), lines_of(fix), strict=False)) if a != b
        ]
        if changed:
            span = f"line {changed[0]}" if len(changed) == 1 else f"lines {changed[0]}–{changed[-1]}"
            moved = f"Indent {span} by 4 spaces so they belong to the `{word}` on line {header_line}."
        else:
            moved = f"Add an indented body (for now `pass`) under line {header_line}."
    steps = moved or f"Indent the lines that belong to the `{word}` on line {header_line} by 4 spaces."
    # A header on the cell's last line has no line after it to blame: the body is simply missing.
    ends = sit.has_code and not any(ln.strip() for ln in lines_of(sit.code)[header_line:])
    if ends:
        steps = (
            f"Write the body of the `{word}` on the next line, indented by 4 spaces (`pass` if it is "
            "empty for now)."
        )
    return Diagnosis(
        summary=f"The `{word}` on line {header_line} ({code(short(header_text.strip(), 40))}) needs an "
        "indented "
        + (
            "block, but nothing follows it: the cell ends right after its colon."
            if ends
            else f"block, but line {lineno}"
            + (f" ({code(short(body_text, 40))})" if body_text else "")
            + " is not indented under it."
        ),
        plain=f"After a line ending in `:` (your `{word}` on line {header_line}), Python expects the lines "
        "that "
        "belong to it to be pushed to the right with spaces. "
        + (
            f"Here no line follows, so the `{word}` has nothing inside it."
            if ends
            else f"Line {lineno} starts at the same place as the `{word}`, so Python thinks the `{word}` has "
            "nothing inside it."
        ),
        precise=f"A compound statement's suite must be an INDENT-ed block; the token after the `:` on line "
        f"{header_line} is on line {lineno} at the same indentation level, so the `{word}` has an empty "
        "suite.",
        analogy="indentation is like the outline of a to-do list: sub-steps are written further to the "
        "right under the step they belong to.",
        deeper="An intentionally empty block needs a statement such as `pass` or `...`; a docstring "
        "alone also counts as a body.",
        fix_steps=steps,
        prevention="Use 4 spaces per level and let the editor indent after you type `:`; press Tab on each "
        "line that belongs inside the block.",
        concepts=["indentation", concept] if concept != "indentation" else ["indentation"],
        hints=[
            f"Which lines should run as part of the `{word}` on line {header_line}?",
            f"Lines inside a `{word}` must be indented more than the `{word}` line itself.",
            steps,
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _indent_body(sit: Situation, header_line: int, body_indent: str) -> str | None:
    lines = lines_of(sit.code)
    header_width = _width(lines[header_line - 1])
    following = [i for i in range(header_line, len(lines)) if lines[i].strip()]
    if not following:
        candidate = "\n".join([*lines, body_indent + "pass"])
        return candidate if compile_error(candidate) is None else None
    # The smallest run of following lines that makes the cell compile is the likeliest body.
    best_progress: str | None = None
    for count in range(1, len(following) + 1):
        chosen = following[:count]
        if _width(lines[chosen[-1]]) > header_width + 8:
            break
        new = list(lines)
        for i in chosen:
            extra = _width(lines[i]) - header_width
            new[i] = body_indent + " " * max(extra, 0) + lines[i].lstrip()
        candidate = "\n".join(new)
        if compile_error(candidate) is None:
            return candidate
        if best_progress is None and progress(sit.code, candidate):
            best_progress = candidate
    return best_progress


def _unexpected_indent(sit: Situation) -> Diagnosis:
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    text = sit.text(lineno)
    fix: str | None = None
    target = ""
    if sit.has_code:
        lines = lines_of(sit.code)
        previous = [
            line for line in lines[: lineno - 1] if line.strip() and not line.lstrip().startswith("#")
        ]
        if not previous:
            dedented = textwrap.dedent(sit.code)
            fix = dedented if progress(sit.code, dedented) else None
            target = "the left edge"
        else:
            prev = previous[-1]
            target_indent = indent_of(prev)
            target = "the line above" if target_indent else "the left edge"
            fix = _dedent_block(sit.code, lineno, target_indent)
    steps = (
        f"Remove the extra spaces at the start of line {lineno} so it lines up with {target}."
        if target
        else f"Line {lineno} up with the statement before it."
    )
    return Diagnosis(
        summary=f"Line {lineno} ({code(short(text.strip(), 40))}) is indented more than the line before it, "
        "but nothing above opens a block there.",
        plain=f"In Python the spaces at the start of a line matter: they show which block a line belongs to. "
        f"Line {lineno} has extra spaces in front, but there is no `if`, `for`, `def`… line ending in `:` "
        "above it to belong to.",
        precise=f"The tokenizer emitted an INDENT on line {lineno} where no compound statement header "
        "precedes "
        "it; indentation may only increase after a line ending in `:`.",
        analogy="it's like a bullet point indented as a sub-item when there's no item above it to belong to.",
        deeper="Pasting code from the web or a larger file often carries its indentation along; "
        "`textwrap.dedent` removes common leading whitespace.",
        fix_steps=steps,
        prevention="Only indent after a line that ends with `:`; when pasting, dedent the pasted lines.",
        concepts=["indentation"],
        hints=[
            f"Compare the start of line {lineno} with the line above it.",
            "Extra spaces at the start of a line are only allowed inside a block opened by `:`.",
            steps,
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _dedent_block(code_text: str, lineno: int, target_indent: str) -> str | None:
    lines = lines_of(code_text)
    width = _width(lines[lineno - 1])
    new = list(lines)
    i = lineno - 1
    # Lines indented as deep as the offending one move with it, keeping their own nesting.
    while i < len(lines) and (not lines[i].strip() or _width(lines[i]) >= width):
        if lines[i].strip():
            extra = _width(lines[i]) - width
            new[i] = target_indent + " " * extra + lines[i].lstrip()
        i += 1
    candidate = "\n".join(new)
    if progress(code_text, candidate):
        return candidate
    only = list(lines)
    only[lineno - 1] = target_indent + lines[lineno - 1].lstrip()
    candidate = "\n".join(only)
    return candidate if progress(code_text, candidate) else None


def _unindent_mismatch(sit: Situation) -> Diagnosis:
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    text = sit.text(lineno)
    width = _width(text)
    fix = None
    levels: list[int] = []
    if sit.has_code:
        lines = lines_of(sit.code)
        for line in lines[: lineno - 1]:
            if line.strip() and not line.lstrip().startswith("#"):
                w = _width(line)
                while levels and levels[-1] > w:
                    levels.pop()
                if not levels or levels[-1] < w:
                    levels.append(w)
        prev_width = _width(next((x for x in reversed(lines[: lineno - 1]) if x.strip()), ""))
        ordered = sorted(levels, key=lambda w: (abs(w - width), w != prev_width))
        for level in ordered:
            candidate = "\n".join([*lines[: lineno - 1], " " * level + text.lstrip(), *lines[lineno:]])
            if progress(sit.code, candidate):
                fix = candidate
                break
    valid = ", ".join(str(w) for w in levels) if levels else "the levels above it"
    new_width = _width(lines_of(fix)[lineno - 1]) if fix else None
    steps = (
        f"Indent line {lineno} with {new_width} spaces instead of {width}, to line up with the block it "
        "belongs to."
        if new_width is not None
        else f"Line {lineno} up exactly with the block it belongs to."
    )
    return Diagnosis(
        summary=f"Line {lineno} is indented by {width} spaces, which doesn't line up with any block above it "
        f"(the open levels are {valid} spaces).",
        plain=f"When a line moves back to the left, it must land exactly under an earlier line's start. Line "
        f"{lineno} stops at {width} spaces, which matches none of the lines above it.",
        precise=f"A dedent must return to an indentation level on the tokenizer's indent stack ({valid}); "
        f"{width} is not one of them.",
        analogy="it's like parking between two marked spaces: Python can't tell which space you meant.",
        fix_steps=steps,
        prevention="Indent with exactly 4 spaces per level; turn on visible whitespace in the editor to spot "
        "lines that are off by one or two spaces.",
        concepts=["indentation"],
        hints=[
            f"Count the spaces at the start of line {lineno} and the lines above.",
            f"Line {lineno} must line up exactly with one of the blocks above it.",
            steps,
        ],
        fix_code=fix,
        culprit_line=lineno,
    )


def _tabs(sit: Situation) -> Diagnosis:
    lineno = sit.syntax.lineno if sit.syntax and sit.syntax.lineno else 1
    fix = None
    if sit.has_code:
        for size in (4, 8):
            candidate = "\n".join(
                indent_of(line).expandtabs(size) + line.lstrip() if line.strip() else line.replace("\t", "")
                for line in lines_of(sit.code)
            )
            if compile_error(candidate) is None:
                fix = candidate
                break
            if fix is None and progress(sit.code, candidate):
                # Past the tabs; a later slip is the next problem (the agent chains it).
                fix = candidate
    tab_lines = (
        [i + 1 for i, line in enumerate(lines_of(sit.code)) if "\t" in indent_of(line)]
        if sit.has_code
        else []
    )
    listed = ", ".join(str(n) for n in tab_lines[:6])
    return Diagnosis(
        summary=f"Line {lineno} mixes tabs and spaces for indentation"
        + (f" (tabs are used on line{'s' if len(tab_lines) > 1 else ''} {listed})" if tab_lines else "")
        + "; use spaces only.",
        plain="Some lines are pushed right with the Tab key and others with spaces. They can look the same "
        "on "
        f"screen, but Python counts them differently, so at line {lineno} it can't tell how deep the line "
        "is.",
        precise="Python 3 refuses indentation whose meaning depends on the tab width (PEP 8 recommends "
        f"spaces); line {lineno}'s indentation compares differently with tabs of 1 and 8 columns.",
        analogy="it's like measuring some shelves in centimetres and others in inches: they look aligned, "
        "but the numbers don't match.",
        fix_steps="Replace the tabs at the start of lines with spaces (4 per level)."
        + (" The fixed cell does that." if fix else ""),
        prevention="Set your editor to insert 4 spaces when you press Tab (Jupyter does this by default); "
        "be careful when pasting code from other editors.",
        concepts=["indentation"],
        hints=[
            f"The indentation of line {lineno} looks right but isn't made of the same characters.",
            "Tabs and spaces are both used for indentation in this cell.",
            "Re-indent with spaces only.",
        ],
        fix_code=fix,
        culprit_line=lineno,
    )
