"""The dashboard's charts, light enough to open through a hub proxy.

No plotly: each plotly FigureWidget carried the ~5 MB plotly.js bundle in its widget state
(four charts, ~20 MB per open and per saved notebook). Here:

* the mastery heatmap is one small anywidget (a few KB of ES module, the numbers as a
  list of lists): an HTML table that scrolls inside the notebook's width instead of being
  clipped, whose cells and row names are clickable (``selected`` syncs the student back);
* the bar charts are plain HTML (``ipywidgets.HTML``): CSS bars, no script at all.

Every chart keeps what it shows as plain Python attributes (``students``, ``labels``,
``values``...), so tests and exports read the data, not the markup.
"""

from collections.abc import Callable, Sequence

import anywidget
import ipywidgets as widgets
import traitlets

from learnflow_ext.instructor.data import AgentStatus, ErrorCount, ExercisePassRate, MasteryMatrix
from learnflow_ext.widgets.document import plural
from learnflow_ext.widgets.highlight import escape

_HEATMAP_ESM = """
const STOPS = [[0, [215, 48, 39]], [0.5, [254, 224, 139]], [0.95, [26, 152, 80]], [1, [0, 104, 55]]];
function colour(v) {
  if (v === null || v === undefined) return "transparent";
  v = Math.min(1, Math.max(0, v));
  for (let i = 1; i < STOPS.length; i++) {
    const [hi, b] = STOPS[i], [lo, a] = STOPS[i - 1];
    if (v <= hi) {
      const t = hi > lo ? (v - lo) / (hi - lo) : 0;
      return "rgb(" + a.map((x, k) => Math.round(x + (b[k] - x) * t)).join(",") + ")";
    }
  }
  return "rgb(0,104,55)";
}
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "lf-heatmap";
  // Scrolls inside the cell's width and a bounded height: never clipped by the notebook layout.
  box.style.cssText = "max-width:100%;max-height:560px;overflow:auto;font:12px sans-serif";
  el.appendChild(box);
  function draw() {
    const students = model.get("students"), topics = model.get("topics"), z = model.get("z");
    const selected = model.get("selected");
    box.replaceChildren();
    const title = document.createElement("div");
    title.textContent = model.get("title");
    title.style.cssText = "font-weight:bold;margin:4px 0";
    box.appendChild(title);
    if (!students.length) {
      const empty = document.createElement("i");
      empty.textContent = "No mastery data yet.";
      box.appendChild(empty);
      return;
    }
    const table = document.createElement("table");
    table.style.cssText = "border-collapse:collapse";
    const head = table.createTHead().insertRow();
    const corner = document.createElement("th");
    corner.style.cssText = "position:sticky;top:0;left:0;background:var(--jp-layout-color0,#fff);z-index:2";
    head.appendChild(corner);
    for (const topic of topics) {
      const th = document.createElement("th");
      th.textContent = topic;
      th.title = topic;
      th.style.cssText = "position:sticky;top:0;background:var(--jp-layout-color0,#fff);writing-mode:" +
        "vertical-rl;transform:rotate(180deg);font-weight:normal;padding:2px;height:90px;text-align:left";
      head.appendChild(th);
    }
    const body = table.createTBody();
    students.forEach((student, i) => {
      const row = body.insertRow();
      const name = document.createElement("th");
      name.textContent = student;
      name.style.cssText = "position:sticky;left:0;background:var(--jp-layout-color0,#fff);" +
        "text-align:right;padding:0 6px;cursor:pointer;white-space:nowrap;font-weight:" +
        (student === selected ? "bold" : "normal");
      name.addEventListener("click", () => pick(student));
      row.appendChild(name);
      topics.forEach((topic, j) => {
        const v = (z[i] || [])[j];
        const td = row.insertCell();
        td.style.cssText = "width:22px;height:18px;cursor:pointer;border:1px solid " +
          (student === selected ? "#333" : "var(--jp-layout-color0,#fff)") + ";background:" + colour(v);
        const shown = v === null || v === undefined ? "no evidence" : v.toFixed(2);
        td.title = student + " · " + topic + ": " + shown;
        td.addEventListener("click", () => pick(student));
      });
    });
    box.appendChild(table);
  }
  function pick(student) {
    model.set("selected", student);
    model.save_changes();
  }
  model.on("change:students", draw);
  model.on("change:z", draw);
  model.on("change:selected", draw);
  draw();
}
export default { render };
"""


class MasteryHeatmap(anywidget.AnyWidget):
    """Students × topics; clicking a cell or a name sets ``selected`` (and calls ``on_student``)."""

    _esm = traitlets.Unicode(_HEATMAP_ESM).tag(sync=True)
    title = traitlets.Unicode("Class mastery (students × topics) · click a student").tag(sync=True)
    students = traitlets.List(traitlets.Unicode()).tag(sync=True)
    topics = traitlets.List(traitlets.Unicode()).tag(sync=True)
    z = traitlets.List().tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(self, on_student: Callable[[str], None] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.layout = widgets.Layout(width="100%", min_width="0")
        if on_student is not None:
            self.observe(lambda change: change["new"] and on_student(change["new"]), names="selected")


def mastery_heatmap(on_student: Callable[[str], None] | None = None) -> MasteryHeatmap:
    return MasteryHeatmap(on_student)


def update_heatmap(figure: MasteryHeatmap, matrix: MasteryMatrix) -> None:
    z = [[matrix.value(s, t) for t in matrix.topics] for s in matrix.students]
    with figure.hold_sync():
        figure.topics = list(matrix.topics)
        figure.students = list(matrix.students)
        figure.z = z


# --- bars: plain HTML ----------------------------------------------------------------------


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.0%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


class BarChart(widgets.HTML):
    """Horizontal bars as HTML; ``series`` maps a series name to its values (stacked)."""

    def __init__(
        self,
        title: str,
        colours: Sequence[str],
        series_names: Sequence[str] = ("value",),
        *,
        axis: str = "",
        percent: bool = False,
        empty: str = "Nothing yet.",
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        self.title, self.colours, self.axis, self.percent, self.empty = title, colours, axis, percent, empty
        self.labels: list[str] = []
        self.series: dict[str, list[float]] = {name: [] for name in series_names}
        self.texts: list[str] = []
        self.update([], {name: [] for name in series_names})

    @property
    def values(self) -> list[float]:
        """The first series (the only one of a simple bar chart)."""
        return next(iter(self.series.values()))

    def update(
        self, labels: list[str], series: dict[str, list[float]], texts: list[str] | None = None
    ) -> None:
        self.labels, self.series, self.texts = (
            list(labels),
            {k: list(v) for k, v in series.items()},
            texts or [],
        )
        self.value = self._html()

    def _html(self) -> str:
        head = f"<div style='font-weight:bold;margin:4px 0'>{escape(self.title)}</div>"
        if not self.labels:
            return head + f"<p><i>{escape(self.empty)}</i></p>"
        totals = [sum(values[i] for values in self.series.values()) for i in range(len(self.labels))]
        scale = 1.0 if self.percent else max(max(totals), 1e-9)
        legend = ""
        if len(self.series) > 1:
            legend = (
                "<div style='margin:2px 0 6px'>"
                + " ".join(
                    f"<span style='display:inline-block;width:10px;height:10px;background:{c}'></span>"
                    f" {escape(n)}"
                    for n, c in zip(self.series, self.colours, strict=False)
                )
                + "</div>"
            )
        rows = []
        for i, label in enumerate(self.labels):
            parts = []
            for (name, values), colour in zip(self.series.items(), self.colours, strict=False):
                width = 100 * max(0.0, values[i]) / scale
                tip = f"{label} · {name}: {_number(values[i], self.percent)}"
                parts.append(
                    f"<div title='{escape(tip)}' "
                    f"style='height:14px;width:{width:.2f}%;background:{colour}'></div>"
                )
            note = f" · {escape(self.texts[i])}" if i < len(self.texts) and self.texts[i] else ""
            rows.append(
                "<tr>"
                f"<td style='text-align:right;padding:1px 8px;white-space:nowrap'>{escape(label)}</td>"
                "<td style='width:60%;padding:1px 0'><div style='display:flex;background:#f3f3f3'>"
                f"{''.join(parts)}</div></td>"
                "<td style='padding:1px 8px;white-space:nowrap'>"
                f"{_number(totals[i], self.percent)}{note}</td>"
                "</tr>"
            )
        axis = f"<div style='color:#777;font-size:90%'>{escape(self.axis)}</div>" if self.axis else ""
        return (
            head
            + legend
            + f"<table style='width:100%;border-collapse:collapse'>{''.join(rows)}</table>"
            + axis
        )


def errors_bar() -> BarChart:
    return BarChart(
        "Most frequent errors this week", ["#d73027"], axis="occurrences", empty="No errors this week."
    )


def update_errors(figure: BarChart, errors: list[ErrorCount]) -> None:
    figure.update(
        [e.error_type for e in errors],
        {"occurrences": [e.occurrences for e in errors]},
        [plural(e.students, "student") for e in errors],
    )


def pass_rate_bar() -> BarChart:
    return BarChart(
        "Pass rate per exercise (hardest first)",
        ["#4575b4"],
        axis="passing attempts",
        percent=True,
        empty="No exercise attempts this week.",
    )


def update_pass_rates(figure: BarChart, rates: list[ExercisePassRate]) -> None:
    figure.update(
        [r.exercise_id for r in rates],
        {"pass rate": [r.pass_rate for r in rates]},
        [
            f"{r.passed}/{plural(r.attempts, 'attempt')} · solved by {r.students_passed}/"
            f"{plural(r.students, 'student')}"
            for r in rates
        ],
    )


def usage_bar() -> BarChart:
    return BarChart(
        "LLM tokens per agent",
        ["#91bfdb", "#4575b4"],
        ("tokens in", "tokens out"),
        empty="No agent has reported yet.",
    )


def update_usage(figure: BarChart, agents: list[AgentStatus]) -> None:
    figure.update(
        [a.agent for a in agents],
        {"tokens in": [a.tokens_in for a in agents], "tokens out": [a.tokens_out for a in agents]},
        [f"${a.cost_usd:.4f}" for a in agents],
    )
