"""A student's endpoints, as learnflow_agents.api serves them: ask, read their queries,
rate replies, check exercise solutions, see their progress, keep their preferences, the
OpenAPI document."""

from learnflow_agents.api import gateway_document, int_param, seconds_param
from learnflow_agents.api import student as api
from learnflow_agents.gateway.base import ApiHandler, JsonBodyHandler


class QueriesHandler(JsonBodyHandler):
    async def post(self) -> None:
        data = self.json_body()  # first: a refused caller or body is answered here
        self.reply(await api.submit_query(self.ctx.engine, self.student(), data), 202)


class QueryHandler(ApiHandler):
    async def get(self, query_id: str) -> None:
        wait = seconds_param(self.get_query_argument("wait", None), "wait", 0.0, 0.0, api.MAX_WAIT)
        self.reply(await api.view_query(self.ctx.engine, self.student(), query_id, wait))


class FeedbackHandler(JsonBodyHandler):
    async def post(self) -> None:
        data = self.json_body()
        await api.record_feedback(self.ctx.engine, self.student(), data)
        self.reply(None, 204)


class ProgressHandler(ApiHandler):
    async def get(self) -> None:
        limit = int_param(
            self.get_query_argument("limit", None), "limit", api.DEFAULT_LIMIT, 1, api.MAX_LIMIT
        )
        self.reply(await api.progress(self.ctx.engine, self.student(), limit))


class AttemptsHandler(JsonBodyHandler):
    async def post(self) -> None:
        data = self.json_body()
        self.reply(await api.submit_attempt(self.ctx.engine, self.student(), data), 202)

    async def get(self) -> None:
        limit = int_param(
            self.get_query_argument("limit", None), "limit", api.DEFAULT_LIMIT, 1, api.MAX_LIMIT
        )
        topic = self.get_query_argument("topic", None)
        self.reply(await api.list_attempts(self.ctx.engine, self.student(), limit, topic))


class PreferencesHandler(JsonBodyHandler):
    async def get(self) -> None:
        self.reply(await api.get_preferences(self.ctx.engine, self.student()))

    async def put(self) -> None:
        data = self.json_body()
        self.reply(await api.put_preferences(self.ctx.engine, self.student(), data))


class UsageHandler(ApiHandler):
    async def get(self) -> None:
        self.reply(await api.usage(self.ctx.engine, self.student()))


class OpenAPIHandler(ApiHandler):
    """The API's document as this gateway serves it (its prefix, hub-token authentication)."""

    async def get(self) -> None:
        self.reply(gateway_document(self.ctx.config.prefix))
