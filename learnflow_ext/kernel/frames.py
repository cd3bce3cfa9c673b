"""The traceback a student should see: their cells and their own files, not IPython's
machinery or the inside of installed libraries."""

import contextlib
import linecache
import site
import sys
import sysconfig
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CellLabel = Callable[[str], str | None]

MAX_CHAIN = 3


def _library_roots() -> tuple[str, ...]:
    roots: set[str] = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(str(Path(path).resolve()))
    with contextlib.suppress(AttributeError):  # virtualenvs built without site.getsitepackages
        roots.update(str(Path(p).resolve()) for p in site.getsitepackages())
    roots.add(str(Path(sys.base_prefix, "lib").resolve()))
    # Editable installs live outside site-packages but are still not the student's code.
    for module_name in ("IPython", "ipykernel", "traitlets", "learnflow_ext", "learnflow_agents"):
        module = sys.modules.get(module_name)
        location = getattr(module, "__file__", None)
        if location:
            roots.add(str(Path(location).resolve().parent))
    return tuple(sorted(roots))


_ROOTS: tuple[str, ...] | None = None


def is_library_file(filename: str) -> bool:
    global _ROOTS
    if filename.startswith("<") and not filename.startswith("<ipython-input"):
        return True  # <frozen importlib._bootstrap>, <string> from exec()
    if "site-packages" in filename or "dist-packages" in filename:
        return True
    if _ROOTS is None:
        _ROOTS = _library_roots()
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return resolved.startswith(_ROOTS)


@dataclass
class StudentTraceback:
    text: str
    error_type: str
    message: str
    # Locals of the student's innermost function frame: the variables a bug usually lives in.
    innermost_locals: dict[str, Any] = field(default_factory=dict)
    frames: int = 0


def student_traceback(error: BaseException, cell_label: CellLabel) -> StudentTraceback:
    chain = _exception_chain(error)
    parts: list[str] = []
    innermost: dict[str, Any] = {}
    frames = 0
    for position, (exc, separator) in enumerate(chain):
        if separator:
            parts.append(f"\n{separator}\n\n")
        lines, locals_, count = _format_one(exc, cell_label)
        parts.extend(lines)
        frames += count
        if position == len(chain) - 1:
            innermost = locals_
    return StudentTraceback(
        text="".join(parts).rstrip("\n"),
        error_type=type(error).__name__,
        message=_message(error),
        innermost_locals=innermost,
        frames=frames,
    )


def _message(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return error.msg or ""
    try:
        return str(error)
    except Exception:
        return ""


_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


def _exception_chain(error: BaseException) -> list[tuple[BaseException, str | None]]:
    """Oldest first, as Python prints them, each with the separator printed before it."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(chain) < MAX_CHAIN:
        seen.add(id(current))
        earlier: BaseException | None = None
        separator: str | None = None
        if current.__cause__ is not None:
            earlier, separator = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            earlier, separator = current.__context__, _CONTEXT
        chain.append((current, separator))
        current = earlier
    chain.reverse()
    chain[0] = (chain[0][0], None)  # nothing is printed before the oldest one shown
    return chain


def _format_one(error: BaseException, cell_label: CellLabel) -> tuple[list[str], dict[str, Any], int]:
    lines: list[str] = []
    innermost: dict[str, Any] = {}
    hidden: list[str] = []
    student_frames = 0
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        label = cell_label(filename)
        if label is None and is_library_file(filename):
            if student_frames:
                hidden.append(_package_of(filename))
            continue
        if hidden:
            lines.append(_hidden_note(hidden))
            hidden = []
        student_frames += 1
        where = f"{label}, line {lineno}" if label else f'File "{_short_path(filename)}", line {lineno}'
        lines.append(f"  {where}, in {frame.f_code.co_name}\n")
        source = linecache.getline(filename, lineno).strip()
        if source:
            lines.append(f"    {source}\n")
        innermost = _locals_of(frame)
    if hidden:
        lines.append(_hidden_note(hidden))
    if lines:
        lines.insert(0, "Traceback (most recent call last):\n")
    lines.extend(_exception_only(error, cell_label))
    return lines, innermost, student_frames


def _locals_of(frame: types.FrameType) -> dict[str, Any]:
    if frame.f_code.co_name == "<module>":
        return {}  # a cell's module-level names are the user namespace, summarised separately
    return dict(frame.f_locals)


def _exception_only(error: BaseException, cell_label: CellLabel) -> list[str]:
    lines = traceback.format_exception_only(type(error), error)
    if isinstance(error, SyntaxError) and error.filename:
        label = cell_label(error.filename)
        if label:
            old = f'File "{error.filename}", line {error.lineno}'
            lines = [line.replace(old, f"{label}, line {error.lineno}") for line in lines]
    return lines


def _hidden_note(packages: list[str]) -> str:
    names = ", ".join(dict.fromkeys(packages))
    plural = "s" if len(packages) > 1 else ""
    return f"  ... {len(packages)} frame{plural} inside {names} hidden ...\n"


def _package_of(filename: str) -> str:
    parts = Path(filename).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts and parts.index(marker) + 1 < len(parts):
            return parts[parts.index(marker) + 1].removesuffix(".py")
    return filename if filename.startswith("<") else "the standard library"


def _short_path(filename: str) -> str:
    try:
        return str(Path(filename).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return filename
