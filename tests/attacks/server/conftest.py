"""Attack tests against a real Jupyter server hosting the engine (pytest-jupyter), with the
fixtures of tests/jupyter_server reused as they are."""

from tests.jupyter_server.conftest import *  # noqa: F403
