"""The progress tracker: BKT, achievements, recommendations, struggle rules, the agent."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa
from learnflow_agents.contracts import (
    AgentReply,
    AgentRequest,
    CheckResult,
    HelperRelation,
    Provenance,
    ReplyStatus,
    SkillLevel,
    StruggleAlert,
    StruggleLevel,
    StudentContext,
    StudentQuery,
    TestOutcome,
    TestStatus,
    Topic,
)
from learnflow_agents.runtime.engine import Engine
from learnflow_agents.runtime.handler import HandlerContext, Outcome
from learnflow_agents.settings import Settings
from learnflow_agents.store import Effects, Store
from learnflow_agents.store.schema import mastery as mastery_table
from learnflow_agents.store.schema import outbox
from learnflow_agents.tutors.exercise.agent import ExerciseAgent
from learnflow_agents.tutors.progress import (
    BKTParams,
    Evidence,
    Kind,
    ProgressAgent,
    ProgressConfig,
    achievements,
    detect,
    observe,
    recommendations,
    replay,
    skill_level,
)
from learnflow_agents.tutors.progress.achievements import current_streak
from learnflow_agents.tutors.progress.bkt import update
from learnflow_agents.tutors.progress.recommend import known_topics
from learnflow_agents.tutors.progress.struggle import alert_key
from pydantic import ValidationError

P = BKTParams()
CFG = ProgressConfig()
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def ev(
    kind: Kind,
    topic: str,
    minute: float,
    exercise: str | None = None,
    error: str | None = None,
    failed: Sequence[str] = (),
) -> Evidence:
    return Evidence(
        T0 + timedelta(minutes=minute),
        kind,
        topic,
        f"src-{kind}-{topic}-{minute}",
        exercise_id=exercise,
        error_type=error,
        failed_tests=tuple(failed),
    )


# -- BKT -----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.8, 0.97])
def test_a_pass_raises_mastery_and_a_fail_lowers_it(p: float) -> None:
    assert observe(p, True, P) > p
    if p > 0.15:  # below BKT's floor (about p_transit) a practised fail can nudge it up
        assert observe(p, False, P) < p


def test_posterior_matches_the_bkt_formula() -> None:
    # First check: P(L|pass) = 0.2*0.9 / (0.2*0.9 + 0.8*0.1) = 0.6923; then learning: + (1-.)*0.1
    assert observe(0.2, True, P) == pytest.approx(0.6923077 + (1 - 0.6923077) * 0.1, abs=1e-6)
    # After a failed check (guess 0.2): 0.2*0.9 / (0.2*0.9 + 0.8*0.2) = 0.5294
    assert observe(0.2, True, P, first=False) == pytest.approx(0.5294118 + (1 - 0.5294118) * 0.1, abs=1e-6)
    # P(L|fail, first) = 0.2*0.1 / (0.2*0.1 + 0.8*0.9) = 0.027027; then learning
    assert observe(0.2, False, P) == pytest.approx(0.027027 + (1 - 0.027027) * 0.1, abs=1e-6)
    # Weak evidence is Bayes' rule with its own likelihoods and no learning step.
    assert update(0.2, P.error_if_known, P.error_if_unknown) == pytest.approx(0.1 / (0.1 + 0.8 * 0.75))


def test_a_pass_after_a_failed_check_counts_less_than_a_first_clean_pass() -> None:
    clean = replay([ev(Kind.PASS, "loops", 0, "ex-a")], P)["loops"].p
    other = replay([ev(Kind.FAIL, "loops", 0, "ex-b"), ev(Kind.PASS, "loops", 1, "ex-a")], P)["loops"]
    retry = replay([ev(Kind.FAIL, "loops", 0, "ex-a"), ev(Kind.PASS, "loops", 1, "ex-a")], P)["loops"]
    # The same failed check before: passing another exercise is a first check, passing the
    # failed one again is a retry whose failing tests were shown.
    before = retry.steps[0][1]
    assert other.p > retry.p > before
    assert clean > other.p


def test_clean_passes_reach_mastered_and_repeated_evidence_converges() -> None:
    p = P.p_init
    trail = []
    for _ in range(2):
        p = observe(p, True, P)
        trail.append(p)
    # Two first-try passes of different exercises; retries after failed checks need three.
    assert trail[0] < CFG.mastered <= trail[1]
    retries = P.p_init
    for _ in range(3):
        retries = observe(retries, True, P, first=False)
    assert retries >= CFG.mastered
    for _ in range(50):
        p = observe(p, True, P)
    assert p > 0.999
    low = P.p_init
    trail = []
    for _ in range(60):
        low = observe(low, False, P)
        trail.append(low)
    # Repeated failures settle at a fixed point below the prior instead of collapsing to 0.
    assert abs(trail[-1] - trail[-2]) < 1e-9
    assert 0.0 < trail[-1] < P.p_init


def test_weak_evidence_moves_less_than_a_failed_check_and_explanations_not_at_all() -> None:
    traces = replay(
        [
            ev(Kind.PASS, "loops", 0, "ex-a"),
            ev(Kind.PASS, "loops", 1, "ex-a"),
            ev(Kind.HINT, "loops", 2, "ex-b"),
        ],
        P,
    )
    after_passes = traces["loops"].steps[1][1]
    after_hint = traces["loops"].p
    passes = [ev(Kind.PASS, "loops", 0, "ex-a"), ev(Kind.PASS, "loops", 1, "ex-a")]
    error = replay([*passes, ev(Kind.ERROR, "loops", 2)], P)
    fail = replay([*passes, ev(Kind.FAIL, "loops", 2, "ex-c")], P)
    assert after_passes > after_hint > error["loops"].p > fail["loops"].p
    explained = replay([ev(Kind.PASS, "loops", 0), ev(Kind.EXPLAIN, "loops", 1)], P)
    assert explained["loops"].p == replay([ev(Kind.PASS, "loops", 0)], P)["loops"].p
    assert explained["loops"].evidence == 2


def test_replay_orders_by_time_whatever_the_input_order() -> None:
    items = [ev(Kind.FAIL, "sets", 5, "x"), ev(Kind.PASS, "sets", 1, "x"), ev(Kind.PASS, "sets", 3, "x")]
    assert replay(items, P)["sets"].p == replay(sorted(items, key=lambda e: e.at), P)["sets"].p
    assert [e.kind for e, _ in replay(items, P)["sets"].steps] == [Kind.PASS, Kind.PASS, Kind.FAIL]


def test_parameters_come_from_the_environment_or_the_constructor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNFLOW_BKT_P_INIT", "0.35")
    monkeypatch.setenv("LEARNFLOW_PROGRESS_FAILED_ATTEMPTS", "4")
    assert BKTParams().p_init == 0.35
    assert BKTParams(p_init=0.1).p_init == 0.1
    config = ProgressConfig()
    assert (config.failed_attempts, config.bkt.p_init) == (4, 0.35)
    with pytest.raises(ValidationError, match="p_slip \\+ p_guess"):
        BKTParams(p_slip=0.5, p_guess=0.5)
    with pytest.raises(ValidationError):
        BKTParams(p_slip=0.5, p_guess_first=0.6)
    with pytest.raises(ValidationError):  # a hint would be evidence *for* knowing the topic
        BKTParams(hint_if_known=0.9, hint_if_unknown=0.5)
    with pytest.raises(ValidationError):
        BKTParams(p_transit=1.5)


# -- achievements --------------------------------------------------------------------------


def test_achievements_come_from_the_history() -> None:
    history = [
        ev(Kind.FAIL, "loops", 0, "ex-a"),
        ev(Kind.FAIL, "loops", 1, "ex-a"),
        ev(Kind.FAIL, "loops", 2, "ex-a"),
        ev(Kind.PASS, "loops", 3, "ex-a"),
        ev(Kind.PASS, "loops", 4, "ex-b"),
        ev(Kind.PASS, "loops", 5, "ex-c"),
        ev(Kind.PASS, "loops", 6, "ex-d"),
    ]
    traces = replay(history, P)
    found = achievements(history, traces, {"loops": traces["loops"].p}, [], CFG.mastered)
    by_id = {a.id: a for a in found}
    assert set(by_id) == {"first-exercise-passed", "persistence", "mastered:loops"}
    assert by_id["first-exercise-passed"].earned_at == T0 + timedelta(minutes=3)
    assert "ex-a" in by_id["first-exercise-passed"].detail
    assert "after 3 failed attempts" in by_id["persistence"].detail
    # Mastery crossed 0.95 at a specific piece of evidence; the badge says when.
    assert by_id["mastered:loops"].earned_at == traces["loops"].first_reached(CFG.mastered).at  # type: ignore[union-attr]


def test_a_mastered_badge_is_kept_after_a_slip_and_none_is_given_below_the_threshold() -> None:
    history = [ev(Kind.PASS, "dicts", i, "ex-d") for i in range(3)] + [ev(Kind.FAIL, "dicts", 9, "ex-d")]
    traces = replay(history, P)
    assert traces["dicts"].p < CFG.mastered
    assert "mastered:dicts" in {a.id for a in achievements(history, traces, {}, [], CFG.mastered)}
    short = history[:2]
    assert "mastered:dicts" not in {a.id for a in achievements(short, replay(short, P), {}, [], CFG.mastered)}


def test_five_day_streak_needs_five_consecutive_days() -> None:
    days = [date(2025, 3, d) for d in (1, 2, 3, 4, 6, 7, 8, 9, 10)]
    found = [a for a in achievements([], {}, {}, days, CFG.mastered) if a.id.startswith("streak")]
    assert len(found) == 1 and found[0].earned_at == datetime(2025, 3, 10, tzinfo=UTC)
    assert "6 March to 10 March 2025" in found[0].detail
    assert not [a for a in achievements([], {}, {}, days[:4], CFG.mastered) if a.id.startswith("streak")]
    assert current_streak(days, date(2025, 3, 10)) == 5
    assert current_streak(days, date(2025, 3, 11)) == 5  # today is not over yet
    assert current_streak(days, date(2025, 3, 12)) == 0


def test_ten_different_exercises() -> None:
    history = [ev(Kind.PASS, "loops", i, f"ex-{i % 10}") for i in range(15)]
    found = [a for a in achievements(history, {}, {}, [], CFG.mastered) if a.id == "exercises-passed-10"]
    assert len(found) == 1 and found[0].earned_at == T0 + timedelta(minutes=9)


# -- recommendations and skill level -----------------------------------------------------------

GRAPH = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"], "e": ["d"]}


def test_recommendations_respect_prerequisites() -> None:
    assert [r.topic for r in recommendations({}, CFG, GRAPH)] == ["a"]
    recs = recommendations({"a": 0.97, "c": 0.4}, CFG, GRAPH)
    # c is under way, so it is more ready than b; d needs b too, e needs d.
    assert [r.topic for r in recs] == ["c", "b"]
    assert recs[0].readiness > recs[1].readiness and recs[0].current == 0.4
    assert [r.topic for r in recommendations({"a": 0.97, "b": 0.96, "c": 0.99}, CFG, GRAPH)] == ["d"]


def test_a_mastered_topic_implies_what_it_builds_on() -> None:
    assert known_topics({"d": 0.96}, CFG.mastered, GRAPH) == {"a", "b", "c", "d"}
    assert [r.topic for r in recommendations({"d": 0.96}, CFG, GRAPH)] == ["e"]


def test_curriculum_recommendations_never_skip_a_prerequisite() -> None:
    from learnflow_agents.tutors.concepts import prerequisite_graph

    graph = prerequisite_graph()
    mastery = {"syntax-basics": 0.99, "variables": 0.97, "lists": 0.96, "for-loops": 0.5, "strings": 0.3}
    known = known_topics(mastery, CFG.mastered, graph)
    recs = recommendations(mastery, CFG, limit=50)
    assert recs, "a student with basics mastered has somewhere to go"
    for rec in recs:
        assert rec.topic not in known
        assert set(graph[rec.topic]) <= known, rec
    assert "for-loops" not in [r.topic for r in recs]  # indentation is not known yet
    assert [r.readiness for r in recs] == sorted((r.readiness for r in recs), reverse=True)


def test_skill_level_follows_known_topics() -> None:
    cfg = ProgressConfig(intermediate_from=2, advanced_from=4)
    assert skill_level({"a": 0.9}, cfg, GRAPH) is SkillLevel.BEGINNER
    assert skill_level({"b": 0.96}, cfg, GRAPH) is SkillLevel.INTERMEDIATE
    assert skill_level({"d": 0.96}, cfg, GRAPH) is SkillLevel.ADVANCED


# -- struggle rules --------------------------------------------------------------------------


def fired(history: list[Evidence], new: list[Evidence] | None = None) -> list:  # type: ignore[type-arg]
    new = new if new is not None else history[-1:]
    return detect("alice", new, history, replay(history, P), CFG)


def test_same_topic_asked_three_times_within_ten_minutes() -> None:
    history = [
        ev(Kind.EXPLAIN, "recursion", 0),
        ev(Kind.ERROR, "recursion", 4, error="RecursionError"),
        ev(Kind.EXPLAIN, "recursion", 9),
    ]
    found = fired(history)
    assert [f.rule for f in found] == ["repeated"]
    alert = found[0].alert
    assert alert.topic == "recursion" and alert.struggle_level is StruggleLevel.MEDIUM
    assert alert.evidence[0] == "asked about recursion 3 times in 9 min"
    assert len(alert.evidence) == 4 and "RecursionError linked to recursion" in alert.evidence[2]
    assert "recursion" in alert.recommendation
    spread = [
        ev(Kind.EXPLAIN, "recursion", 0),
        ev(Kind.EXPLAIN, "recursion", 6),
        ev(Kind.EXPLAIN, "recursion", 11),
    ]
    assert fired(spread) == []
    assert fired(history[:2]) == []


def test_same_error_type_three_times_across_topics() -> None:
    history = [
        ev(Kind.ERROR, "lists", 0, error="IndexError"),
        ev(Kind.ERROR, "strings", 2, error="IndexError"),
        ev(Kind.ERROR, "lists", 3, error="IndexError"),
    ]
    found = fired(history)
    assert len(found) == 1 and found[0].alert.topic == "lists"
    assert found[0].alert.evidence[0].startswith("hit IndexError 3 times")


def test_graded_attempts_do_not_trip_the_asking_rule() -> None:
    history = [ev(Kind.FAIL, "sets", i, f"ex-{i}") for i in range(3)]
    assert fired(history) == []


def test_three_failed_attempts_on_one_exercise() -> None:
    history = [ev(Kind.FAIL, "loops", i, "fizz", failed=["multiples of 15"]) for i in range(3)]
    found = fired(history)
    assert [f.rule for f in found] == ["failed-attempts"]
    alert = found[0].alert
    assert alert.evidence[0] == "3 failed attempts on exercise fizz without a pass, 0 hints used"
    assert "multiples of 15" in alert.recommendation and alert.struggle_level is StruggleLevel.MEDIUM
    reset = [*history[:2], ev(Kind.PASS, "loops", 2.5, "fizz"), ev(Kind.FAIL, "loops", 3, "fizz")]
    assert fired(reset) == []


def test_mastery_falling_after_earlier_success() -> None:
    # Two first-try passes (mastered, 0.96), then two failed first checks.
    history = [ev(Kind.PASS, "dicts", i, f"ex-{i}") for i in range(2)]
    history += [ev(Kind.FAIL, "dicts", 10, "ex-x"), ev(Kind.FAIL, "dicts", 11, "ex-y")]
    found = fired(history)
    assert [f.rule for f in found] == ["mastery-falling"]
    assert found[0].alert.evidence[0].startswith("dicts mastery fell from 0.96 to 0.34")
    assert fired(history[:3]) == []  # one slip (0.96 -> 0.77) is not a fall of 0.2


def test_alert_keys_are_per_student_topic_rule_and_window() -> None:
    at = datetime(2025, 3, 3, 23, 59, tzinfo=UTC)
    key = alert_key("alice", "loops", "failed-attempts", at, 24)
    assert key == alert_key("alice", "loops", "failed-attempts", at - timedelta(hours=5), 24)
    assert key != alert_key("alice", "loops", "failed-attempts", at + timedelta(minutes=2), 24)
    assert key != alert_key("alice", "loops", "repeated", at, 24)
    assert key != alert_key("bob", "loops", "failed-attempts", at, 24)
    assert len(alert_key("a" * 128, "t" * 128, "repeated", at, 24)) <= 255


# -- the agent -------------------------------------------------------------------------------

GROUP = "learnflow-progress"


def ctx(store: Store | None, student: str = "alice") -> HandlerContext:
    return HandlerContext(student_id=student, trace_id="trace", message_id=str(uuid.uuid4()), store=store)


def check(exercise: str, topic: str, passed: bool, failed: Sequence[str] = ("test one",)) -> AgentReply:
    def outcome(name: str, ok: bool) -> TestOutcome:
        return TestOutcome(name=name, passed=ok, status=TestStatus.PASSED if ok else TestStatus.FAILED)

    tests = [outcome(name, False) for name in failed] if not passed else [outcome("ok", True)]
    return AgentReply(
        query_id=uuid.uuid4(),
        agent="exercise",
        summary="checked",
        provenance=Provenance(agent="exercise"),
        data={"exercise_id": exercise, "topic": topic},
        check=CheckResult(
            exercise_id=exercise,
            topic=topic,
            passed=passed,
            score=1.0 if passed else 0.0,
            points=int(passed),
            max_points=1,
            summary="checked",
            tests=tests,
        ),
    )


def other(agent: str, concepts: list[str], helps: str | None = None, **data: object) -> AgentReply:
    return AgentReply(
        query_id=uuid.uuid4(),
        agent=agent,
        summary="s",
        concepts=concepts,
        provenance=Provenance(agent=agent),
        data=dict(data),
        helps=HelperRelation(agent=helps) if helps else None,
    )


def stored(store: Store, student: str, reply: AgentReply) -> AgentReply:
    """Store a reply the way its agent's runner does (query first, then the effects)."""
    query = StudentQuery(query_id=reply.query_id, text="help", course_id="py101")
    store.submit_query(student, "trace", query)
    store.apply_effects(
        [Effects(f"learnflow-{reply.agent}", str(uuid.uuid4()), student, reply.query_id, reply=reply)]
    )
    return reply


def apply(store: Store, student: str, *outcomes: Outcome) -> None:
    """What the runner stores for outcomes handled in one batch."""
    store.apply_effects(
        [
            Effects(
                GROUP,
                str(uuid.uuid4()),
                student,
                None,
                struggle=o.struggle,
                struggle_key=o.struggle_key,
                mastery=o.mastery,
                attempt=o.attempt,
            )
            for o in outcomes
        ]
    )


@pytest.mark.asyncio
async def test_a_failed_check_lowers_mastery_and_records_the_attempt_once(store: Store) -> None:
    agent = ProgressAgent()
    assert agent.name == "progress" and set(agent.topics) == {Topic.PROGRESS_REQUESTS, Topic.AGENT_RESPONSES}
    reply = check("fizzbuzz", "conditionals", passed=False, failed=["multiples of 15"])
    first = await agent.handle(reply, ctx(store))
    # The handler stores nothing itself: the attempt is an effect the runner stores.
    assert store.recent_attempts("alice") == [] and first.attempt is not None
    apply(store, "alice", first)
    again = await agent.handle(reply, ctx(store))  # redelivery, after the first was stored
    apply(store, "alice", again)
    assert first.reply is None and first.struggle is None
    assert first.mastery is not None and first.mastery["conditionals"] < BKTParams().p_init
    assert again.mastery == first.mastery
    attempts = store.recent_attempts("alice")
    assert len(attempts) == 1
    a = attempts[0]
    assert (a.exercise_id, a.topic, a.passed) == ("fizzbuzz", "conditionals", False)
    assert a.details["reply_id"] == str(reply.reply_id) and a.details["failed_tests"] == ["multiples of 15"]


@pytest.mark.asyncio
async def test_a_debug_error_lowers_its_concept_and_an_explanation_changes_nothing(store: Store) -> None:
    agent = ProgressAgent()
    for _ in range(2):
        apply(store, "alice", await agent.handle(check("ex-l", "lists", passed=True), ctx(store)))
    before = store.get_mastery("alice")["lists"]
    debug = stored(store, "alice", other("debug", ["lists", "indexing"], error_type="IndexError"))
    outcome = await agent.handle(debug, ctx(store))
    assert outcome.mastery is not None and set(outcome.mastery) == {"lists"}
    assert outcome.mastery["lists"] < before
    explained = stored(store, "alice", other("concepts", ["lists"]))
    assert (await agent.handle(explained, ctx(store))).mastery is None


@pytest.mark.asyncio
async def test_replies_that_are_not_evidence_are_ignored(store: Store) -> None:
    agent = ProgressAgent()
    ignored = [
        other("progress", ["lists"]),
        other("concepts", ["lists"], helps="debug"),
        other("code-review", ["naming"]),
        other("exercise", ["lists"], exercise_id="ex", topic="lists"),  # an exercise handed out, not checked
        AgentReply(
            query_id=uuid.uuid4(),
            agent="debug",
            status=ReplyStatus.ERROR,
            summary="failed",
            concepts=["lists"],
            provenance=Provenance(agent="debug"),
            data={"error_type": "IndexError"},
        ),
    ]
    for reply in ignored:
        assert await agent.handle(reply, ctx(store)) == Outcome()
    assert store.recent_attempts("alice") == [] and store.get_mastery("alice") == {}


@pytest.mark.asyncio
async def test_failing_attempts_raise_exactly_one_alert(store: Store) -> None:
    agent = ProgressAgent()
    outcomes = []
    for n in range(6):
        outcome = await agent.handle(check("word-count", "dicts", passed=False), ctx(store))
        outcomes.append(outcome)
        if n != 3:  # the 4th and 5th are handled in one batch, applied together
            apply(store, "alice", *outcomes[-2:] if n == 4 else outcomes[-1:])
    assert [o.struggle is not None for o in outcomes] == [False, False, True, False, False, False]
    alerts = store.list_struggles("alice")
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.topic, alert.level) == ("dicts", "medium")
    assert alert.evidence[0] == "3 failed attempts on exercise word-count without a pass, 0 hints used"
    assert alert.dedupe_key == outcomes[2].struggle_key


@pytest.mark.asyncio
async def test_one_batch_with_the_same_alert_twice_stores_it_once(store: Store) -> None:
    agent = ProgressAgent()
    for _ in range(2):
        apply(store, "bob", await agent.handle(check("ex", "sets", False), ctx(store, "bob")))
    third = await agent.handle(check("ex", "sets", False), ctx(store, "bob"))
    fourth = await agent.handle(check("ex", "sets", False), ctx(store, "bob"))  # before the third is applied
    assert third.struggle_key == fourth.struggle_key is not None
    apply(store, "bob", third, fourth)
    assert len(store.list_struggles("bob")) == 1


@pytest.mark.asyncio
async def test_mastery_falling_is_alerted_through_the_agent(store: Store) -> None:
    agent = ProgressAgent()
    for i in range(2):
        apply(store, "alice", await agent.handle(check(f"ex-{i}", "tuples", True), ctx(store)))
    apply(store, "alice", await agent.handle(check("ex-x", "tuples", False), ctx(store)))
    outcome = await agent.handle(check("ex-y", "tuples", False), ctx(store))
    assert outcome.struggle is not None and outcome.struggle.topic == "tuples"
    assert "fell from 0.96" in outcome.struggle.evidence[0]
    assert outcome.struggle_key is not None and "mastery-falling" in outcome.struggle_key


@pytest.mark.asyncio
async def test_a_first_clean_pass_is_seen_to_move_mastery(store: Store) -> None:
    agent = ProgressAgent()
    passed = await agent.handle(check("swap-two-values", "variables", True), ctx(store, "carol"))
    apply(store, "carol", passed)
    query = StudentQuery(text="how am I doing?")
    reply = (await agent.handle(AgentRequest(query=query), ctx(store, "carol"))).reply
    assert reply is not None and reply.progress is not None
    after = reply.progress.mastery["variables"]
    assert after >= 0.5  # from 20%: a clean first pass is a big step, and the report says so
    moved = f"Passing exercise swap-two-values moved **variables** from 20% to {after:.0%}."
    assert moved in reply.explanation
    assert reply.summary.startswith("You have mastered 0 of 1 topic,")
    assert "passed 1 exercise in 1 attempt" in reply.summary


WELCOME_PASS_ABOVE = 0.5  # after its first clean pass a topic reads "more likely known than not"


@pytest.mark.asyncio
async def test_the_welcome_notebook_sequence_moves_variables_visibly_and_bars_match_counts(
    store: Store,
) -> None:
    """notebooks/welcome.ipynb's evidence in its order: a NameError (the offline debug agent
    ties it to variables), an IndexError (indexing), a question on lists and tuples, one hint
    on swap-two-values, then a clean 3/3 pass; the numbers are the ones its cells print."""
    from learnflow_ext.widgets.document import ReplyView

    agent = ProgressAgent()
    student = "newcomer"
    events = [
        other("debug", ["variables", "strings"], error_type="NameError"),
        other("debug", ["indexing", "lists"], error_type="IndexError"),
        other("concepts", ["tuples", "lists"]),
    ]
    for reply in events:
        apply(store, student, await agent.handle(stored(store, student, reply), ctx(store, student)))
    swap = check("swap-two-values", "variables", True)
    assert swap.check is not None
    swap.check.hints_used = 1
    swap.check.tests = [
        TestOutcome(name=name, passed=True, status=TestStatus.PASSED)
        for name in ("left now holds Alan", "right now holds Grace", "hidden test")
    ]
    before = store.get_mastery(student)["variables"]
    apply(store, student, await agent.handle(swap, ctx(store, student)))
    query = StudentQuery(text="how am I doing?")
    reply = (await agent.handle(AgentRequest(query=query), ctx(store, student))).reply
    assert reply is not None and reply.progress is not None
    bars = reply.progress.mastery
    after = bars["variables"]
    # The pass moves variables visibly: from about 14% (the error; the hint takes it to 11%)
    # to above one half.
    assert before < 0.2 and after > WELCOME_PASS_ABOVE and after - before > 0.35
    assert f"moved **variables** from 11% to {after:.0%}." in reply.explanation
    # Counts and bars agree: as many topics as bars, and mastered ones are those at the threshold.
    mastered = sum(1 for value in bars.values() if value >= CFG.mastered)
    assert set(bars) == {"variables", "indexing"}
    assert reply.summary.startswith(f"You have mastered {mastered} of {len(bars)} topics,")
    assert "passed 1 exercise in 1 attempt" in reply.summary
    text = ReplyView.of(reply).markdown()
    drawn = [line for line in text.splitlines() if "█" in line or "░" in line]
    assert len(drawn) == len(bars)
    for topic, value in bars.items():
        assert any(line.split()[0] == topic and line.endswith(f"{value:.0%}") for line in drawn), topic
    # And it is no longer a growth area: the pass took it over the "weak" line (60% is not).
    assert ("variables" in reply.progress.growth_areas) == (after < CFG.weak)


@pytest.mark.asyncio
async def test_the_report_is_grounded_in_the_stored_data(store: Store) -> None:
    agent = ProgressAgent()
    for topic, passed in [
        ("lists", False),
        ("lists", True),
        ("lists", True),
        ("lists", True),
        ("dicts", False),
    ]:
        apply(store, "alice", await agent.handle(check(f"ex-{topic}", topic, passed), ctx(store)))
    query = StudentQuery(text="how am I doing?", context=StudentContext(mastery={"recursion": 1.0}))
    outcome = await agent.handle(AgentRequest(query=query), ctx(store))
    reply = outcome.reply
    assert reply is not None and outcome.mastery is None and outcome.struggle is None
    assert reply.agent == "progress" and reply.query_id == query.query_id
    mastery = store.get_mastery("alice")
    facts = reply.progress
    assert facts is not None
    # The client's claimed mastery of recursion is not the agent's record.
    assert facts.mastery == {t: round(p, 3) for t, p in mastery.items()} and "recursion" not in facts.mastery
    assert facts.skill_level == "beginner"
    assert (facts.exercises_passed, facts.attempts) == (1, 5)
    # As many topics as the report draws bars for, and plural only when more than one.
    assert reply.summary.startswith(f"You have mastered 1 of {len(facts.mastery)} topics")
    assert "passed 1 exercise in 5 attempts" in reply.summary
    assert facts.strengths == ["lists"] and facts.growth_areas == ["dicts"]
    ids = [a.id for a in facts.achievements]
    assert ids[:2] == ["first-exercise-passed", "mastered:lists"]
    recs = facts.recommendations
    assert recs and all(r.topic not in ("lists", "variables", "syntax-basics") for r in recs)
    text = reply.explanation
    for heading in ("## Strengths", "## Growth areas", "## Keep going"):
        assert heading in text
    # The summary and the recommendations are fields of their own: the prose does not repeat them.
    assert reply.summary not in text and "## Recommended next" not in text
    # The newest check (dicts, failed) is shown with how it moved its topic; "after" is the bar.
    assert "## Your latest check" in text
    moved = f"The failed check of exercise ex-dicts moved **dicts** from 20% to {facts.mastery['dicts']:.0%}."
    assert moved in text
    # Encouragement names the latest achievement itself.
    assert "Mastered lists" in text and "Your mastery of lists reached 95%" in text
    assert [a.kind.value for a in reply.actions] == ["ask-agent", "explain-concept"]


@pytest.mark.asyncio
async def test_the_report_without_a_store_uses_the_query_context() -> None:
    query = StudentQuery(text="progress?", context=StudentContext(mastery={"variables": 0.99, "lists": 0.3}))
    outcome = await ProgressAgent().handle(AgentRequest(query=query), ctx(None))
    assert outcome.reply is not None
    facts = outcome.reply.progress
    assert facts is not None and facts.strengths == ["variables"] and facts.growth_areas == ["lists"]
    assert "Mastered variables" in outcome.reply.explanation  # the one achievement it can see


# -- end to end through the in-process bus -------------------------------------------------------


def evidence_count(store: Store, student: str, topic: str) -> int:
    with store._engine.connect() as conn:
        count = conn.execute(
            sa.select(mastery_table.c.evidence_count).where(
                mastery_table.c.student_id == student, mastery_table.c.topic == topic
            )
        ).scalar()
    return int(count or 0)


async def _until(predicate, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(predicate):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.mark.asyncio
async def test_failing_checks_through_the_bus_raise_exactly_one_alert(tmp_path: Path) -> None:
    settings = Settings(
        bus_url="memory://", db_url=f"sqlite:///{tmp_path / 'e2e.sqlite3'}", agents=["progress", "exercise"]
    )
    engine = Engine(settings, agents=[ProgressAgent(), ExerciseAgent()])
    await engine.start()
    student = "carol"
    published: list[StruggleAlert] = []

    async def collect() -> None:
        async for envelope in engine.events(student):
            if isinstance(envelope.payload, StruggleAlert):
                published.append(envelope.payload)  # noqa: PERF401 - an endless stream

    feed = asyncio.create_task(collect())
    try:
        store = engine.store
        assert store is not None
        wrong = "def can_ride(age, height_cm, with_adult):\n    return False\n"
        ids: list[UUID] = []
        for _ in range(5):
            query = StudentQuery(text="check can-ride", code=wrong, target_agent="exercise")
            ids.append(await engine.submit(student, query))
        replies = [await engine.wait(qid, timeout=60) for qid in ids]
        assert all(r.check is not None and r.check.passed is False for r in replies)
        # Every reply has been observed once all five mastery updates are stored.
        await _until(lambda: evidence_count(store, student, "boolean-logic") == 5, "five mastery updates")
        await _until(lambda: len(published) == 1, "the published alert")
    finally:
        await engine.stop()
        feed.cancel()
    with Store.open(settings.db_url) as reopened:
        alerts = reopened.list_struggles(student)
        mastery = reopened.get_mastery(student)
        attempts = reopened.recent_attempts(student)
        with reopened._engine.connect() as conn:
            # The outbox is what gets published: a repeat alert must not be in it at all.
            events = conn.execute(
                sa.select(sa.func.count()).select_from(outbox).where(outbox.c.topic == "student-struggle")
            ).scalar_one()
    assert len(attempts) == 5 and not any(a.passed for a in attempts)
    assert len(alerts) == 1 and events == 1 and len(published) == 1
    assert published[0].evidence == alerts[0].evidence
    assert alerts[0].topic == "boolean-logic"
    assert alerts[0].evidence[0].startswith("3 failed attempts on exercise can-ride")
    assert mastery["boolean-logic"] < BKTParams().p_init
