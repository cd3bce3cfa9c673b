"""LearnFlow for Jupyter: kernel capture, `%learnflow` magics and inline widgets.

`%load_ext learnflow_ext` (or the LearnFlow kernel spec in kernels/) loads it into a
kernel; in kernel-only mode the agents' engine runs inside the kernel. Importing this
package stays cheap: the kernel machinery is imported when the extension loads.
"""

from typing import Any

from learnflow_agents import __version__ as agents_version

__version__ = "0.1.0"
__all__ = [
    "__version__",
    "_jupyter_server_extension_points",
    "agents_version",
    "load_ipython_extension",
    "unload_ipython_extension",
]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The server extension (`jupyter server extension list` shows it as learnflow_ext)."""
    from learnflow_ext.server import LearnFlowExtension

    return [{"module": "learnflow_ext.server", "app": LearnFlowExtension}]


def load_ipython_extension(shell: Any) -> None:
    from learnflow_ext.kernel.extension import load

    load(shell)


def unload_ipython_extension(shell: Any) -> None:
    from learnflow_ext.kernel.extension import unload

    unload(shell)
