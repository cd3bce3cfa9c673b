"""Structural figures of the tree: lines per package, and the places that name one agent.

    python benchmarks/structure.py

"Places that name an agent" counts source files outside the agent's own tutor package
that refer to it by enum member, import path or name string — each one is a place a change
to that agent may have to visit.
"""

import re
import subprocess
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("agents/learnflow_agents", "learnflow_ext", "labextension/src")
AGENTS = {
    "triage": "triage",
    "concepts": "concepts",
    "code-review": "code_review",
    "debug": "debug",
    "exercise": "exercise",
    "progress": "progress",
}


def source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *ROOTS],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [f for f in listed if f.endswith((".py", ".ts")) and (REPO / f).is_file()]


def package_of(path: str) -> str:
    parts = path.split("/")
    depth = 3 if path.startswith("agents/") else 2
    return "/".join(parts[:depth]) if len(parts) > depth else path


def naming_patterns(name: str, package: str) -> re.Pattern[str]:
    member = name.upper().replace("-", "_")
    return re.compile(
        rf"AgentName\.{member}\b|tutors\.{package}\b|tutors/{package}/|[\"']{re.escape(name)}[\"']"
    )


def main() -> None:
    files = source_files()
    lines = Counter()
    for path in files:
        lines[package_of(path)] += len((REPO / path).read_text(encoding="utf-8").splitlines())
    print("lines per package (Python and TypeScript, tests excluded):")
    for package, count in sorted(lines.items()):
        print(f"  {package:50} {count:6}")
    print(f"  {'total':50} {sum(lines.values()):6}")
    print("\nfiles outside an agent's own package that name it:")
    total = 0
    for name, package in AGENTS.items():
        pattern = naming_patterns(name, package)
        own = f"agents/learnflow_agents/tutors/{package}/"
        naming = [f for f in files if not f.startswith(own) and pattern.search((REPO / f).read_text("utf-8"))]
        total += len(naming)
        print(f"  {name:12} {len(naming):4}")
    print(f"  {'total':12} {total:4}")


if __name__ == "__main__":
    main()
