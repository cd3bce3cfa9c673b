"""A second outside set: real beginners' programs, not written here.

Source: github.com/prasanna08/code-classifier-dataset (commit 6a4010e), ``dataset.json`` —
about 11,600 distinct answers that learners typed into Oppia's "Project Euler 1" exploration
(sum the multiples of 3 or 5 below 1000), collected for Oppia's code classifier. Many were
written for Python 2, as the exploration taught it; under Python 3.11 they fail the way a
beginner's code fails today.

Nothing is executed outside the sandbox:
  * every program is only *compiled* by CPython 3.11 in a child process; a SyntaxError (or
    IndentationError/TabError) is stored with the traceback CPython formats for it;
  * programs that compile are run only in LearnFlow's sandbox (``run_cell``: namespaces, no
    network, seccomp, rlimits), and only when the fix verifier's static check calls them safe
    (no imports beyond harmless stdlib modules, no input/open/eval); an exception there is
    stored with its real traceback.
At most PER_KIND cases are kept per message kind (chosen by a hash of the code), so Python 2
``print`` statements do not swamp the set.

    .venv/bin/python benchmarks/data/outside_debug/extract_oppia.py /path/to/dataset.json
    # writes cases_oppia.jsonl next to this file
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "agents"))
sys.path.insert(0, str(HERE))

from extract_runtime import case_row, first_per_kind, tally, write_cases  # noqa: E402
from learnflow_agents.tutors.debug.fix_verifier import is_safe_to_run  # noqa: E402
from learnflow_agents.tutors.debug.sandbox import run_cell  # noqa: E402

PY311 = "/root/.pyenv/versions/3.11.7/bin/python3.11"
SOURCE = "github:prasanna08/code-classifier-dataset@6a4010e:dataset.json (Oppia learners, Project Euler 1)"
PER_KIND = 25
FILENAME = "/home/student/cell.py"

_COMPILE = r"""
import json, sys, traceback, warnings
warnings.simplefilter("ignore")
out = []
for src in json.load(sys.stdin):
    try:
        compile(src, FILENAME, "exec", dont_inherit=True)
        out.append(None)
    except SyntaxError as exc:
        out.append("".join(traceback.format_exception_only(type(exc), exc)))
    except Exception:
        out.append(None)
json.dump(out, sys.stdout)
""".replace("FILENAME", repr(FILENAME))


def main(path: str) -> int:
    programs = sorted(json.loads(Path(path).read_text(encoding="utf-8"))["rules_stats"])
    programs = [p for p in programs if p.strip() and len(p) <= 2000]
    proc = subprocess.run(
        [PY311, "-S", "-c", _COMPILE], input=json.dumps(programs), capture_output=True, text=True, check=True
    )
    compiled = json.loads(proc.stdout)
    by_kind: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for src, tb in zip(programs, compiled, strict=True):
        if tb is not None:
            last = tb.rstrip().splitlines()[-1]
            etype, _, message = last.partition(": ")
            traceback = tb
        else:
            if not is_safe_to_run(src)[0]:
                continue
            result = run_cell(src, timeout=3.0)
            if not result.completed or result.error_type is None:
                continue
            etype, message = result.error_type, result.message
            traceback = result.traceback.replace('"<cell>"', f'"{FILENAME}"')
            traceback = (
                "Traceback (most recent call last):\n" + traceback.split("\n", 1)[1]
                if traceback.startswith("Traceback")
                else traceback
            )
        row = case_row("opp", src, SOURCE, etype.split(".")[-1], message, traceback)
        by_kind[(row["error_type"], row["kind"])].append(row)
    rows = first_per_kind(by_kind, PER_KIND)
    out = write_cases(rows, "cases_oppia.jsonl")
    print(f"{len(rows)} cases from {len(programs)} programs, {len(by_kind)} kinds -> {out}")
    print("  " + tally(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
