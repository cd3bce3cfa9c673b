"""`%load_ext learnflow_ext`: wire capture, magics and the client into this kernel."""

import logging
from logging.handlers import RotatingFileHandler

from IPython.core.interactiveshell import InteractiveShell

from learnflow_ext.client.factory import create_client
from learnflow_ext.config import LearnFlow, learnflow_data_dir
from learnflow_ext.kernel.magics import LearnFlowMagics
from learnflow_ext.kernel.session import KernelSession
from learnflow_ext.widgets.card import FeedbackCard

_sessions: dict[int, KernelSession] = {}


def current_session(shell: InteractiveShell | None = None) -> KernelSession | None:
    shell = shell or InteractiveShell.instance()
    return _sessions.get(id(shell))


def load(shell: InteractiveShell) -> KernelSession:
    existing = _sessions.get(id(shell))
    if existing is not None:
        return existing
    _log_to_file()
    config = LearnFlow(parent=shell)
    client = create_client(config)
    session = KernelSession(shell, config, client)
    # Without a kernel (terminal IPython) there is no frontend to update a display in place.
    FeedbackCard.live = getattr(shell, "kernel", None) is not None
    session.install()
    shell.register_magics(LearnFlowMagics(shell, session))
    client.start()  # the engine starts in the background; the kernel is usable at once
    _sessions[id(shell)] = session
    return session


def unload(shell: InteractiveShell) -> None:
    session = _sessions.pop(id(shell), None)
    if session is not None:
        session.uninstall()


def _log_to_file() -> None:
    # The engine's log lines would otherwise land in whatever cell runs when they happen.
    logger = logging.getLogger("learnflow")
    if logger.handlers:
        return
    directory = learnflow_data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(
            directory / "kernel.log", maxBytes=1_000_000, backupCount=2
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
