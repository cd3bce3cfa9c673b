"""Build benchmarks/data/debug_eval.jsonl by running every failing snippet for real.

Each snippet in the source file (default: debug_snippets.py next to this script) is run
in a fresh interpreter, the way a student would have run it, and the traceback it really
prints is recorded:

- ``script``: ``python cell.py`` (path rewritten to a stable /home/student/… path)
- ``stdin`` / ``string``: ``python -`` / ``python -c`` (frames without source lines)
- ``ipython`` / ``ipython-color``: an IPython shell runs the ``setup`` cells, then the
  snippet as the last cell, and its ``Cell In[N]`` traceback is captured (with ANSI
  colours for ``-color``)
- ``py312`` / ``py313`` / ``py313-color``: other CPython versions when installed
  (pyenv), for their message and colour variants
- ``interrupt``: the snippet loops forever; it gets SIGINT after a second, like pressing
  the stop button, and the KeyboardInterrupt traceback is recorded

Snippets run with ``-S`` (no site-packages) in an empty temporary directory, so imports
of third-party packages and relative file paths fail the same way on every machine.

    python benchmarks/data/build_debug_eval.py [--source FILE] [--out FILE] [--check]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STABLE_DIR = "/home/student/course"

_IPYTHON_DRIVER = r"""
import json, sys
from IPython.core.interactiveshell import InteractiveShell
spec = json.loads(sys.stdin.read())
shell = InteractiveShell.instance()
shell.colors = spec["colors"]
for cell in spec["setup"]:
    shell.run_cell(cell, store_history=True)
sys.stdout.write("\n@@LAST-CELL@@\n")
sys.stdout.flush()
shell.run_cell(spec["code"], store_history=True)
"""


def _python(version: str | None) -> str:
    if version is None:
        return sys.executable
    candidates = sorted(Path.home().glob(f".pyenv/versions/{version}*/bin/python"))
    found = shutil.which(f"python{version}")
    if candidates:
        return str(candidates[-1])
    if found:
        return found
    raise SystemExit(f"snippet needs Python {version}, which is not installed")


def _env(color: bool) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    if color:
        env["PYTHON_COLORS"] = "1"
        env["FORCE_COLOR"] = "1"
    else:
        env["PYTHON_COLORS"] = "0"
        env["NO_COLOR"] = "1"
    return env


def _run_interrupt(
    cmd: list[str], workdir: str, env: dict[str, str], stdin: str | None, marker: str | None
) -> str:
    """Start the looping snippet, let it spin, then press "stop" (SIGINT) like a student."""
    proc = subprocess.Popen(
        cmd,
        cwd=workdir,
        env=env,
        stdin=subprocess.PIPE,
        # A plain script's loop output is not needed (the traceback is on stderr) and
        # would fill the pipe; IPython prints its traceback on stdout, so keep that.
        stdout=subprocess.PIPE if marker else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdin is not None
    if stdin:
        proc.stdin.write(stdin)
    proc.stdin.close()
    proc.stdin = None  # closed by hand; communicate() must not flush it
    head = ""
    if marker and proc.stdout is not None:
        # IPython needs a moment to start; interrupt only once the last cell is running.
        for line in proc.stdout:
            head += line
            if marker in line:
                break
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return head + (out or "") if marker else err


def run_snippet(snippet: dict) -> str:
    runner = snippet.get("runner", "script")
    code = snippet["code"]
    stdin = snippet.get("stdin")
    interrupt = snippet.get("interrupt", False)
    with tempfile.TemporaryDirectory(prefix="learnflow-eval-") as workdir:
        workdir = os.path.realpath(workdir)
        for name, content in snippet.get("files", {}).items():
            Path(workdir, name).write_text(content)
        if runner.startswith("ipython"):
            spec = {
                "setup": snippet.get("setup", []),
                "code": code,
                "colors": "linux" if runner.endswith("color") else "nocolor",
            }
            cmd = [sys.executable, "-c", _IPYTHON_DRIVER]
            env = _env(False)
            if interrupt:
                text = _run_interrupt(cmd, workdir, env, json.dumps(spec), "@@LAST-CELL@@")
            else:
                proc = subprocess.run(
                    cmd,
                    input=json.dumps(spec),
                    capture_output=True,
                    text=True,
                    cwd=workdir,
                    env=env,
                    timeout=60,
                )
                text = proc.stdout
            text = text.split("@@LAST-CELL@@\n", 1)[-1]
            # IPython prints the cell's own output first; the traceback starts at its banner.
            for banner in ("\x1b[31m---", "\x1b[91m---", "-" * 75):
                if banner in text:
                    text = text[text.index(banner) :]
                    break
            else:
                lines = text.splitlines()
                starts = [
                    i
                    for i, line in enumerate(lines)
                    if re.match(r"^\s*(\x1b\[[0-9;]*m)*\s*(Cell|File|Input)", line)
                ]
                text = "\n".join(lines[starts[0] :]) if starts else text
            return text.strip("\n")
        version = {"py312": "3.12", "py313": "3.13", "py313-color": "3.13"}.get(runner)
        color = runner.endswith("color")
        python = _python(version)
        if runner == "stdin":
            cmd, feed = [python, "-S", "-"], code
        elif runner == "string":
            cmd, feed = [python, "-S", "-c", code], stdin
        else:
            Path(workdir, "cell.py").write_text(code)
            cmd, feed = [python, "-S", "cell.py"], stdin
        env = _env(color)
        if interrupt:
            text = _run_interrupt(cmd, workdir, env, feed, None)
        else:
            proc = subprocess.run(
                cmd, input=feed, capture_output=True, text=True, cwd=workdir, env=env, timeout=60
            )
            text = proc.stderr
        text = text.replace(workdir, STABLE_DIR)
        if "Traceback" in text:
            text = text[text.index("Traceback") :]
        elif "  File" in text:
            text = text[text.index("  File") :]
        return text.strip("\n")


def error_type_of(traceback_text: str) -> str:
    clean = re.sub(r"\x1b\[[0-9;]*m", "", traceback_text)
    for line in reversed(clean.splitlines()):
        m = re.match(r"^([A-Za-z_][\w.]*)(?::|$)", line)
        if m and not line.startswith(("Traceback", "During handling", "The above")):
            return m.group(1).rsplit(".", 1)[-1]
    raise ValueError(f"no exception line in:\n{traceback_text}")


def load_snippets(source: Path) -> list[dict]:
    spec = importlib.util.spec_from_file_location("debug_snippets", source)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.SNIPPETS)


def build(source: Path) -> list[dict]:
    rows = []
    seen: set[str] = set()
    for snippet in load_snippets(source):
        if snippet["id"] in seen:
            raise SystemExit(f"duplicate snippet id {snippet['id']}")
        seen.add(snippet["id"])
        traceback_text = run_snippet(snippet)
        try:
            error_type = error_type_of(traceback_text)
        except ValueError as exc:
            raise SystemExit(f"snippet {snippet['id']} did not fail: {exc}") from None
        expected = snippet.get("family")
        if expected and expected != "Other" and expected != error_type:
            raise SystemExit(
                f"snippet {snippet['id']} raised {error_type}, expected {expected}:\n{traceback_text}"
            )
        row = {
            "id": snippet["id"],
            "family": snippet.get("family", error_type),
            "code": snippet["code"],
            "traceback": traceback_text,
            "error_type": error_type,
            "must_mention": snippet["must_mention"],
            "fixable": snippet["fixable"],
        }
        # no_traceback: the student sent only the code, so the evaluation withholds the
        # (still real, recorded) traceback and the agent must find the error itself.
        for optional in ("setup", "stdin", "variables", "level", "runner", "files", "no_traceback"):
            if snippet.get(optional):
                row[optional] = snippet[optional]
        rows.append(row)
        print(f"{snippet['id']:32} {error_type}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, default=HERE / "debug_snippets.py")
    parser.add_argument("--out", type=Path, default=HERE / "debug_eval.jsonl")
    args = parser.parse_args(argv)
    rows = build(args.source)
    with args.out.open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} snippets to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
