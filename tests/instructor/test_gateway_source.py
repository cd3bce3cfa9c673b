"""GatewaySource against a FAKE gateway serving the instructor API's JSON shapes."""

from datetime import UTC, datetime

import pytest

from learnflow_ext.instructor import ClassDashboard, GatewaySource, LocalStoreSource
from learnflow_ext.instructor.dashboard import default_source
from learnflow_ext.instructor.data import Filters, take_snapshot
from learnflow_ext.instructor.gateway import GatewayError
from tests.instructor.fake_gateway import INSTRUCTOR_TOKEN, STUDENT_TOKEN, fake_gateway
from tests.instructor.stack import STRUGGLER


def test_the_gateway_feeds_the_same_snapshot_as_the_store(local_source: LocalStoreSource) -> None:
    with fake_gateway(local_source.store) as (url, seen):
        remote = take_snapshot(GatewaySource(url, INSTRUCTOR_TOKEN), Filters())
        local = take_snapshot(local_source, Filters())
    assert remote.view.matrix.students == local.view.matrix.students
    assert remote.view.matrix.cells == local.view.matrix.cells
    assert remote.view.summary == local.view.summary
    assert remote.struggles == local.struggles
    assert remote.errors == local.errors and remote.pass_rates == local.pass_rates
    assert remote.agents == local.agents
    assert remote.usage == local.usage and remote.usage is not None
    assert any("struggles?since=" in uri for uri in seen)


def test_a_dashboard_on_the_gateway_filters_by_hub_group_and_drills_down(
    local_source: LocalStoreSource,
) -> None:
    with fake_gateway(local_source.store) as (url, seen):
        dash = ClassDashboard(GatewaySource(url, INSTRUCTOR_TOKEN), live=False)
        assert list(dash.group.options) == ["(all)", "tuesday-lab"]
        dash.group.value = "tuesday-lab"
        assert dash.heatmap.students == ["alice", STRUGGLER]
        dash.course.value = "py101"
        assert any("class?course=py101" in uri for uri in seen)
        dash.show_student("bob")
        assert "KeyError" in dash.conversation.value
        assert any(uri.startswith("/services/learnflow/api/instructor/students/bob/queries") for uri in seen)
        dash.close()


def test_a_student_token_is_refused_and_the_dashboard_says_so(local_source: LocalStoreSource) -> None:
    with fake_gateway(local_source.store) as (url, _seen):
        with pytest.raises(GatewayError) as caught:
            GatewaySource(url, STUDENT_TOKEN).class_view(None)
        assert caught.value.status == 403 and "instructor role required" in str(caught.value)
        with pytest.raises(GatewayError, match="401"):
            GatewaySource(url, "").errors(datetime.now(UTC), None)
        dash = ClassDashboard(GatewaySource(url, STUDENT_TOKEN), live=False)
        assert "Refresh failed" in dash.status.value and "403" in dash.status.value
        assert dash.snapshot is None
        dash.close()


def test_a_gateway_without_pass_rates_still_draws(local_source: LocalStoreSource) -> None:
    with fake_gateway(local_source.store, exercises=False) as (url, _seen):
        snapshot = take_snapshot(GatewaySource(url, INSTRUCTOR_TOKEN), Filters())
    assert snapshot.pass_rates == [] and snapshot.errors


def test_the_default_source_follows_the_environment(monkeypatch: pytest.MonkeyPatch, class_url: str) -> None:
    monkeypatch.setenv("LEARNFLOW_GATEWAY_URL", "http://hub.example/services/learnflow")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "abc")
    source = default_source()
    assert isinstance(source, GatewaySource)
    assert source.base_url == "http://hub.example/services/learnflow/" and source.token == "abc"
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN")
    monkeypatch.setenv("LEARNFLOW_DB_URL", class_url)
    local = default_source()
    assert isinstance(local, LocalStoreSource) and class_url.removeprefix("sqlite:///") in local.store.url
    local.close()
