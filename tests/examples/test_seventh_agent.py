"""A seventh agent is one package and one entry point: install the example and ask it.

The example (examples/seventh_agent) is installed into a temporary directory (a real wheel
build and install, its dist-info included), and a fresh interpreter that has that directory
on its path runs the embedded engine with every agent: the registry finds the tutor through
its `learnflow.tutors` entry point, its request topic comes from its declaration, and a
query addressed to it is answered end to end (bus, runner, store) by its offline answer.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "seventh_agent"

STUDENT_CODE = '''\
def average(values, rounding):
    return round(sum(values) / len(values), rounding)
'''

SCRIPT = """
import asyncio, json, sys
from learnflow_agents.contracts import StudentQuery
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.runtime.registry import build_agents, request_topic, tutors
from learnflow_agents.settings import Settings


async def main() -> None:
    settings = Settings(bus_url="memory://", db_url=sys.argv[1], agents=["all"])
    engine = await Engine(settings).start()
    try:
        query = StudentQuery(text="are my docstrings good?", code=sys.argv[2], target_agent="docs")
        reply = await engine.ask("student-7", query, timeout=60)
        stored = await engine.replies(query.query_id)
    finally:
        await engine.stop()
    print(json.dumps({
        "tutors": list(tutors()),
        "topic": request_topic("docs"),
        "runs_alone": [a.name for a in build_agents(["docs"])],
        "reply": reply.model_dump(mode="json"),
        "stored": [r.agent for r in stored],
    }))


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(target.glob("learnflow_docs_tutor-*.dist-info")), "the install wrote no dist-info"
    return target


def test_the_example_is_not_a_tutor_until_it_is_installed() -> None:
    from learnflow_agents.runtime.registry import tutors

    assert "docs" not in tutors()


def test_an_installed_tutor_answers_through_the_embedded_engine(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'seventh.sqlite3'}", STUDENT_CODE],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,  # not the repository: the example must come from the install
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert result["tutors"][:6] == ["triage", "concepts", "code-review", "debug", "exercise", "progress"]
    assert result["tutors"][6:] == ["docs"]
    assert result["topic"] == "docs-requests"
    assert result["runs_alone"] == ["docs"]
    reply = result["reply"]
    assert reply["agent"] == "docs" and reply["provenance"]["provider"] == "offline"
    assert "`average`" in reply["summary"]
    documented = reply["code_blocks"][0]["code"]
    assert '"""TODO: say what average does.' in documented and "rounding: TODO" in documented
    compile(documented, "<documented>", "exec")
    assert result["stored"] == ["docs"]


def test_the_cli_asks_an_installed_tutor_by_name(installed: Path, tmp_path: Path) -> None:
    """`learnflow-agents ask --agent docs`: the in-process bus, so the agents run in the command."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")])}
    code = tmp_path / "cell.py"
    code.write_text(STUDENT_CODE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "learnflow_agents", "ask", "are my docstrings good?", "--agent", "docs",
         "--code", str(code), "--bus", "memory://", "--db", f"sqlite:///{tmp_path / 'cli.sqlite3'}"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-4000:] + done.stdout[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["routing"]["target_agent"] == "docs" and out["routing"]["router"] == "explicit"
    assert out["reply"]["agent"] == "docs" and "`average`" in out["reply"]["summary"]
