"""How heavy the instructor dashboard is to open: bytes per open and time to first view.

Seeds a local store with a class (default 60 students x 15 topics of mastery, exercise
attempts, struggle alerts with several alerts per student, debug replies with error types,
live and stale agent heartbeats), creates the shipped dashboard notebook
(`learnflow instructor-dashboard`), executes it with nbclient in a fresh python3 kernel,
saves it with its widget state (what Jupyter stores, and what a browser receives on open),
and prints:

* the saved notebook's bytes and the widget state's bytes (the ipywidgets models: every
  chart's data and, for plotly, its JavaScript bundle);
* the time to execute the dashboard cell (the kernel's side of the first view) and the
  whole notebook, kernel start included.

    python benchmarks/dashboard_weight.py [--students 60] [--topics 15] [--keep DIR] [--browser]

With ``--browser`` it also starts ``jupyter lab`` on the seeded store and, in Chromium through
Playwright (the labextension's node_modules), times "run the dashboard cell" -> "heatmap
drawn" and counts the bytes the kernel's websocket delivered meanwhile.

Targets (issue 18): < 2 MB per open, < 3 s to first view. Exit status 1 if over.

To measure another version of the dashboard, put its package first on the kernel's path:
``git archive <commit> learnflow_ext | tar -x -C /tmp/old`` then ``PYTHONPATH=/tmp/old python
benchmarks/dashboard_weight.py``. On 2 shared cores (60 students x 15 topics), plotly charts
(093f883): 20,461,112 bytes saved, 20,399,241 of widget state, dashboard cell 2.7-7.6 s, in
the browser 9.0-19.8 s to the heatmap and 20.5 MB over the websocket; HTML charts and one
anywidget heatmap: 127,221 bytes saved, 93,596 of widget state, 0.6-2.6 s, in the browser
0.9-1.4 s and 150 KB.
"""

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import nbformat
import sqlalchemy as sa
from learnflow_agents.contracts import AgentReply, StruggleAlert, StruggleLevel, StudentQuery
from learnflow_agents.contracts.reply import Provenance
from learnflow_agents.store import Store
from learnflow_agents.store.base import utc_now
from learnflow_agents.store.schema import agent_heartbeats, queries, replies
from nbclient import NotebookClient

from learnflow_ext.instructor import cli

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
TOPICS = [
    "variables", "numbers", "strings", "f-strings", "indexing", "slicing", "lists", "tuples", "dicts",
    "sets", "conditionals", "boolean-logic", "for-loops", "while-loops", "functions", "parameters",
    "return-values", "scope", "recursion", "comprehensions",
]  # fmt: skip
ERRORS = ["NameError", "TypeError", "IndexError", "KeyError", "AttributeError", "ValueError", "SyntaxError"]
AGENTS = ["triage", "concepts", "code-review", "debug", "exercise", "progress"]
TARGET_BYTES = 2_000_000
TARGET_SECONDS = 3.0


def _reply(query_id: uuid.UUID, error_type: str) -> dict:
    """A debug reply as the agents store it (the drill-down reads it back as an AgentReply)."""
    reply = AgentReply(
        query_id=query_id,
        agent="debug",
        summary=f"{error_type}: the list has no item at that index",
        explanation="`x[3]` asks for the fourth item of a one-item list. " * 8,
        provenance=Provenance(agent="debug", provider="offline"),
        data={"error_type": error_type},
    )
    return reply.model_dump(mode="json")


def seed(url: str, students: int, topics: int, seed_value: int = 18) -> None:
    rng = random.Random(seed_value)
    store = Store.open(url, upgrade=True)
    names = [f"student{n:03d}" for n in range(students)]
    chosen = TOPICS[:topics]
    try:
        for index, name in enumerate(names):
            course = "py101" if index % 3 else "py202"
            for _ in range(2):
                query = StudentQuery(text="why does this fail?", code="x = [1]\nx[3]\n", course_id=course)
                store.submit_query(name, uuid.uuid4().hex, query)
            for topic in chosen:
                if rng.random() < 0.85:
                    store.upsert_mastery(name, topic, round(rng.random(), 3), evidence=rng.randint(1, 6))
            for exercise in ("sum-of-evens", "remove-all", "can-ride", "swap-two-values"):
                for _ in range(rng.randint(0, 3)):
                    store.record_attempt(name, exercise, "lists", passed=rng.random() < 0.5)
            if rng.random() < 0.3:
                for alert in range(rng.randint(1, 3)):
                    store.record_struggle(
                        name,
                        StruggleAlert(
                            topic=rng.choice(chosen),
                            struggle_level=rng.choice(list(StruggleLevel)),
                            score=round(rng.random(), 2),
                            evidence=[f"alert {alert}: {rng.randint(2, 6)} failed attempts on can-ride"],
                            recommendation="pair them with a mentor for 10 minutes",
                        ),
                    )
        with store._engine.begin() as conn:
            query_ids = {}
            for row in conn.execute(sa.select(queries.c.query_id, queries.c.student_id)):
                query_ids.setdefault(row.student_id, []).append(row.query_id)
            now = utc_now()
            conn.execute(
                sa.insert(replies),
                [
                    {
                        "reply_id": uuid.uuid4(),
                        "query_id": qid,
                        "agent": "debug",
                        "student_id": sid,
                        "reply": _reply(qid, rng.choice(ERRORS)),
                        "provider": "offline",
                        "latency_ms": 12.0,
                        "created_at": now - timedelta(hours=rng.randint(1, 100)),
                    }
                    for sid, qids in query_ids.items()
                    for qid in qids
                ],
            )
        for agent in AGENTS:
            llm = {"provider": "claude", "tokens": {"in": rng.randint(0, 9000), "out": rng.randint(0, 3000)}}
            store.heartbeat(agent, "pod-live", {"handled": rng.randint(10, 500), "lag": 0, "llm": llm})
            for old in range(12 if agent == "debug" else 2):  # restarts leave stale instances behind
                store.heartbeat(agent, f"pod-old-{old}", {"handled": 3})
        with store._engine.begin() as conn:
            conn.execute(
                sa.update(agent_heartbeats)
                .where(agent_heartbeats.c.instance != "pod-live")
                .values(seen_at=utc_now() - timedelta(days=2))
            )
    finally:
        store.close()


def _seconds(cell: nbformat.NotebookNode) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return float("nan")
    from datetime import datetime

    began, ended = datetime.fromisoformat(start.rstrip("Z")), datetime.fromisoformat(end.rstrip("Z"))
    return (ended - began).total_seconds()


def measure(url: str, workdir: Path) -> dict[str, float]:
    path = workdir / "dashboard.ipynb"
    cli.create_dashboard(path, force=True)
    notebook = nbformat.read(path, as_version=4)
    import os

    os.environ["LEARNFLOW_DB_URL"] = url
    os.environ.pop("LEARNFLOW_GATEWAY_URL", None)
    started = time.perf_counter()
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(workdir)}},
        store_widget_state=True,
        record_timing=True,
    )
    client.execute()
    total = time.perf_counter() - started
    nbformat.write(notebook, path)
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    code = [c for c in notebook.cells if c.cell_type == "code"]
    return {
        "notebook_bytes": path.stat().st_size,
        "widget_state_bytes": len(json.dumps(state)),
        "widget_models": len(state.get("state", {})),
        "first_view_s": _seconds(code[0]),
        "total_s": total,
    }


# Chromium through Playwright (the labextension's dev dependency): open the notebook in JupyterLab,
# run the dashboard cell, wait until the heatmap is drawn (the HTML table, or plotly's for older
# versions); bytes are what the kernel's websocket delivered meanwhile.
_BROWSER_JS = r"""
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const [, , url] = process.argv;
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  let bytes = 0;
  page.on('websocket', (ws) => ws.on('framereceived', (f) => { bytes += (f.payload || '').length; }));
  await page.goto(url);
  await page.waitForSelector('.jp-Notebook .jp-Cell', { timeout: 120000 });
  await page.waitForTimeout(3000);
  await page.locator('.jp-Notebook .jp-Cell').nth(1).click();
  await page.keyboard.press('Escape');
  const before = bytes, started = Date.now();
  await page.keyboard.press('Shift+Enter');
  await page.waitForSelector('.lf-heatmap table, .js-plotly-plot', { timeout: 180000, state: 'visible' });
  console.log(JSON.stringify({ first_view_ms: Date.now() - started, bytes: bytes - before }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
"""


def measure_browser(url: str, workdir: Path) -> dict[str, float]:
    """Time to first view and bytes per open in JupyterLab on Chromium (needs node and the
    labextension's node_modules: `cd labextension && jlpm install`)."""
    import os
    import shutil
    import socket
    import subprocess

    repo = Path(__file__).resolve().parent.parent
    core = repo / "labextension" / "node_modules" / "playwright-core"
    if not core.is_dir() or shutil.which("node") is None:
        raise SystemExit(f"--browser needs node and {core} (cd labextension && jlpm install)")
    lab = workdir / "lab"
    (lab / "nb").mkdir(parents=True, exist_ok=True)
    cli.create_dashboard(lab / "nb" / "dashboard.ipynb", force=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        LEARNFLOW_DB_URL=url,
        JUPYTERLAB_WORKSPACES_DIR=str(lab / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(lab / "settings"),
        JUPYTER_RUNTIME_DIR=str(lab / "runtime"),
        PLAYWRIGHT_CORE=str(core),
    )
    env.pop("LEARNFLOW_GATEWAY_URL", None)
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}"]
    command += ["--ServerApp.token=bench", f"--notebook-dir={lab / 'nb'}", "--allow-root"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import urllib.request

        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=bench", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        script = lab / "first_view.js"
        script.write_text(_BROWSER_JS, encoding="utf-8")
        page = f"http://127.0.0.1:{port}/lab/workspaces/bench/tree/dashboard.ipynb?reset&token=bench"
        done = subprocess.run(
            ["node", str(script), page], env=env, capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise SystemExit(f"browser run failed: {done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return {"browser_first_view_s": result["first_view_ms"] / 1000, "browser_bytes": result["bytes"]}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--topics", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="keep the store and the executed notebook here")
    parser.add_argument(
        "--browser", action="store_true", help="also open it in JupyterLab on Chromium (node + Playwright)"
    )
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="learnflow-dashboard-weight-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'class.sqlite3'}"
    if (workdir / "class.sqlite3").exists():
        (workdir / "class.sqlite3").unlink()
    seed(url, args.students, args.topics)
    result = measure(url, workdir)
    print(f"class: {args.students} students x {args.topics} topics (store {workdir / 'class.sqlite3'})")
    print(f"saved notebook:     {result['notebook_bytes']:>12,} bytes")
    models = f"{result['widget_models']:.0f} models"
    print(f"widget state:       {result['widget_state_bytes']:>12,} bytes in {models}")
    print(f"dashboard cell:     {result['first_view_s']:>12.2f} s  (kernel side of the first view)")
    print(f"whole notebook:     {result['total_s']:>12.2f} s  (kernel start included)")
    ok = result["widget_state_bytes"] < TARGET_BYTES and result["first_view_s"] < TARGET_SECONDS
    if args.browser:
        browser = measure_browser(url, workdir)
        print(
            f"browser first view: {browser['browser_first_view_s']:>12.2f} s  (run the cell -> heatmap drawn)"
        )
        print(f"browser received:   {browser['browser_bytes']:>12,} bytes over the kernel websocket")
        ok = (
            ok
            and browser["browser_first_view_s"] < TARGET_SECONDS
            and browser["browser_bytes"] < TARGET_BYTES
        )
    verdict = "met" if ok else "NOT met"
    print(f"targets: < {TARGET_BYTES:,} bytes of widget state, < {TARGET_SECONDS} s: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
