"""FileNotFoundError: a path that doesn't exist from where the code runs. The agent can't
see the student's disk, so it explains relative paths and the working directory and
gives the two lines that show where Python is looking."""

from __future__ import annotations

import re

from learnflow_agents.tutors.debug.diagnosis import Diagnosis
from learnflow_agents.tutors.debug.families.common import raise_site
from learnflow_agents.tutors.debug.situation import Situation

_PATH = re.compile(r"No such file or directory: (?P<path>'.*'|\".*\")")


_DIR = re.compile(r"(?P<kind>Is a directory|Not a directory): (?P<path>'.*'|\".*\")")


def analyse(sit: Situation) -> Diagnosis | None:
    if d := _DIR.search(sit.message):
        return _directory(sit, d["kind"], d["path"][1:-1])
    m = _PATH.search(sit.message)
    if m is None:
        return None
    path = (
        m["path"][1:-1].encode().decode("unicode_escape", errors="ignore")
        if "\\\\" in m["path"]
        else m["path"][1:-1]
    )
    line, other, _text, _function = raise_site(sit)
    absolute = path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", path) is not None
    folder, _, name = path.replace("\\", "/").rpartition("/")
    notes: list[str] = []
    if not absolute:
        notes.append(
            f"`{path}` is a relative path, so Python looks for it inside the current working directory — "
            "for a notebook, "
            "normally the folder the notebook is in"
        )
    if folder and not absolute:
        notes.append(f"the folder `{folder}` must exist inside that directory")
    if any(ch.isupper() for ch in name):
        notes.append(
            f"file names are case-sensitive on Linux and macOS: `{name}` and `{name.lower()}` are different "
            "files"
        )
    if "\\" in path or re.search(r"[\n\t\r]", path):
        notes.append(
            'backslashes in a normal string start escape codes (`\\n`, `\\t`); use a raw string `r"..."` or '
            "forward slashes"
        )
    writes = (
        re.search(r"\.write\(", sit.code) is not None
        and re.search(r"open\([^)]*['\"]r", sit.text(line)) is not None
    )
    if writes:
        notes.append("you write to this file later: open it with mode `'w'` to create it")
    detail = "; ".join(notes) if notes else f"`{path}` doesn't exist at that location"
    check = (
        "import os\nprint(os.getcwd())      # where Python is looking\nprint(os.listdir())     # "
        "what "
        "is there"
    )
    return Diagnosis(
        summary=f"Line {line} opens `{path}`, but there is no such file where Python is looking: "
        f"{notes[0] if notes else detail}.",
        plain="Python can only open a file that exists at exactly that path. "
        f"{detail[0].upper() + detail[1:]}.",
        precise=f"`open()` resolved `{path}` relative to the process's working directory (`os.getcwd()`) "
        "and found no "
        f"file: {detail}.",
        analogy='a relative path is like directions "two doors down" — they only work if you start from the '
        "right place.",
        deeper="`pathlib.Path(path).resolve()` shows the absolute path being tried; build paths with "
        "`pathlib` "
        "and keep data files next to the notebook (or in a `data/` folder) so relative paths stay valid.",
        fix_steps="Run these lines to see where Python is looking and which files are there, then fix the "
        "name or "
        f"move the file:\n\n```python\n{check}\n```\n\nUse `os.listdir()` to check the exact spelling of "
        f"`{name}`.",
        prevention="Keep data files in the notebook's folder (or a subfolder) and check `os.getcwd()` when "
        "a path fails.",
        concepts=["file-io"],
        hints=[
            f"Where is `{path}` on your computer, and where is the notebook?",
            "Relative paths start from the working directory: print `os.getcwd()`.",
            f"Compare `os.listdir()` with `{path}` and fix the path.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _directory(sit: Situation, kind: str, path: str) -> Diagnosis:
    """`open('/home')`: a folder where a file was expected (or a file used as a folder)."""
    line, other, _text, _function = raise_site(sit)
    if kind == "Is a directory":
        what = f"`{path}` is a directory (a folder), not a file: `open()` can only open files"
        steps = (
            f"Open a file inside it, e.g. `open('{path.rstrip('/')}/name.txt')`, or list the folder's files "
        )
        steps += f"with `os.listdir('{path}')`."
    else:
        what = f"part of `{path}` is a file, not a directory (folder), so nothing can be inside it"
        steps = "Check each part of the path: only the last part may be a file."
    return Diagnosis(
        summary=f"Line {line} uses the path `{path}`, but {what}.",
        plain=f"Paths name either a file or a folder. Here {what}.",
        precise=f"The OS call failed with {kind.lower()} for `{path}`.",
        fix_steps=steps,
        prevention="Build paths with `os.path.join` / `pathlib` and check `os.path.isfile(path)` first.",
        concepts=["file-io"],
        hints=[
            f"Is `{path}` a file or a folder?",
            "`open()` needs the path of a file.",
            steps,
        ],
        culprit_line=line,
        culprit_where=other,
    )
