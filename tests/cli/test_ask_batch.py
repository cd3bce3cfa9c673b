"""`learnflow-agents ask --batch`: hundreds of queries through the real agents, in order."""

import json
from pathlib import Path

import pytest
from learnflow_agents.cli import main

FAILING_CODE = "scores = {'ana': 3}\nprint(scores['bob'])\n"
FAILING_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "<cell>", line 2, in <module>\n'
    "    print(scores['bob'])\n"
    "KeyError: 'bob'\n"
)


def batch_lines(copies: int) -> list[dict[str, object]]:
    kinds: list[dict[str, object]] = [
        {"text": "what is a list comprehension?"},
        {"text": "why does this crash", "code": FAILING_CODE, "traceback": FAILING_TRACEBACK},
        {"text": "", "code": "def f(x, items=[]):\n    items.append(x)\n    return items\n"},
        {"text": "give me an exercise on loops"},
        {"text": "explain recursion", "agent": "concepts"},
    ]
    return [{"id": f"q{i}-{k}", **kind} for i in range(copies) for k, kind in enumerate(kinds)]


def test_batch_prints_one_reply_per_line_in_input_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = batch_lines(40)  # 200 queries
    batch = tmp_path / "queries.jsonl"
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    code = main(
        ["ask", "--batch", str(batch), "--db", f"sqlite:///{tmp_path}/ask.sqlite3", "--timeout", "120"]
    )
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [o["id"] for o in out] == [line["id"] for line in lines]
    by_kind = {o["id"].split("-")[1]: o for o in out[:5]}
    assert by_kind["0"]["routing"]["target_agent"] == "concepts"
    assert by_kind["1"]["routing"]["target_agent"] == "debug"
    assert "bob" in by_kind["1"]["reply"]["summary"]
    assert by_kind["2"]["routing"]["target_agent"] == "code-review"
    assert by_kind["2"]["reply"]["data"]["top"] == "mutable-default"
    assert by_kind["3"]["routing"]["target_agent"] == "exercise"
    assert by_kind["3"]["reply"]["data"]["topic"] in {"for-loops", "while-loops"}
    assert by_kind["4"]["routing"] == {
        "target_agent": "concepts",
        "confidence": 1.0,
        "reasoning": "asked for the concepts agent directly",
        "router": "explicit",
    }
    assert all(o["reply"]["query_id"] == o["query_id"] for o in out)


def test_bad_lines_are_reported_in_place_and_the_rest_answered(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    batch = tmp_path / "mixed.jsonl"
    batch.write_text(
        '{"id": "a", "text": "what is a tuple?"}\n'
        "this is not json\n"
        '{"id": "c", "text": "   "}\n'
        '{"id": "d", "text": "hi", "agent": "wizard"}\n'
        '{"id": "e", "text": "explain sets"}\n'
    )
    code = main(["ask", "--batch", str(batch), "--db", f"sqlite:///{tmp_path}/ask.sqlite3"])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [o["id"] for o in out] == ["a", "line-2", "c", "d", "e"]
    assert "reply" in out[0] and "reply" in out[4]
    assert "not a JSON object" in out[1]["error"]
    assert "query is empty" in out[2]["error"]
    assert "wizard" in out[3]["error"]
