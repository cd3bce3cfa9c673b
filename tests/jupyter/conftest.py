"""Every kernel test gets its own Jupyter data dir, database and IPython profile."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from learnflow_agents.store import QueryRecord, Store

from tests.jupyter.notebooks import REPO

STUDENT = "test-student"


@dataclass
class JupyterSandbox:
    root: Path
    data_dir: Path
    db_url: str
    workdir: Path

    def queries(self) -> list[QueryRecord]:
        """What the kernel sent, oldest first (read from the store it wrote to)."""
        store = Store.open(self.db_url, upgrade=True)
        try:
            return list(reversed(store.recent_queries(STUDENT, limit=500)))
        finally:
            store.close()


@pytest.fixture
def jupyter_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[JupyterSandbox]:
    yield from _sandbox(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def module_jupyter_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterSandbox]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _sandbox(tmp_path_factory.mktemp("jupyter"), monkeypatch)


def _sandbox(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[JupyterSandbox]:
    data_dir = root / "data"
    workdir = root / "work"
    workdir.mkdir()
    db_url = f"sqlite:///{root / 'learnflow.sqlite3'}"
    # Kernels inherit this environment: nothing touches the user's real Jupyter files.
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(root / "config"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(root / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(root / "ipython"))
    monkeypatch.setenv("LEARNFLOW_DB_URL", db_url)
    monkeypatch.setenv("LEARNFLOW_STUDENT_ID", STUDENT)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    # The echo fixture lives in tests/, importable in the kernel from the repo root.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    yield JupyterSandbox(root=root, data_dir=data_dir, db_url=db_url, workdir=workdir)
