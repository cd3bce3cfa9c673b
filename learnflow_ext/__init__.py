"""LearnFlow for Jupyter: the server extension, kernel capture and widgets (coming).

For now this package only proves the distribution layout: it depends on
`learnflow_agents` for the embedded engine.
"""

from learnflow_agents import __version__ as agents_version

__version__ = "0.1.0"
__all__ = ["__version__", "agents_version"]
