"""ModuleNotFoundError / ImportError: a typo in a module name, a package that isn't
installed (and whose pip name may differ from its import name), a name a module doesn't
have, or a name that moved (``collections.Mapping`` → ``collections.abc``)."""

from __future__ import annotations

import importlib
import re
import sys

from learnflow_agents.tutors.debug.code_facts import closest, line_at, rename, replace_line
from learnflow_agents.tutors.debug.diagnosis import Diagnosis
from learnflow_agents.tutors.debug.families.common import raise_site
from learnflow_agents.tutors.debug.fix_verifier import SAFE_MODULES
from learnflow_agents.tutors.debug.situation import Situation

_NO_MODULE = re.compile(r"No module named '(?P<name>[\w.]+)'")
_CANNOT_IMPORT = re.compile(r"cannot import name '(?P<name>\w+)' from '(?P<mod>[\w.]+)'")

# import name → the name to give pip, where they differ.
PIP_NAMES = {
    "sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml",
    "bs4": "beautifulsoup4", "skimage": "scikit-image", "dateutil": "python-dateutil",
    "dotenv": "python-dotenv", "Crypto": "pycryptodome", "serial": "pyserial", "docx": "python-docx",
    "pptx": "python-pptx", "attr": "attrs", "MySQLdb": "mysqlclient", "jwt": "PyJWT", "fitz": "pymupdf",
    "magic": "python-magic", "Levenshtein": "python-Levenshtein", "telegram": "python-telegram-bot",
    "google.protobuf": "protobuf", "win32api": "pywin32", "gi": "PyGObject", "OpenGL": "PyOpenGL",
}  # fmt: skip
# pip names students try to import → the import name.
IMPORT_NAMES = {
    "scikit_learn": "sklearn", "scikitlearn": "sklearn", "beautifulsoup4": "bs4", "beautifulsoup": "bs4",
    "BeautifulSoup": "bs4", "opencv": "cv2", "opencv_python": "cv2", "pillow": "PIL", "Pillow": "PIL",
    "pyyaml": "yaml", "PyYAML": "yaml", "python_dateutil": "dateutil", "scikit_image": "skimage",
    "python_dotenv": "dotenv", "pymupdf": "fitz", "pycryptodome": "Crypto", "python_docx": "docx",
}  # fmt: skip
POPULAR = frozenset({
    "numpy", "pandas", "matplotlib", "scipy", "seaborn", "requests", "sklearn", "torch", "tensorflow",
    "plotly", "sympy", "statsmodels", "networkx", "nltk", "keras", "flask", "django", "bs4", "PIL", "cv2",
    "yaml", "tqdm", "ipywidgets", "altair", "bokeh", "polars", "pytest", "xgboost", "lightgbm",
    "transformers",
})  # fmt: skip
_MOVED = {("collections", n): "collections.abc" for n in (
    "Mapping", "MutableMapping", "Sequence", "MutableSequence", "Iterable", "Iterator", "Callable", "Set",
    "MutableSet", "Hashable", "Sized", "Container", "Generator", "Awaitable", "Coroutine",
)}  # fmt: skip

STDLIB = frozenset(m for m in sys.stdlib_module_names if not m.startswith("_") or m == "__future__")


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, _text, _function = raise_site(sit)
    if m := _NO_MODULE.search(sit.message):
        return _no_module(sit, m["name"], line, other)
    if m := _CANNOT_IMPORT.search(sit.message):
        return _cannot_import(sit, m["name"], m["mod"], line, other)
    return None


def _import_line_fix(sit: Situation, line: int | None, old: str, new: str) -> str | None:
    if not sit.has_code or line is None:
        return None
    text = line_at(sit.code, line)
    new_text = re.sub(rf"(\b(?:import|from)\s+){re.escape(old)}\b", rf"\g<1>{new}", text, count=1)
    if new_text == text:
        return None
    fixed = replace_line(sit.code, line, new_text)
    if re.search(rf"\bimport\s+{re.escape(old)}\s*$", text):
        # "import maths" then "maths.pi": the module's name is used below too.
        fixed = rename(fixed, old, new)
    return fixed


def _no_module(sit: Situation, full: str, line, other) -> Diagnosis:
    top = full.split(".")[0]
    if "." in full and ("is not a package" in sit.message or _has_member(full)):
        return _member_imported_as_module(sit, full, line, other)
    if top in IMPORT_NAMES:
        right = IMPORT_NAMES[top]
        fix = _import_line_fix(sit, line, top, right)
        pip = PIP_NAMES.get(right, top)
        return _diag(
            sit,
            line,
            other,
            summary=f"Line {line} imports `{top}`, which is the name you *install* (`%pip install {pip}`); "
            "the name you "
            f"*import* is `{right}`.",
            why=f"the package is published on PyPI as `{pip}`, but its code is imported as `{right}`",
            steps=f"Write `import {right}` (or `from {right} import …`).",
            fix=fix,
        )
    if top in PIP_NAMES or top in POPULAR:
        pip = PIP_NAMES.get(top, top)
        differs = f" (note: the package is called `{pip}`, not `{top}`)" if pip != top else ""
        return _diag(
            sit,
            line,
            other,
            summary=f"Line {line} imports `{top}`, which isn't installed in this notebook's environment: run "
            f"`%pip install {pip}` in a cell{differs}, then restart the kernel.",
            why=f"`{top}` is a third-party package, not part of Python itself, and it isn't installed where "
            "this kernel "
            "runs",
            steps=f"Run `%pip install {pip}` in a notebook cell (it installs into the kernel's own "
            "environment), then "
            "restart the kernel and run the import again.",
            fix=None,
            installed=True,
        )
    pool = sorted(STDLIB | POPULAR)
    match = next((m for m in pool if m.lower() == top.lower()), None) or closest(top, pool, cutoff=0.8)
    if match == top and "." in full:
        # `import json.foo`: json exists; what is missing is the part after the dot.
        rest = full[len(top) + 1 :]
        return _diag(
            sit,
            line,
            other,
            summary=f"Line {line} imports `{full}`: `{top}` exists, but it has no module `{rest}` inside it.",
            why=f"`import a.b` needs `b` to be a module inside the package `a`, and `{top}` has no `{rest}`",
            steps=f"Check the name after `{top}.` in its documentation, or `import {top}` and look at "
            f"`dir({top})`.",
            fix=None,
        )
    if match is not None:
        fix = _import_line_fix(sit, line, top, match)
        kind = "standard-library module" if match in STDLIB else "package"
        return _diag(
            sit,
            line,
            other,
            summary=f"Line {line} imports `{top}`, but there's no module with that name — you probably "
            "meant the "
            f"{kind} `{match}`.",
            why=f"module names must be spelled exactly (lower case included); `{top}` is not `{match}`",
            steps=f"Write `import {match}`"
            + (f" and use `{match}.` below." if fix and fix.count(match) > 1 else "."),
            fix=fix,
        )
    return _diag(
        sit,
        line,
        other,
        summary=f"Line {line} imports `{full}`, which Python can't find: if it is your own file, `{top}.py` "
        "must be in "
        f"the notebook's folder; if it's a package, install it with `%pip install {top}`.",
        why=f"Python looked for `{top}` in the standard library, the installed packages and the current "
        "folder, and "
        "found nothing",
        steps=f"Check the spelling; for your own module put `{top}.py` next to the notebook (see "
        "`os.getcwd()`); "
        f"for a package run `%pip install {top}`.",
        fix=None,
        installed=True,
    )


def _cannot_import(sit: Situation, name: str, mod: str, line, other) -> Diagnosis:
    moved = _MOVED.get((mod, name))
    if moved:
        fix = _import_line_fix(sit, line, mod, moved)
        return _diag(
            sit,
            line,
            other,
            summary=f"Line {line} imports `{name}` from `{mod}`, but since Python 3.10 it lives in "
            f"`{moved}`: "
            f"`from {moved} import {name}`.",
            why=f"`{name}` moved to `{moved}` (it was deprecated in `{mod}` for years and removed in 3.10)",
            steps=f"Write `from {moved} import {name}`.",
            fix=fix,
        )
    pool: list[str] = []
    if mod.split(".")[0] in SAFE_MODULES:
        try:
            pool = [a for a in dir(importlib.import_module(mod)) if not a.startswith("_")]
        except ImportError:
            pool = []
    match = closest(name, pool, cutoff=0.7) if pool else None
    if match is None and name in ("squareroot", "square_root", "sqroot"):
        match = "sqrt" if "sqrt" in pool else None
    fix = None
    if match and sit.has_code and line is not None:
        text = line_at(sit.code, line)
        new_text = re.sub(rf"\b{re.escape(name)}\b", match, text, count=1)
        fix = rename(replace_line(sit.code, line, new_text), name, match)
    if match:
        summary = (
            f"Line {line} imports `{name}` from `{mod}`, but `{mod}` has no `{name}` — you "
            "probably "
            f"meant `{match}`."
        )
        steps = f"Write `from {mod} import {match}`."
    else:
        summary = f"Line {line} imports `{name}` from `{mod}`, but `{mod}` has no `{name}`."
        steps = f"Check the name with `import {mod}; print(dir({mod}))`."
    return _diag(
        sit,
        line,
        other,
        summary=summary,
        why=f"`{mod}` was found, but it has nothing called `{name}`",
        steps=steps,
        fix=fix,
    )


def _has_member(full: str) -> bool:
    """`json.loads`: the part after the last dot is a name inside an importable, harmless module."""
    mod, _, member = full.rpartition(".")
    if mod.split(".")[0] not in SAFE_MODULES:
        return False  # importing an arbitrary module runs its code in the agent
    try:
        return hasattr(importlib.import_module(mod), member)
    except ImportError:
        return False


def _member_imported_as_module(sit: Situation, full: str, line, other) -> Diagnosis:
    """`import math.sqrt`: `import a.b` only works when b is a module inside the package a; a
    function or class of a module is brought in with `from a import b`."""
    mod, _, member = full.rpartition(".")
    new = f"from {mod} import {member}"
    fix = None
    if sit.has_code and not other and line is not None:
        text = line_at(sit.code, line)
        m = re.match(rf"^(\s*)import\s+{re.escape(full)}(\s+as\s+\w+)?\s*(#.*)?$", text)
        if m:
            alias = f" as {m.group(2).split()[-1]}" if m.group(2) else ""
            lines = sit.code.split("\n")
            # Uses written `math.sqrt(…)` below would now fail on `math`: they call the name itself.
            lines = [
                f"{m.group(1)}{new}{alias}"
                if n == line
                else re.sub(rf"(?<![\w.]){re.escape(full)}\b", member, t)
                for n, t in enumerate(lines, start=1)
            ]
            fix = "\n".join(lines)
    return _diag(
        sit,
        line,
        other,
        summary=f"Line {line} writes `import {full}`, but `{member}` is something inside `{mod}` (a "
        f"function, class or value), not a module of its own: write `{new}`, then call it as `{member}(…)`.",
        why=f"`import {mod}.{member}` only works when `{member}` is a module file inside the package "
        f"`{mod}`; `{mod}` is a single module, not a package",
        steps=f"Write `{new}` (or `import {mod}` and use `{mod}.{member}`).",
        fix=fix,
    )


def _diag(sit: Situation, line, other, *, summary, why, steps, fix, installed=False) -> Diagnosis:
    return Diagnosis(
        summary=summary,
        plain=f"`import` loads a toolbox of code by its exact name. Here {why}.",
        precise=f"The import system could not resolve the requested name: {why}.",
        analogy="it's like asking a library for a book by a slightly wrong title — the librarian can't "
        "guess.",
        deeper="In notebooks, `%pip install` (not `!pip`) installs into the environment of the running "
        "kernel; "
        "`sys.executable` shows which Python that is."
        if installed
        else "`importlib.util.find_spec(name)` tells you whether a module can be imported without importing "
        "it.",
        fix_steps=steps,
        prevention="Copy import lines from the package's documentation; put all imports in the first cell so "
        "missing packages show up immediately.",
        concepts=["modules-imports"],
        hints=[
            f"Read the name in the import on line {line} letter by letter.",
            why[0].upper() + why[1:] + ".",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )
