"""The dashboard's plots: plotly FigureWidgets (anywidget-based, no frontend build), updated
in place on every refresh so a live dashboard does not flicker or lose zoom."""

from collections.abc import Callable

import plotly.graph_objects as go

from learnflow_ext.instructor.data import AgentStatus, ErrorCount, ExercisePassRate, MasteryMatrix

HEIGHT = 360
# Red (not yet) to green (mastered); a missing cell (no evidence) stays blank.
MASTERY_SCALE = [[0.0, "#d73027"], [0.5, "#fee08b"], [0.95, "#1a9850"], [1.0, "#006837"]]


def _figure(title: str, trace: go.Heatmap | go.Bar, **layout: object) -> go.FigureWidget:
    figure = go.FigureWidget(data=[trace])
    figure.update_layout(title=title, height=HEIGHT, margin={"l": 140, "r": 20, "t": 50, "b": 60}, **layout)
    return figure


def mastery_heatmap(on_student: Callable[[str], None] | None = None) -> go.FigureWidget:
    figure = _figure(
        "Class mastery (students × topics)",
        go.Heatmap(
            z=[],
            x=[],
            y=[],
            zmin=0,
            zmax=1,
            colorscale=MASTERY_SCALE,
            hoverongaps=False,
            colorbar={"title": "P(mastery)"},
            hovertemplate="%{y} · %{x}: %{z:.2f}<extra></extra>",
        ),
        xaxis={"tickangle": -40},
        yaxis={"autorange": "reversed"},
    )
    if on_student is not None:
        # Clicking a student's row opens their conversation log.
        figure.data[0].on_click(lambda _trace, points, _state: points.ys and on_student(str(points.ys[0])))
    return figure


def update_heatmap(figure: go.FigureWidget, matrix: MasteryMatrix) -> None:
    z = [[matrix.value(s, t) for t in matrix.topics] for s in matrix.students]
    with figure.batch_update():
        figure.data[0].x = matrix.topics
        figure.data[0].y = matrix.students
        figure.data[0].z = z
        figure.layout.height = max(HEIGHT, 120 + 22 * len(matrix.students))


def errors_bar() -> go.FigureWidget:
    return _figure(
        "Most frequent errors this week",
        go.Bar(
            x=[],
            y=[],
            orientation="h",
            marker_color="#d73027",
            hovertemplate="%{y}: %{x} times<extra></extra>",
        ),
        xaxis={"title": "occurrences"},
        yaxis={"autorange": "reversed"},
    )


def update_errors(figure: go.FigureWidget, errors: list[ErrorCount]) -> None:
    with figure.batch_update():
        figure.data[0].y = [e.error_type for e in errors]
        figure.data[0].x = [e.occurrences for e in errors]
        figure.data[0].text = [f"{e.students} students" for e in errors]


def pass_rate_bar() -> go.FigureWidget:
    return _figure(
        "Pass rate per exercise (hardest first)",
        go.Bar(
            x=[],
            y=[],
            orientation="h",
            marker_color="#4575b4",
            hovertemplate="%{y}: %{x:.0%}<br>%{text}<extra></extra>",
        ),
        xaxis={"title": "passing attempts", "range": [0, 1], "tickformat": ".0%"},
        yaxis={"autorange": "reversed"},
    )


def update_pass_rates(figure: go.FigureWidget, rates: list[ExercisePassRate]) -> None:
    with figure.batch_update():
        figure.data[0].y = [r.exercise_id for r in rates]
        figure.data[0].x = [r.pass_rate for r in rates]
        figure.data[0].text = [
            f"{r.passed}/{r.attempts} attempts · solved by {r.students_passed}/{r.students} students"
            for r in rates
        ]


def usage_bar() -> go.FigureWidget:
    figure = go.FigureWidget(
        data=[
            go.Bar(name="tokens in", x=[], y=[], marker_color="#91bfdb"),
            go.Bar(name="tokens out", x=[], y=[], marker_color="#4575b4"),
        ]
    )
    figure.update_layout(
        title="LLM tokens per agent",
        barmode="stack",
        height=HEIGHT,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
    )
    return figure


def update_usage(figure: go.FigureWidget, agents: list[AgentStatus]) -> None:
    names = [a.agent for a in agents]
    with figure.batch_update():
        figure.data[0].x, figure.data[0].y = names, [a.tokens_in for a in agents]
        figure.data[1].x, figure.data[1].y = names, [a.tokens_out for a in agents]
        figure.data[1].text = [f"${a.cost_usd:.4f}" for a in agents]
