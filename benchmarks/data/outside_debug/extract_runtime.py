"""Extract an outside set of runtime errors for the debug tutor from DidYouMean-Python's tests
(github.com/SylvainDe/DidYouMean-Python, MIT licence; nothing here is written by hand).

``didyoumean/didyoumean_sugg_tests.py`` checks, test by test, that a small program raises a given
exception: ``self.throws(code, (ErrorType, message_regex), ...)``. The snippets are built by
helpers (``func_gen``, ``format_str``, …), so they are not read from the source text but
recorded: a child CPython 3.11 imports the test module from a copy of the repository with
``throws`` replaced by a recorder (``runs`` by a no-op) and calls every test method; the
recorder keeps the snippet, the expected type and regex, the test's name and the line of the
``throws`` call, for the snippets the tests mean for CPython 3.11 (their own version ranges).

Each snippet is then run as a script ``cell.py`` by CPython 3.11 in its own subprocess (temp
dir, isolated mode, 10 s timeout, 1 GB address space) and kept only when it raises what the
test expects there (the expected type or a subclass, the message matching the test's regex):
snippets that lean on the test module's own globals (``FoobarClass``…) fail differently when
alone and are dropped. SyntaxError tests are left out (runtime errors only). The examples of
``didyoumean/readme_examples.py`` (``EXAMPLES``: snippets grouped by the exception they raise)
are recorded the same way, with that exception as the expected type.

    /root/.pyenv/versions/3.11.7/bin/python3.11 benchmarks/data/outside_debug/extract_runtime.py \\
        /work/.mirror/SylvainDe+DidYouMean-Python/repo      # a git dir (or a clone's .git)

Output ``cases_runtime.jsonl``: {id, source, code, error_type, message, kind, traceback, split}
  source  "DidYouMean-Python@<commit>/didyoumean/didyoumean_sugg_tests.py:<line> (<Test.method>)"
  kind    the message with quoted parts and numbers normalised (extract.kind_of)
  split   "holdout" for every 5th case by the SHA-256 of the code, else "dev"
At most 25 cases per (error type, kind), the first by hash.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
import resource
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from extract import kind_of, last_error  # noqa: E402

PY311 = "/root/.pyenv/versions/3.11.7/bin/python3.11"
REPO = "DidYouMean-Python"
TESTS = "didyoumean/didyoumean_sugg_tests.py"
FILENAME = "/home/student/cell.py"
PER_KIND = 25
SYNTAX = {"SyntaxError", "IndentationError", "TabError"}

# Run by the child 3.11 inside a copy of the repository's didyoumean/ directory.
_RECORD = r"""
import inspect, json, os, sys, unittest, warnings
sys.path.insert(0, os.getcwd())
warnings.simplefilter("ignore")
sys.setrecursionlimit(1000)
import didyoumean_sugg_tests as t
seen = []

def names(etype):
    return [c.__name__ for c in (etype if isinstance(etype, tuple) else (etype,))]

def throws(self, code, error_info, sugg=None, version_range=None, interpreters=None):
    if not t.PythonEnvRange(version_range, interpreters).contains_current_env():
        return
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != t.__file__:
        frame = frame.f_back
    etype, regex = error_info
    seen.append({
        "code": code, "expected": names(etype), "regex": regex,
        "line": frame.f_lineno if frame else 0, "test": type(self).__name__ + "." + self._testMethodName,
    })

t.GetSuggestionsTests.throws = throws
t.GetSuggestionsTests.runs = lambda self, *a, **k: None
for name, cls in sorted(vars(t).items()):
    if not (isinstance(cls, type) and issubclass(cls, t.GetSuggestionsTests)):
        continue
    for meth in sorted(m for m in vars(cls) if m.startswith("test")):
        try:
            getattr(cls(meth), meth)()
        except BaseException:
            pass  # a test's own other checks; what it recorded before stays
import readme_examples as r
text = open(r.__file__, encoding="utf-8").read().splitlines()
for (_, etype), groups in sorted(r.EXAMPLES.items(), key=lambda kv: kv[0][0]):
    for (_, what), snippets in sorted(groups.items()):
        for code in snippets:
            head = repr(code)[1:-1][:30]
            line = next((i for i, ln in enumerate(text, 1) if head in ln), 0)
            seen.append({"code": code, "expected": names(etype), "regex": None, "line": line,
                         "test": "README example: " + what, "file": "didyoumean/readme_examples.py"})
json.dump(seen, sys.stdout)
"""


def _git(gitdir: str, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={gitdir}", *args], capture_output=True, text=True, check=True
    ).stdout


def record(gitdir: str) -> tuple[str, list[dict]]:
    commit = _git(gitdir, "rev-parse", "HEAD").strip()
    with tempfile.TemporaryDirectory(prefix="dym-") as tmp:
        for path in _git(gitdir, "ls-tree", "--name-only", "HEAD", "didyoumean/").split():
            if path.endswith(".py"):
                Path(tmp, Path(path).name).write_text(_git(gitdir, "show", f"HEAD:{path}"), encoding="utf-8")
        proc = subprocess.run([PY311, "-c", _RECORD], cwd=tmp, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"recording the tests failed:\n{proc.stderr[-3000:]}")
    return commit, json.loads(proc.stdout)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def run_as_script(code: str, timeout: float = 10.0, stdin: str | None = None) -> str | None:
    """stderr of a failing run (paths shown as the student's), None when it ran clean or hung;
    `stdin`: what the program reads (extract_qa.py's recorded input)."""
    with tempfile.TemporaryDirectory(prefix="outside-run-") as tmp:
        path = Path(tmp, "cell.py")
        path.write_text(code, encoding="utf-8")
        try:
            proc = subprocess.run(
                [PY311, "-I", str(path)],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=tmp,
                env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
                preexec_fn=_limit_memory,
            )
        except subprocess.TimeoutExpired:
            return None
        if proc.returncode == 0:
            return None
        return proc.stderr.replace(str(path), FILENAME)


def raises_expected(got: str, expected: list[str]) -> bool:
    """What the test expects: that type or a subclass (ModuleNotFoundError for ImportError…)."""
    got_cls = getattr(builtins, got, None)
    for name in expected:
        exp_cls = getattr(builtins, name, None)
        if got == name or (
            isinstance(got_cls, type) and isinstance(exp_cls, type) and issubclass(got_cls, exp_cls)
        ):
            return True
    return False


def case_row(
    prefix: str, code: str, source: str, etype: str, message: str, traceback: str, licence: str | None = None
) -> dict:
    """One case: its id and split come from the SHA-256 of the code (every 5th is holdout)."""
    digest = hashlib.sha256(code.encode()).hexdigest()
    row = {"id": f"{prefix}-{digest[:10]}", "source": source}
    if licence is not None:
        row["licence"] = licence
    row.update(code=code, error_type=etype, message=message, kind=kind_of(message), traceback=traceback)
    row["split"] = "holdout" if int(digest, 16) % 5 == 0 else "dev"
    return row


def first_per_kind(by_kind: dict[tuple[str, str], list[dict]], per_kind: int) -> list[dict]:
    """At most per_kind cases per (error type, kind), the first by id (hash); sorted by id."""
    rows = []
    for _key, group in sorted(by_kind.items()):
        group.sort(key=lambda r: r["id"])
        rows.extend(group[:per_kind])
    rows.sort(key=lambda r: r["id"])
    return rows


def write_cases(rows: list[dict], name: str) -> Path:
    """Write rows as JSON lines to HERE/name."""
    out = HERE / name
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


def tally(rows: list[dict], key=lambda r: r["error_type"]) -> str:
    """'ValueError 12, TypeError 9, …': how many rows per key, most first."""
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[key(r)] += 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def finish(rows: list[dict], name: str, kinds: int, dropped: dict[str, int], *more: str) -> int:
    """Write the cases and print what was kept: per type, any further tallies, the holdout."""
    out = write_cases(rows, name)
    print(f"{len(rows)} cases, {kinds} kinds -> {out}; dropped: {dict(dropped)}")
    for line in (tally(rows), *more):
        print("  " + line)
    print(f"  holdout {sum(r['split'] == 'holdout' for r in rows)}")
    return 0


def main(gitdir: str) -> int:
    commit, recorded = record(gitdir)
    print(f"recorded {len(recorded)} throws() snippets from {TESTS} at {commit[:7]}")
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    done: set[str] = set()
    dropped: dict[str, int] = defaultdict(int)
    for rec in recorded:
        src = rec["code"]
        if src in done or set(rec["expected"]) & SYNTAX:
            continue
        done.add(src)
        stderr = run_as_script(src)
        last = last_error(stderr) if stderr else None
        if last is None or last[0] in SYNTAX:
            dropped["no runtime error"] += 1
            continue
        etype, message = last
        if not raises_expected(etype, rec["expected"]) or (
            rec["regex"] and not re.search(rec["regex"], message)
        ):
            dropped["not what the test expects when run alone"] += 1
            continue
        source = f"{REPO}@{commit[:7]}/{rec.get('file', TESTS)}:{rec['line']} ({rec['test']})"
        row = case_row("dym", src, source, etype, message, stderr)
        by_kind[(etype, row["kind"])].append(row)
    return finish(first_per_kind(by_kind, PER_KIND), "cases_runtime.jsonl", len(by_kind), dropped)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/SylvainDe+DidYouMean-Python/repo"))
