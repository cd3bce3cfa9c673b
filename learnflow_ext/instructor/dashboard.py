"""ClassDashboard: the instructor's live view of the class, as one ipywidgets app."""

import asyncio
import contextlib
import logging
import os
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets

from learnflow_ext.instructor import charts
from learnflow_ext.instructor.data import DataSource, Filters, Snapshot, take_snapshot
from learnflow_ext.instructor.export import export_csv
from learnflow_ext.instructor.render import agents_html, conversation_html, struggles_html, usage_html
from learnflow_ext.widgets.document import plural
from learnflow_ext.widgets.highlight import escape

log = logging.getLogger("learnflow.instructor")

ALL = "(all)"
TAB_TITLES = ("Errors this week", "Exercises", "Agents & cost", "Student", "Export")
STUDENT_TAB = TAB_TITLES.index("Student")
DEFAULT_INTERVAL_S = 5.0


def default_source() -> DataSource:
    """The gateway on a hub (its URL and the instructor's hub token in the environment),
    else the local store of single-user mode."""
    if os.environ.get("LEARNFLOW_GATEWAY_URL") and os.environ.get("JUPYTERHUB_API_TOKEN"):
        from learnflow_ext.instructor.gateway import GatewaySource

        return GatewaySource()
    from learnflow_ext.instructor.local import LocalStoreSource

    return LocalStoreSource()


class ClassDashboard(widgets.VBox):
    """`ClassDashboard()` in a notebook cell shows the class; it refreshes itself every
    `interval` seconds while `live` (a task on the kernel's event loop)."""

    def __init__(
        self,
        source: DataSource | None = None,
        *,
        course: str | None = None,
        interval: float = DEFAULT_INTERVAL_S,
        live: bool = True,
        export_dir: str | Path = "learnflow-export",
    ) -> None:
        self.source = source or default_source()
        self.interval = interval
        self.snapshot: Snapshot | None = None
        self._seen_alerts: set[tuple[str, datetime]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._showing: str | None = None

        self.course = widgets.Dropdown(options=[ALL], value=ALL, description="Course")
        self.group = widgets.Dropdown(options=[ALL], value=ALL, description="Group")
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.live = widgets.ToggleButton(value=False, description="Live", icon="play")
        self.status = widgets.HTML()
        self.heatmap = charts.mastery_heatmap(on_student=self.show_student)
        self.alerts = widgets.HTML()
        self.errors = charts.errors_bar()
        self.pass_rates = charts.pass_rate_bar()
        self.usage = charts.usage_bar()
        self.agents = widgets.HTML()
        self.spend = widgets.HTML()
        self.student = widgets.Dropdown(options=[], description="Student")
        self.conversation = widgets.HTML()
        self.export_dir = widgets.Text(value=str(export_dir), description="Folder")
        self.export_button = widgets.Button(description="Export CSV", icon="download")
        self.export_result = widgets.HTML()

        self.tabs = tabs = widgets.Tab(
            children=[
                widgets.VBox([self.errors]),
                widgets.VBox([self.pass_rates]),
                widgets.VBox([self.agents, self.usage, self.spend]),
                widgets.VBox([self.student, self.conversation]),
                widgets.VBox([widgets.HBox([self.export_dir, self.export_button]), self.export_result]),
            ]
        )
        for i, title in enumerate(TAB_TITLES):
            tabs.set_title(i, title)
        # Heatmap and alerts side by side when the notebook is wide, one above the other when
        # it is not (JupyterLab's default layout): each scrolls within its box, nothing is clipped.
        wrap = widgets.Layout(display="flex", flex_flow="row wrap", align_items="flex-start", width="100%")
        super().__init__(
            [
                widgets.HTML(f"<h3>LearnFlow · class dashboard</h3><small>{self.source.name}</small>"),
                widgets.HBox([self.course, self.group, self.refresh_button, self.live]),
                self.status,
                widgets.Box(
                    [
                        widgets.Box(
                            [self.heatmap],
                            layout=widgets.Layout(flex="3 1 420px", min_width="0", overflow="auto"),
                        ),
                        widgets.VBox(
                            [widgets.HTML("<b>Struggle alerts</b>"), self.alerts],
                            layout=widgets.Layout(flex="2 1 300px", max_height="600px", overflow="auto"),
                        ),
                    ],
                    layout=wrap,
                ),
                tabs,
            ]
        )
        if course:
            self.course.options = [ALL, course]
            self.course.value = course
        self.course.observe(lambda _change: self.refresh(), names="value")
        self.group.observe(lambda _change: self.refresh(), names="value")
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.live.observe(self._on_live, names="value")
        self.student.observe(lambda change: change["new"] and self.show_student(change["new"]), names="value")
        self.export_button.on_click(lambda _button: self.export())
        self.refresh()
        if live:
            self.live.value = True

    # -- data --------------------------------------------------------------------------

    @property
    def filters(self) -> Filters:
        return Filters(
            course=None if self.course.value == ALL else self.course.value,
            group=None if self.group.value == ALL else self.group.value,
        )

    def refresh(self) -> Snapshot | None:
        """Read everything now (blocking) and redraw."""
        try:
            snapshot = take_snapshot(self.source, self.filters)
        except Exception as err:  # a dashboard keeps showing the last data on a failed read
            self._failed(err)
            return None
        self.render(snapshot)
        return snapshot

    async def refresh_async(self) -> Snapshot | None:
        """Read off the kernel's loop (the store and HTTP calls block), redraw on it."""
        try:
            snapshot = await asyncio.to_thread(take_snapshot, self.source, self.filters)
        except Exception as err:
            self._failed(err)
            return None
        self.render(snapshot)
        return snapshot

    def _failed(self, err: Exception) -> None:
        log.warning("dashboard refresh failed", exc_info=err)
        self.status.value = f"<span style='color:#d73027'>Refresh failed: {type(err).__name__}: {err}</span>"

    # -- drawing -------------------------------------------------------------------------

    def render(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        view = snapshot.view
        self._set_options(self.course, view.courses)
        self._set_options(self.group, sorted(view.groups))
        charts.update_heatmap(self.heatmap, view.matrix)
        keys = {(s.student_id, s.latest_at) for s in snapshot.struggles}
        # Nothing is "new" on the first draw: only alerts arriving while the dashboard is open.
        new = set() if self._seen_alerts is None else {sid for sid, at in keys - self._seen_alerts}
        self._seen_alerts = (self._seen_alerts or set()) | keys
        self.alerts.value = struggles_html(snapshot.struggles, new)
        charts.update_errors(self.errors, snapshot.errors)
        charts.update_pass_rates(self.pass_rates, snapshot.pass_rates)
        charts.update_usage(self.usage, snapshot.agents)
        self.agents.value = agents_html(snapshot.agents)
        self.spend.value = usage_html(snapshot.usage)
        students = sorted(set(view.matrix.students) | {s.student_id for s in snapshot.struggles})
        if list(self.student.options) != students:
            current = self.student.value
            self.student.options = students
            self.student.value = current if current in students else None
        alerts = f"{len(snapshot.struggles)} struggling" + (f", {len(new)} new" if new else "")
        self.status.value = (
            f"{plural(len(view.matrix.students), 'student')} · {plural(len(view.matrix.topics), 'topic')}"
            f" · {alerts} · "
            f"updated {snapshot.taken_at:%H:%M:%S} UTC"
        )

    @staticmethod
    def _set_options(dropdown: widgets.Dropdown, values: list[str]) -> None:
        options = [ALL, *values]
        if dropdown.value not in options:
            options.append(dropdown.value)  # keep a chosen filter the data no longer lists
        if list(dropdown.options) != options:
            with dropdown.hold_trait_notifications():
                dropdown.options = options

    def show_student(self, student_id: str) -> None:
        """Drill into one student: their recent queries and the replies they received."""
        if self._showing == student_id:
            return  # the dropdown and the heatmap echo the selection back: load once
        self._showing = student_id
        try:
            if self.student.value != student_id and student_id in self.student.options:
                self.student.value = student_id
            if self.heatmap.selected != student_id:
                self.heatmap.selected = student_id
        finally:
            self._showing = None
        # A click on the heatmap shows the student at once (or why they cannot be shown).
        self.tabs.selected_index = STUDENT_TAB
        try:
            items = self.source.student_queries(student_id)
        except Exception as err:
            self.conversation.value = (
                f"<span style='color:#d73027'>Could not load {escape(student_id)}: "
                f"{escape(type(err).__name__)}: {escape(str(err)[:300])}</span>"
            )
            return
        self.conversation.value = conversation_html(student_id, items)

    def export(self, directory: str | Path | None = None) -> list[Path]:
        snapshot = self.snapshot or self.refresh()
        if snapshot is None:
            return []
        paths = export_csv(snapshot, directory or self.export_dir.value)
        self.export_result.value = "Wrote " + ", ".join(f"<code>{p}</code>" for p in paths)
        return paths

    # -- live updates ----------------------------------------------------------------------

    def _on_live(self, change: dict[str, object]) -> None:
        if change["new"]:
            self.start()
        else:
            self.stop()

    def start(self) -> bool:
        """Poll on the running event loop (the kernel's); False where there is none."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.live.value = False
            return False
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._poll())
        return True

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.live.value:
            self.live.value = False

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.refresh_async()

    def close(self) -> None:
        self.stop()
        with contextlib.suppress(Exception):
            self.source.close()
        super().close()
