"""A real Jupyter server (pytest-jupyter) with LearnFlow enabled, per test.

pytest-jupyter runs un-marked coroutine tests on the server's own event loop. A test
marked `@pytest.mark.asyncio` would run on pytest-asyncio's loop instead, where the
server never answers and `jp_fetch` hangs until its timeout: such marks are refused
here so the mistake fails at once. pytest-asyncio stays in strict mode, which leaves
un-marked tests to pytest-jupyter.
"""

from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403

from learnflow_ext.server import LearnFlowExtension

OWNER = "owner-student"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents and item.get_closest_marker("asyncio"):
            raise pytest.UsageError(
                f"{item.nodeid}: don't mark jp_fetch tests asyncio (they hang); pytest-jupyter runs them"
            )


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'learnflow.sqlite3'}"


@pytest.fixture
def jp_server_config(db_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    # The provider is read when the server starts: no key here means the offline tutors.
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("LEARNFLOW_LLM_ANTHROPIC_API_KEY", raising=False)
    return {
        "ServerApp": {"jpserver_extensions": {"learnflow_ext": True}, "allow_root": True},
        "LearnFlowExtension": {"db_url": db_url, "student_id": OWNER},
    }


@pytest.fixture
def learnflow(jp_serverapp: Any) -> LearnFlowExtension:
    return jp_serverapp.web_app.settings["learnflow_app"]
