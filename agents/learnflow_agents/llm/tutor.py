"""LLMTutor: every agent's answer from Claude (or an OpenAI-compatible model), or offline.

One path for all agents: the declaration's before-model hook -> cache -> budget ->
circuit breaker -> rate limits -> provider (streamed, structured, one repair) -> the
declaration's reply mapping -> graded guard -> cache. What differs between tutors comes
from their declarations (runtime/declaration.py); this module names none of them.
Anything that goes wrong on the way ends in the agent's offline answer, marked with why in
`reply.data["llm_fallback"]`, so a student always gets a tutor's reply.
"""

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from learnflow_agents.contracts import AgentReply, AgentRequest, Provenance, RoutingDecision, StudentQuery
from learnflow_agents.llm import budgets
from learnflow_agents.llm.breaker import CircuitBreaker
from learnflow_agents.llm.cache import ReplyCache, cache_key
from learnflow_agents.llm.config import LLMSettings, ModelNotAllowedError
from learnflow_agents.llm.deadlines import deadlines_for
from learnflow_agents.llm.graded import ReplyGuard, guard_for, guard_reply_sync
from learnflow_agents.llm.limits import RateLimiter, TokenBudget, utc_today
from learnflow_agents.llm.mapping import parse_output, to_reply
from learnflow_agents.llm.pricing import cost_usd, prices_for
from learnflow_agents.llm.prompting import NoTopicError, Prompt, build_prompt, policy_digest, repair_message
from learnflow_agents.llm.providers.base import LLMCall, LLMResult, OnDelta, Provider, ProviderError, Turn
from learnflow_agents.llm.reported_usage import UNREPORTED, checked_usage
from learnflow_agents.llm.schemas import input_schema
from learnflow_agents.llm.stats import LLMStats
from learnflow_agents.llm.student_context import StudentFacts, estimate_tokens
from learnflow_agents.store.usage import UsageCall

if TYPE_CHECKING:
    from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
    from learnflow_agents.runtime.handler import HandlerContext
    from learnflow_agents.store import Store

log = logging.getLogger("learnflow.llm")


class Fallback(Exception):  # noqa: N818 - a control-flow signal, not an error to report
    """Answer offline; `kind` is the stats label, `detail` what the reply records, `notice`
    what the student reads above the offline answer (None: nothing to tell them)."""

    def __init__(self, kind: str, detail: str, notice: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.notice = notice


class LateModelError(TimeoutError):
    """The model had not begun its answer by the soft deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no streamed text within {seconds:g} s")
        self.seconds = seconds


@dataclass
class Job:
    agent: str
    policy: "ModelPolicy"
    student_id: str
    prompt: Prompt
    call: LLMCall
    cache_key: str | None
    # Where usage is recorded and budgets read (None: in memory, this process only).
    store: "Store | None" = None
    course_id: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    cache_read: int = 0
    cache_write: int = 0
    attempts: int = 0
    repaired: bool = False
    ttft_ms: float | None = None
    result_model: str = ""


def _user_ref(student_id: str) -> str:
    return hashlib.sha256(f"learnflow:{student_id}".encode()).hexdigest()[:24]


def _guarded(on_delta: OnDelta | None) -> OnDelta | None:
    if on_delta is None:
        return None

    async def forward(delta: str) -> None:
        try:
            await on_delta(delta)
        except Exception as err:
            # The live feed is best effort; the answer itself must not fail with it.
            log.debug("on_delta failed", extra={"error": str(err)})

    return forward


def _personal_key(student_id: str, facts: StudentFacts) -> str:
    context = facts.context
    if not (facts.recent.strip() or context.mastery or context.topics_covered):
        return ""  # nothing of the student's own in the prompt: the class may share the entry
    return hashlib.sha256(student_id.encode("utf-8", "surrogatepass")).hexdigest()


class LLMTutor:
    def __init__(
        self,
        settings: LLMSettings,
        provider: Provider,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = utc_today,
        guard: ReplyGuard | None = None,
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.stats = LLMStats(provider=provider.name, model=settings.model)
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_reset_seconds, clock)
        self.stats.breaker_source = self.breaker.snapshot
        self.limiter = RateLimiter(
            settings.student_requests_per_minute, settings.global_requests_per_minute, clock=clock
        )
        # Without a store (unit tests) the student's token budget is kept here, per process.
        self.budget = TokenBudget(settings.student_daily_tokens, today)
        self.budgets = budgets.DailyBudgets.of(settings)
        self.stats.budgets = asdict(self.budgets)
        self._today = today
        self.cache = ReplyCache(settings.cache_ttl_seconds, self.stats)
        # Graded mode's guard; by default every declared tutor's (llm/graded.py).
        self._guard = guard

    async def aclose(self) -> None:
        await self.provider.aclose()

    # -- the allow-list, for magics and the status command ---------------------------------

    def allowed_models(self) -> list[str]:
        return self.settings.allowed()

    def check_model(self, model: str | None) -> str:
        """The model a request for `model` gets; raises ModelNotAllowedError off the list."""
        return self.settings.check_model(model)

    # -- entry points ----------------------------------------------------------------------

    async def answer(
        self,
        agent: str,
        request: AgentRequest,
        ctx: "HandlerContext",
        offline: Callable[[], Awaitable[AgentReply]],
        on_delta: OnDelta | None = None,
        *,
        model: str | None = None,
    ) -> AgentReply:
        """The agent's reply from the LLM, from the cache, or from `offline()` when it cannot be.

        In graded mode nothing is streamed (the reply is buffered) and every reply, offline
        ones included, passes the graded guard before it is returned."""
        if self.settings.graded_mode:
            reply = await self._answer(agent, request, ctx, offline, None, model=model)
            return await self._guard_reply(reply, request)
        return await self._answer(agent, request, ctx, offline, on_delta, model=model)

    async def _answer(
        self,
        agent: str,
        request: AgentRequest,
        ctx: "HandlerContext",
        offline: Callable[[], Awaitable[AgentReply]],
        on_delta: OnDelta | None,
        *,
        model: str | None,
    ) -> AgentReply:
        started = time.perf_counter()
        policy = _spec(agent).model
        if policy is None:
            # A tutor that declares no model answers offline, always.
            return await offline()
        if policy.before_model is not None:
            early = await policy.before_model(self, request, ctx, offline)
            if early is not None:
                return early
        try:
            return await self._answer_with_llm(agent, request, ctx, on_delta, model, started)
        except Fallback as fallback:
            return await self._fallback(offline, fallback)
        except Exception as err:
            # A bug or an unforeseen failure on the LLM path must still leave the student answered.
            log.exception("llm path failed", extra={"agent": agent})
            return await self._fallback(offline, Fallback("internal-error", repr(err)))

    async def route(
        self,
        query: StudentQuery,
        ctx: "HandlerContext",
        offline: Callable[[], Awaitable[RoutingDecision]],
    ) -> RoutingDecision:
        """Routing by the LLM (for the agent that reads `student-queries`); a student's explicit
        choice, or any failure, goes to `offline()`."""
        if query.target_agent:
            return await offline()
        try:
            return await self._route_with_llm(query, ctx, _router().name)
        except Fallback as fallback:
            self._count_fallback(fallback)
        except Exception as err:
            log.exception("llm routing failed")
            self._count_fallback(Fallback("internal-error", repr(err)))
        return await offline()

    # -- steps -----------------------------------------------------------------------------

    async def _answer_with_llm(
        self,
        agent: str,
        request: AgentRequest,
        ctx: "HandlerContext",
        on_delta: OnDelta | None,
        model: str | None,
        started: float,
    ) -> AgentReply:
        query = request.query
        chosen, notice = self._choose_model(model)
        job = await self._prepare(agent, request, ctx, chosen)
        cached = await self.cache.get(ctx.store, job.cache_key) if job.cache_key else None
        if cached is not None and "reply" in cached:
            return self._from_cache(cached["reply"], query, started)
        payload = await self._ask(job, _guarded(on_delta))
        reply = await self._to_reply(job, payload, request, ctx, started)
        if not isinstance(reply, AgentReply):
            raise TypeError(f"the {agent} tutor's reply hook returned {type(reply).__name__}")
        if notice:
            reply.data["llm"]["notice"] = notice
        if self.settings.graded_mode:
            # Before the reply cache: what is stored has passed the guard.
            reply = await self._guard_reply(reply, request)
        if job.cache_key:
            await self.cache.put(ctx.store, job.cache_key, agent, {"reply": reply.model_dump(mode="json")})
        self.stats.answered["llm"] += 1
        return reply

    async def _route_with_llm(
        self, query: StudentQuery, ctx: "HandlerContext", agent: str
    ) -> RoutingDecision:
        request = AgentRequest(query=query)
        job = await self._prepare(agent, request, ctx, self.settings.model)
        cached = await self.cache.get(ctx.store, job.cache_key) if job.cache_key else None
        if cached is not None and "routing" in cached:
            self.stats.answered["cache"] += 1
            return RoutingDecision.model_validate({**cached["routing"], "query_id": str(query.query_id)})
        payload = await self._ask(job, None, routing=True)
        if job.policy.to_reply is None:
            raise TypeError(f"the {agent} agent declares no mapping from its output to a routing")
        model = job.result_model or self.settings.model
        provenance = Provenance(agent=agent, provider=self.provider.name, model=model)
        decision = await job.policy.to_reply(self, payload, request, ctx, provenance)
        if job.cache_key:
            value = {"routing": decision.model_dump(mode="json")}
            await self.cache.put(ctx.store, job.cache_key, agent, value)
        self.stats.answered["llm"] += 1
        return decision

    def _choose_model(self, requested: str | None) -> tuple[str, str | None]:
        try:
            return self.settings.check_model(requested), None
        except ModelNotAllowedError as err:
            self.stats.model_refusals += 1
            return self.settings.model, f"{err}; answered with {self.settings.model}"

    async def _prepare(self, agent: str, request: AgentRequest, ctx: "HandlerContext", model: str) -> Job:
        spec = _spec(agent)
        policy = spec.model
        if policy is None:
            raise Fallback("no-model", f"the {agent} tutor does not ask a model")
        try:
            prompt = await build_prompt(spec, request, ctx.student_id, ctx.store, self.settings, ctx)
        except NoTopicError as err:
            raise Fallback("no-topic", str(err)) from err
        call = LLMCall(
            system=prompt.rendered.system,
            turns=[Turn("user", prompt.rendered.user)],
            tool_name=prompt.tool_name,
            tool_description=prompt.tool_description,
            input_schema=input_schema(policy.reply_schema),
            model=model,
            max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature,
            stream=self.settings.stream and policy.streamed,
            user_ref=_user_ref(ctx.student_id),
            cache_prefix=self.settings.prompt_caching,
        )
        key = None
        if policy.cached and ctx.store is not None:
            context = {
                "prompt": prompt.rendered.ref,
                "model": model,
                "policy": policy_digest(self.settings.policy_text()),
                "graded": self.settings.graded_mode,
                "level": prompt.facts.context.skill_level.value,
                "style": prompt.facts.context.learning_style.value,
                # The prompt also shows the student's recent questions and mastery, and a reply
                # may quote them: with any of those in it, the entry is that student's own (their
                # re-run of the cell still hits; nobody else is served it).
                "student": _personal_key(ctx.student_id, prompt.facts),
                **prompt.inputs,
            }
            key = cache_key(agent, request.query, context)
        return Job(
            agent=agent,
            policy=policy,
            student_id=ctx.student_id,
            prompt=prompt,
            call=call,
            cache_key=key,
            store=ctx.store,
            course_id=request.query.course_id,
        )

    async def _check_budget(self, job: Job) -> None:
        """The student's and the course's daily budgets (llm/budgets.py); Fallback when used up."""
        if job.store is None:
            if self.budget.exhausted(job.student_id):
                reason = f"your daily budget of {self.budget.daily_tokens:,} tokens is used up"
                raise Fallback("daily-budget", reason, budgets.notice(reason))
            return
        mine, course = await asyncio.to_thread(
            job.store.llm_usage_for_budget, self._today(), job.student_id, job.course_id
        )
        reason = self.budgets.refusal(mine, course)
        if reason is not None:
            raise Fallback("daily-budget", reason, budgets.notice(reason))

    def _admit(self, student_id: str, *, asked: bool = True) -> None:
        """Circuit and rates, cheapest refusal first; raises Fallback when refused.

        Only what the student asked counts against their per-minute limit: routing their
        question (triage) counts against the global limit alone."""
        if not self.breaker.allow():
            raise Fallback("breaker-open", "the LLM provider is failing; answering offline for now")
        refused = self.limiter.acquire(student_id, count_student=asked)
        if refused is not None:
            self.breaker.release()
            raise Fallback("rate-limited", refused)

    async def _ask(self, job: Job, on_delta: OnDelta | None, *, routing: bool = False) -> Any:
        await self._check_budget(job)
        self._admit(job.student_id, asked=job.policy.counts_for_student)
        # Shares of the one budget the kernel waits (llm/deadlines.py).
        limits = deadlines_for(self.settings)
        hard = limits.route if routing else limits.hard
        try:
            async with asyncio.timeout(hard):
                return await self._call_in_time(job, on_delta, None if routing else limits.soft_before(hard))
        except ProviderError as err:
            self.stats.provider_errors[err.reason[:80]] += 1
            if err.trips_breaker:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
            raise Fallback("timeout" if err.reason == "timeout" else "provider-error", err.reason) from err
        except LateModelError as err:
            self.breaker.record_failure()
            raise Fallback("soft-deadline", f"the model said nothing within {err.seconds:g} s") from err
        except TimeoutError as err:
            self.breaker.record_failure()
            raise Fallback("deadline", f"no answer within {hard:g} s") from err
        except BaseException:
            # Cancelled, or a bug: no verdict on the provider, but a half-open probe must end.
            self.breaker.release()
            raise

    async def _call_in_time(self, job: Job, on_delta: OnDelta | None, soft: float | None) -> Any:
        """The answer, given up on (LateModelError) when the model has not begun to stream it by
        `soft`; once it has, it may go on to the hard deadline. Unstreamed calls give no sign
        of life before they end: only the hard deadline applies to them."""
        if soft is None or not job.call.stream:
            return await self._call_with_repair(job, on_delta)
        heard = asyncio.Event()

        async def first_words(delta: str) -> None:
            heard.set()
            if on_delta is not None:  # None in graded mode: nothing reaches the student
                await on_delta(delta)

        work = asyncio.ensure_future(self._call_with_repair(job, first_words))
        sign = asyncio.ensure_future(heard.wait())
        try:
            await asyncio.wait({work, sign}, timeout=soft, return_when=asyncio.FIRST_COMPLETED)
            if not work.done() and not heard.is_set():
                raise LateModelError(soft)
            return await work
        finally:
            sign.cancel()
            if not work.done():
                work.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await work

    async def _call_with_repair(self, job: Job, on_delta: OnDelta | None) -> Any:
        first = await self._complete(job, job.call, on_delta)
        payload, problems = parse_output(job.policy.reply_schema, first)
        if problems is None:
            return payload
        # One repair turn: show the model its output and what was wrong with it.
        self.stats.repairs += 1
        job.repaired = True
        repair = replace(
            job.call,
            turns=[
                *job.call.turns,
                Turn("assistant", first.raw or "(no tool call)"),
                Turn("user", repair_message(job.call.tool_name, problems)),
            ],
            stream=False,
        )
        second = await self._complete(job, repair, None)
        payload, problems = parse_output(job.policy.reply_schema, second)
        if problems is None:
            return payload
        raise Fallback("invalid-output", f"unusable output after one repair:\n{problems}")

    async def _complete(self, job: Job, call: LLMCall, on_delta: OnDelta | None) -> LLMResult:
        self.stats.provider_calls += 1
        job.attempts += 1
        try:
            # The provider's own counts are not trusted as they come (llm/reported_usage.py).
            result = checked_usage(await self.provider.complete(call, on_delta), call)
        except (asyncio.CancelledError, ProviderError) as err:
            if isinstance(err, asyncio.CancelledError) or err.reason == "timeout":
                # Given up at a deadline after it was sent: the provider read (and bills) the
                # prompt, so it is charged by estimate, or slow answers would be free.
                abandoned = checked_usage(LLMResult(None, "", call.model, tokens_in=UNREPORTED), call)
                await self._record(job, abandoned, *self._account(job, call, abandoned))
            raise
        self.breaker.record_success()
        await self._record(job, result, *self._account(job, call, result))
        return result

    async def _record(
        self, job: Job, result: LLMResult, tokens_in: int, tokens_out: int, cost: float
    ) -> None:
        """Add the call to the store's daily usage, which every process's budget check reads."""
        if job.store is None:
            return
        call = UsageCall(
            day=self._today(),
            course_id=job.course_id,
            student_id=job.student_id,
            agent=job.agent,
            provider=self.provider.name,
            model=(result.model or job.call.model)[:128],
            asked=job.policy.counts_for_student,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=cost,
            cache_read_tokens=result.cache_read_tokens,
            cache_write_tokens=result.cache_write_tokens,
        )
        try:
            await asyncio.to_thread(job.store.record_llm_usage, call)
        except Exception:
            # The answer is paid for and on its way; a store hiccup must not lose it.
            log.exception("llm usage not recorded", extra={"agent": job.agent})

    def _account(self, job: Job, call: LLMCall, result: LLMResult) -> tuple[int, int, float]:
        tokens_in, tokens_out = result.tokens_in, result.tokens_out
        if not tokens_in and not tokens_out:
            # Servers that report no usage are still charged, by estimate.
            tokens_in = estimate_tokens(call.system) + sum(estimate_tokens(t.text) for t in call.turns)
            tokens_out = estimate_tokens(result.raw)
        cost = cost_usd(
            tokens_in,
            tokens_out,
            prices_for(result.model, self.settings.price_input_per_mtok, self.settings.price_output_per_mtok),
            cache_read=result.cache_read_tokens,
            cache_write=result.cache_write_tokens,
        )
        job.cache_read += result.cache_read_tokens
        job.cache_write += result.cache_write_tokens
        self.stats.cache_read_tokens += result.cache_read_tokens
        self.stats.cache_write_tokens += result.cache_write_tokens
        job.tokens_in += tokens_in
        job.tokens_out += tokens_out
        job.cost = round(job.cost + cost, 6)
        job.result_model = result.model
        if job.ttft_ms is None and result.ttft_ms is not None:
            job.ttft_ms = result.ttft_ms
            self.stats.ttft_ms.append(result.ttft_ms)
        if job.policy.counts_for_student:
            self.budget.charge(job.student_id, tokens_in + tokens_out)
        self.stats.record_usage(tokens_in, tokens_out, cost)
        return tokens_in, tokens_out, cost

    async def _to_reply(
        self, job: Job, payload: Any, request: AgentRequest, ctx: "HandlerContext", started: float
    ) -> AgentReply:
        latency = round((time.perf_counter() - started) * 1000, 2)
        self.stats.latency_ms.append(latency)
        provenance = Provenance(
            agent=job.agent,
            provider=self.provider.name,
            model=job.result_model or job.call.model,
            latency_ms=latency,
            tokens_in=job.tokens_in,
            tokens_out=job.tokens_out,
        )
        if job.policy.to_reply is not None:
            reply = await job.policy.to_reply(self, payload, request, ctx, provenance)
        else:
            reply = to_reply(job.agent, payload, request.query.query_id, provenance)
        reply.data["llm"] = {
            "prompt": job.prompt.rendered.ref,
            "ttft_ms": job.ttft_ms,
            "cost_usd": job.cost,
            "cache_read_tokens": job.cache_read,
            "cache_write_tokens": job.cache_write,
            "attempts": job.attempts,
            "repaired": job.repaired,
        }
        return reply

    async def _guard_reply(self, reply: AgentReply, request: AgentRequest) -> AgentReply:
        if "graded_guard" in reply.data:
            return reply
        guard = await self._graded_guard()
        withheld = await asyncio.to_thread(guard_reply_sync, reply, request, self.settings, guard)
        self.stats.withheld_solutions += len(withheld)
        return reply

    async def _graded_guard(self) -> ReplyGuard:
        if self._guard is None:
            self._guard = await asyncio.to_thread(guard_for, self.settings.graded_exercises_dir)
        return self._guard

    def _from_cache(self, value: dict[str, Any], query: StudentQuery, started: float) -> AgentReply:
        reply = AgentReply.model_validate(value)
        reply.reply_id = uuid4()
        reply.query_id = query.query_id
        reply.created_at = datetime.now(UTC)
        reply.provenance = reply.provenance.model_copy(
            update={
                "cached": True,
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                "tokens_in": 0,
                "tokens_out": 0,
            }
        )
        reply.data.setdefault("llm", {})["cost_usd"] = 0.0
        self.stats.answered["cache"] += 1
        return reply

    def _count_fallback(self, fallback: Fallback) -> None:
        self.stats.fallbacks[fallback.kind] += 1
        self.stats.answered["offline"] += 1
        log.info("llm fallback", extra={"reason": fallback.kind, "detail": fallback.detail[:300]})

    async def _fallback(self, offline: Callable[[], Awaitable[AgentReply]], fallback: Fallback) -> AgentReply:
        self._count_fallback(fallback)
        reply = await offline()
        reply.data["llm_fallback"] = {"reason": fallback.kind, "detail": fallback.detail[:1_000]}
        if fallback.notice:
            # In the prose every renderer shows (card, sidebar, HTML export), not only in data.
            reply.data["llm_fallback"]["notice"] = fallback.notice
            shown = f"> **{fallback.notice}**\n\n{reply.explanation}".strip()
            reply.explanation = shown[: AgentReply.model_fields["explanation"].metadata[0].max_length]
        return reply


def _spec(agent: str) -> "TutorSpec":
    from learnflow_agents.runtime.registry import tutor

    return tutor(agent)


def _router() -> "TutorSpec":
    from learnflow_agents.runtime.registry import router

    return router()
