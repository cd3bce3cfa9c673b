"""What every LearnFlow handler shares: the engine, the caller's id, JSON errors."""

import json
from typing import TYPE_CHECKING, Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from learnflow_agents.runtime.engine import Engine
from tornado import web

from learnflow_ext.server.host import EngineHost, EngineUnavailableError
from learnflow_ext.server.identity import student_id_for
from learnflow_ext.server.payloads import BadRequestError, json_object

if TYPE_CHECKING:
    from learnflow_ext.server.app import LearnFlowExtension

AUTH_RESOURCE = "learnflow"


class ApiError(web.HTTPError):
    """An error whose message is written verbatim (tornado would %-format it)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status)
        self.message = message


class LearnFlowMixin:
    """Needs to be mixed into a JupyterHandler with the extension's name."""

    settings: dict[str, Any]
    current_user: Any
    identity_provider: Any

    @property
    def learnflow(self) -> "LearnFlowExtension":
        return self.settings["learnflow_app"]

    @property
    def host(self) -> EngineHost:
        host = self.learnflow.host
        assert host is not None, "engine handlers are installed only when the server hosts the engine"
        return host

    def student_id(self) -> str:
        app = self.learnflow
        return student_id_for(self.current_user, self.identity_provider, app.owner_id(), app.identity)

    async def engine(self) -> Engine:
        try:
            return await self.host.get()
        except EngineUnavailableError as err:
            raise ApiError(503, str(err)) from err


class LearnFlowHandler(LearnFlowMixin, ExtensionHandlerMixin, APIHandler):
    auth_resource = AUTH_RESOURCE

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ApiError):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": exc.message, "reason": exc.reason}))
            return
        super().write_error(status_code, **kwargs)

    def json_body(self) -> dict[str, Any]:
        limit = self.learnflow.max_body_bytes
        size = len(self.request.body)
        if size > limit:
            raise ApiError(
                413,
                f"the request is {size:,} bytes; the limit is {limit:,} (LearnFlowExtension.max_body_bytes)",
            )
        try:
            return json_object(self.request.body)
        except BadRequestError as err:
            raise ApiError(400, str(err)) from None

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))
