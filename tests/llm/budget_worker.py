"""A separate process asking Claude (the fake Messages API) on one shared database.

`python -m tests.llm.budget_worker DB_URL FAKE_URL COURSE STUDENT N COURSE_DAILY_TOKENS`
asks N different debug questions one after another and prints one JSON line: the
provider of each answer and the budget notices it got. Used by test_budgets_store to show
that two processes sharing PostgreSQL cannot overspend a course's daily budget.
"""

import asyncio
import json
import sys

from learnflow_agents.contracts import AgentRequest, StudentQuery
from learnflow_agents.llm.factory import build_provider
from learnflow_agents.llm.tutor import LLMTutor
from learnflow_agents.store import Store

from tests.llm.support import INDEX_ERROR_CODE, INDEX_ERROR_TRACEBACK, make_ctx, offline_for, settings_for


async def main(db_url: str, fake_url: str, course: str, student: str, n: int, course_tokens: int) -> None:
    settings = settings_for(fake_url, course_daily_tokens=course_tokens, student_daily_tokens=0)
    provider = build_provider(settings)
    assert provider is not None
    tutor = LLMTutor(settings, provider)
    store = Store(db_url)
    providers: list[str] = []
    notices: list[str] = []
    try:
        for i in range(n):
            # A different question each time: the reply cache must not answer for the model.
            query = StudentQuery(
                text=f"{student} question {i}: why does this fail?",
                code=INDEX_ERROR_CODE,
                traceback=INDEX_ERROR_TRACEBACK,
                course_id=course,
            )
            request = AgentRequest(query=query)
            ctx = make_ctx(store, student)
            reply = await tutor.answer("debug", request, ctx, offline_for("debug", request, ctx))
            providers.append(reply.provenance.provider)
            notices.append(reply.data.get("llm_fallback", {}).get("notice", ""))
    finally:
        await tutor.aclose()
        store.close()
    print(json.dumps({"providers": providers, "notices": notices}))


if __name__ == "__main__":
    db, url, course, student, n, tokens = sys.argv[1:7]
    asyncio.run(main(db, url, course, student, int(n), int(tokens)))
