"""One preferences record, seen from both sides: a real `jupyter server`, a kernel it
starts, the lab's side played over HTTP (`PUT /learnflow/api/preferences`) and over the
`learnflow.commands` comm as the labextension uses it."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from jupyter_client import BlockingKernelClient

from tests.jupyter_server.test_real_server import RealServer, run, start_real_server

PREFS = "learnflow/api/preferences"
COMMANDS = ["learnflow:insert-fix-below", "learnflow:replace-cell-with-fix"]


def comm(kernel: BlockingKernelClient, msg_type: str, content: dict[str, Any]) -> None:
    """A comm message from 'the frontend' (what the labextension's kernel bridge sends)."""
    kernel.shell_channel.send(kernel.session.msg(msg_type, content))


def test_the_lab_and_the_kernel_change_the_same_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_real_server(tmp_path, monkeypatch) as server:
        # The lab saves first: the kernel started afterwards has these preferences.
        saved = server.api("PUT", PREFS, {"skill_level": "advanced", "auto_capture": False})
        assert (saved["skill_level"], saved["auto_capture"], saved["saved"]) == ("advanced", False, True)
        kernel, kernel_id = start_kernel(server)
        try:
            _, loaded = run(kernel, "%load_ext learnflow_ext")
            assert loaded["status"] == "ok"
            shown, _ = run(kernel, "%learnflow config")
            assert "skill_level     advanced" in shown and "auto_capture    off" in shown
            _, failed = run(kernel, "1 / 0")
            assert failed["ename"] == "ZeroDivisionError"
            assert server.api("GET", "learnflow/api/progress")["recent_queries"] == []  # not captured

            # The kernel saves: the API (what the lab reads) has it, the rest kept.
            out, _ = run(kernel, "%learnflow config learning_style=visual known_topics=lists,functions")
            assert "Saved for e2e-student (kept by the LearnFlow server" in out
            assert server.api("GET", PREFS) == {
                "skill_level": "advanced",
                "learning_style": "visual",
                "auto_capture": False,
                "known_topics": ["lists", "functions"],
                "saved": True,
            }

            # The lab changes it again, and tells the open kernel over the comm (no code run).
            comm_id = uuid.uuid4().hex
            comm(
                kernel,
                "comm_open",
                {
                    "comm_id": comm_id,
                    "target_name": "learnflow.commands",
                    "data": {"command": "frontend-hello", "commands": COMMANDS},
                },
            )
            pushed = server.api("PUT", PREFS, {"skill_level": "intermediate", "auto_capture": True})
            comm(
                kernel,
                "comm_msg",
                {"comm_id": comm_id, "data": {"command": "preferences", "preferences": pushed}},
            )
            out, _ = run(
                kernel,
                "from learnflow_ext.kernel.extension import current_session\n"
                "c = current_session().config\n"
                "print(c.skill_level, c.learning_style, c.auto_capture, ','.join(c.known_topics))",
            )
            assert out.split() == ["intermediate", "visual", "True", "lists,functions"]
            # A kernel's own save tells the frontend, which re-reads the API for the others.
            sent: list[dict[str, Any]] = []
            kernel.execute_interactive(
                "%learnflow config known_topics-=functions", timeout=120, output_hook=sent.append
            )
            assert {"command": "preferences-changed"} in [
                m["content"]["data"] for m in sent if m["msg_type"] == "comm_msg"
            ]
            assert server.api("GET", PREFS)["known_topics"] == ["lists"]

            # A bad value is refused by the API with its reason, and nothing changes.
            out, _ = run(kernel, "%learnflow config skill_level=wizard")
            assert "skill_level must be one of" in out
            assert server.api("GET", PREFS)["skill_level"] == "intermediate"
        finally:
            kernel.stop_channels()
            server.api("DELETE", f"api/kernels/{kernel_id}")


def start_kernel(server: RealServer) -> tuple[BlockingKernelClient, str]:
    kernel_id = server.api("POST", "api/kernels", {"name": "python3"})["id"]
    return server.kernel_client(kernel_id), kernel_id
