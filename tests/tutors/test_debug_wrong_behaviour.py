"""Logic bugs without an error: the debug tutor runs the student's code traced in the real
sandbox and answers from what it did (output, step-by-step variables, likely cause)."""

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.sandbox.trace import (
    MAX_OUTPUT,
    MAX_STEPS,
    TraceReport,
    TraceUnavailableError,
    decode_report,
    trace_program,
)
from learnflow_agents.tutors.debug import diagnose


def _ask(text: str, code: str, **kw: object):
    return diagnose(StudentQuery(text=text, code=code), **kw)


def _changes(reply, name: str) -> list[str]:
    return [s["changed"][name] for s in reply.data["trace"]["steps"] if name in s["changed"]]


def test_one_too_few_is_an_off_by_one_range_shown_by_the_loop_variable() -> None:
    reply = _ask("my loop prints one too few numbers, 5 is missing", "for i in range(1, 5):\n    print(i)\n")
    assert reply.data["analysis"] == "wrong-behaviour"
    assert reply.data["likely_cause"] == "off-by-one-range" and reply.data["culprit_line"] == 1
    assert reply.data["trace"]["output"] == "1\n2\n3\n4\n"
    assert _changes(reply, "i") == ["1", "2", "3", "4"]
    assert "range(1, 6)" in reply.explanation
    assert "| 7 | 1 | `for i in range(1, 5):` | i = 4 |" in reply.explanation
    assert "No error to diagnose" not in reply.summary


def test_assignment_in_place_of_adding_shows_the_total_replaced_each_pass() -> None:
    code = "total = 0\nfor n in [1, 2, 3, 4]:\n    total = n\nprint(total)\n"
    reply = _ask("the total should be 10 but it prints 4", code)
    assert reply.data["likely_cause"] == "assign-instead-of-add" and reply.data["culprit_line"] == 3
    assert _changes(reply, "total") == ["0", "1", "2", "3", "4"]
    assert "`total += n`" in reply.explanation


def test_floor_division_when_the_number_is_odd() -> None:
    code = "n = 5\nsteps = 0\nfor k in range(n // 2):\n    steps += 2\nprint(steps)\n"
    reply = _ask("it hits the wall when the number is odd", code)
    assert reply.data["likely_cause"] == "integer-division" and reply.data["culprit_line"] == 3
    assert reply.data["trace"]["output"] == "4\n"


def test_the_newline_that_does_not_appear_is_print_end() -> None:
    code = "for w in ['a', 'b']:\n    print(w, end='')\nprint('done')\n"
    reply = _ask("the newline doesn't appear", code)
    assert reply.data["likely_cause"] == "print-end" and reply.data["culprit_line"] == 2
    assert reply.data["trace"]["output"] == "abdone\n"


def test_a_function_that_prints_instead_of_returning() -> None:
    code = "def add(a, b):\n    print(a + b)\n\nresult = add(1, 2)\n"
    reply = _ask("why can't I use the result later?", code)
    assert reply.data["likely_cause"] == "print-instead-of-return"
    steps = reply.data["trace"]["steps"]
    returned = [s["returned"] for s in steps if s["function"] == "add" and s["returned"]]
    assert returned == ["None"]


def test_a_while_loop_whose_variable_never_changes_is_stopped_and_named() -> None:
    # Through the tracer directly (diagnose's plain run reports a timeout first): bounded by lines run.
    code = "i = 0\nwhile i < 3:\n    x = i * 2\n"
    report = trace_program(code, max_lines=5_000)
    assert report.stopped == "step-limit" and report.steps_total == 5_000
    assert len(report.steps) == MAX_STEPS
    from learnflow_agents.tutors.debug.code_facts import parse
    from learnflow_agents.tutors.debug.families.wrong_behaviour import likely_causes

    tree = parse(code)
    assert tree is not None
    [cause] = [c for c in likely_causes(tree, code, "it never ends", report) if c.line == 2]
    assert cause.kind == "loop-variable-not-updated" and cause.names == ("i",)


def test_input_gets_nothing_and_the_reply_says_where_it_asked() -> None:
    code = "age = int(input('Age? '))\nprint(age + 1)\n"
    reply = _ask("it gives the wrong age", code)
    assert reply.data["trace"]["stopped"] == "input"
    assert "waits for input on line 1" in reply.summary


def test_no_run_means_no_sandbox_but_the_static_cause_is_still_given() -> None:
    reply = _ask("one too few", "for i in range(3):\n    print(i)\n", run_code=False)
    assert reply.data["traced"] is False and reply.data["likely_cause"] == "off-by-one-range"
    assert "wasn't run here" in reply.explanation


def test_code_that_is_not_safe_to_run_is_not_traced() -> None:
    reply = _ask("it prints the wrong thing", "import os\nprint(os.getcwd())\n")
    assert reply.data.get("traced") is not True
    assert "trace" not in reply.data


def test_output_and_recorded_steps_are_bounded() -> None:
    # A line bound well under the loop's length and time to spare: the bound, not the clock
    # of a loaded machine, stops it.
    report = trace_program("for i in range(100_000):\n    print('x' * 50)\n", seconds=30, max_lines=20_000)
    assert len(report.output) == MAX_OUTPUT and report.output_total > MAX_OUTPUT
    assert len(report.steps) == MAX_STEPS
    assert report.stopped == "step-limit"


def test_a_question_about_none_is_left_to_the_none_analyser() -> None:
    reply = _ask("why is it None?", "value = 3\nprint(value * 2)\n")
    assert reply.data.get("analysis") != "wrong-behaviour"


# ---- the trace is untrusted: strict decoding, bounded, nothing beyond the student's own reply ----

_VALID = {
    "steps": [{"line": 1, "function": "<module>", "depth": 0, "changed": {"x": "1"}, "output_at": 0}],
    "output": "",
    "output_total": 0,
    "stopped": "finished",
    "steps_total": 1,
    "line_counts": {"1": 1},
}


@pytest.mark.parametrize(
    "junk",
    [
        {**_VALID, "query_id": "00000000-0000-0000-0000-000000000000"},  # unknown field
        {**_VALID, "student_id": "bob"},
        {**_VALID, "steps_total": "1"},  # a number as text: strict types only
        {**_VALID, "stopped": "hacked"},
        {**_VALID, "output": "x" * (MAX_OUTPUT + 1)},
        {**_VALID, "steps": _VALID["steps"] * (MAX_STEPS + 1)},
        {**_VALID, "steps": [{**_VALID["steps"][0], "changed": {"x": "y" * 10_000}}]},
        ["not", "an", "object"],
    ],
)
def test_a_malformed_report_is_refused_whole(junk: object) -> None:
    with pytest.raises(TraceUnavailableError):
        decode_report(junk)
    assert isinstance(decode_report(_VALID), TraceReport)


FORGE = """\
import sys
main = sys.modules["__main__"]
main._lf_send({"steps": [], "output": "FORGED", "output_total": 6, "stopped": "finished",
               "steps_total": 0, "line_counts": {}, "student_id": "bob"})
"""


def test_student_code_forging_a_report_with_identities_gets_no_trace() -> None:
    with pytest.raises(TraceUnavailableError):
        trace_program(FORGE)
    query = StudentQuery(text="it prints the wrong thing", code=FORGE)
    reply = diagnose(query)
    # The forged frame is the only answer the parent reads: refused, so nothing of it reaches the
    # reply, whose ids are the trusted side's own.
    assert reply.query_id == query.query_id
    assert "FORGED" not in reply.explanation and "bob" not in str(reply.data)


def test_a_well_formed_forgery_only_changes_the_forgers_own_trace() -> None:
    forged = FORGE.replace(', "student_id": "bob"', "")
    report = trace_program(forged)
    assert report.output == "FORGED"  # documented: a student can lie to their own reply, nothing more


def test_an_oversized_forged_frame_is_refused() -> None:
    code = 'import sys\nsys.modules["__main__"]._lf_send({"output": "x" * 3_000_000})\n'
    with pytest.raises(TraceUnavailableError):
        trace_program(code)


def test_showing_a_variable_runs_no_student_code() -> None:
    code = (
        "class Sneaky:\n"
        "    def __repr__(self):\n"
        "        print('REPR RAN')\n"
        "        return 'sneaky'\n"
        "    def __len__(self):\n"
        "        print('LEN RAN')\n"
        "        return 1\n"
        "class Items(list):\n"
        "    def __iter__(self):\n"
        "        print('ITER RAN')\n"
        "        return iter([])\n"
        "s = Sneaky()\n"
        "items = Items([1, 2])\n"
        "done = True\n"
    )
    report = trace_program(code)
    assert report.output == ""
    shown = {k: v for step in report.steps for k, v in step.changed.items()}
    assert shown["s"] == "<Sneaky object>" and shown["items"] == "<Items object>"


def test_the_parents_environment_does_not_reach_the_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNFLOW_TRACE_CANARY", "canary-7f3a9")
    report = trace_program("import os\nprint(dict(os.environ))\n")
    assert report.stopped == "finished" and "canary-7f3a9" not in report.output


def test_switching_the_tracer_and_the_alarm_off_is_still_stopped() -> None:
    code = (
        "import signal, sys\n"
        "sys.settrace(None)\n"
        "signal.setitimer(signal.ITIMER_REAL, 0)\n"
        "signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "while True:\n"
        "    pass\n"
    )
    # The wall clock or the CPU limit ends it, whichever comes first on a busy machine.
    with pytest.raises(TraceUnavailableError, match=r"still running|resource limit"):
        trace_program(code, seconds=0.5)


# ---- rules stay quiet where they do not fit ---------------------------------------------------


def test_vague_words_do_not_make_an_off_by_one() -> None:
    reply = _ask("I'm missing something, the result is wrong", "for i in range(3):\n    print(i * 2)\n")
    assert reply.data["likely_cause"] is None and reply.data["traced"] is True


def test_keeping_the_last_value_on_purpose_is_not_a_lost_total() -> None:
    code = "last = None\nfor word in ['a', 'b']:\n    last = word\nprint(last)\n"
    reply = _ask("it prints the wrong word", code)
    assert reply.data["likely_cause"] != "assign-instead-of-add"
    assert reply.data["trace"]["output"] == "b\n"


def test_a_while_loop_that_ended_is_not_called_endless() -> None:
    code = "i = 0\ndef step():\n    global i\n    i += 1\nwhile i < 3:\n    step()\nprint(i)\n"
    reply = _ask("it prints the wrong number", code)
    assert reply.data["likely_cause"] != "loop-variable-not-updated"
    assert reply.data["trace"]["stopped"] == "finished" and reply.data["trace"]["output"] == "3\n"
