"""The instructor dashboard: `from learnflow_ext.instructor import ClassDashboard; ClassDashboard()`.

It reads the local store in single-user mode and the LearnFlow gateway on a hub.
"""

from learnflow_ext.instructor.data import DataSource, Filters, Snapshot, take_snapshot
from learnflow_ext.instructor.export import export_csv

__all__ = [
    "ClassDashboard",
    "DataSource",
    "Filters",
    "GatewaySource",
    "LocalStoreSource",
    "Snapshot",
    "export_csv",
    "take_snapshot",
]


def __getattr__(name: str) -> object:
    # ipywidgets and anywidget load only when the dashboard itself is used.
    if name == "ClassDashboard":
        from learnflow_ext.instructor.dashboard import ClassDashboard

        return ClassDashboard
    if name == "LocalStoreSource":
        from learnflow_ext.instructor.local import LocalStoreSource

        return LocalStoreSource
    if name == "GatewaySource":
        from learnflow_ext.instructor.gateway import GatewaySource

        return GatewaySource
    raise AttributeError(name)
