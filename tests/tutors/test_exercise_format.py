"""The exercise notebook format: checked-in JSON Schema, metadata models, the bank builder."""

import copy
import json

import jsonschema
import pytest
from learnflow_agents.tutors.exercise.bank import (
    BANK_DIR,
    RELEASED_DIR,
    ExerciseFormatError,
    load_exercise,
    notebook_paths,
    parse_exercise,
)
from learnflow_agents.tutors.exercise.schema import SCHEMA_PATH, load_schema, render_schema
from learnflow_exercise_bank.build import (
    SOURCE_DIR,
    build_bank,
    build_notebook,
    load_spec,
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


@pytest.fixture
def notebook() -> dict:
    return json.loads(next(iter(notebook_paths(BANK_DIR))).read_text(encoding="utf-8"))


def test_checked_in_schema_matches_the_models() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "regenerate with: python -m learnflow_agents.tutors.exercise.schema --write"
    )


def test_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_every_bank_notebook_is_valid_against_the_schema(validator: jsonschema.Draft202012Validator) -> None:
    problems = {
        str(path): [e.message for e in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        for path in notebook_paths(BANK_DIR)
    }
    assert {p: e for p, e in problems.items() if e} == {}


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda nb: nb["metadata"]["learnflow"].update(topic="astrology"), "topic"),
        (lambda nb: nb["metadata"]["learnflow"].update(difficulty="expert"), "difficulty"),
        (lambda nb: nb["metadata"]["learnflow"].update(hint=["typo for hints"]), "hint"),
        (lambda nb: nb["metadata"]["learnflow"].update(prerequisites=["loops-ish"]), "prerequisites"),
        (lambda nb: nb["metadata"]["learnflow"].update(exercise_id="Not An Id"), "exercise_id"),
        (lambda nb: nb["metadata"]["learnflow"].update(hints=[]), "hints"),
        (lambda nb: nb["cells"][1]["metadata"]["learnflow"].update(role="answer"), "role"),
    ],
)
def test_schema_and_models_reject_bad_metadata(
    validator: jsonschema.Draft202012Validator, notebook: dict, mutate, fragment: str
) -> None:
    broken = copy.deepcopy(notebook)
    mutate(broken)
    assert list(validator.iter_errors(broken)), "the JSON Schema accepted it"
    with pytest.raises(ExerciseFormatError, match=fragment):
        parse_exercise(broken)


def test_structure_rules_beyond_the_schema(notebook: dict) -> None:
    without_solution = copy.deepcopy(notebook)
    without_solution["cells"] = [
        c for c in without_solution["cells"] if c["metadata"].get("learnflow", {}).get("role") != "solution"
    ]
    with pytest.raises(ExerciseFormatError, match="exactly one 'solution'"):
        parse_exercise(without_solution)

    two_starters = copy.deepcopy(notebook)
    two_starters["cells"].append(copy.deepcopy(notebook["cells"][1]))
    with pytest.raises(ExerciseFormatError, match="exactly one 'starter'"):
        parse_exercise(two_starters)

    markdown_starter = copy.deepcopy(notebook)
    markdown_starter["cells"][1]["cell_type"] = "markdown"
    with pytest.raises(ExerciseFormatError, match="is a markdown cell"):
        parse_exercise(markdown_starter)


def test_a_loaded_exercise_exposes_every_part() -> None:
    exercise = load_exercise(BANK_DIR / "for-loops" / "sum-of-evens.ipynb")
    assert exercise.id == "sum-of-evens"
    assert exercise.topic.value == "for-loops"
    assert "def sum_evens" in exercise.starter and "raise NotImplementedError" in exercise.starter
    assert "total += number" in (exercise.solution or "")
    assert [t.name for t in exercise.visible_tests] == ["1 to 6", "no evens"]
    assert [t.name for t in exercise.hidden_tests] == ["negatives and empty"]
    assert exercise.hidden_tests[0].failure
    assert len(exercise.hints) == 3


def test_shipped_notebooks_are_built_from_the_sources() -> None:
    # Both the trusted bank's notebooks and the released copies shipped in learnflow-agents.
    assert build_bank(check=True, released_dir=RELEASED_DIR) == [], (
        "regenerate with: python -m learnflow_exercise_bank.build"
    )


def test_builder_check_notices_a_stale_notebook(tmp_path) -> None:
    spec_path = SOURCE_DIR / "sum-of-evens.toml"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / spec_path.name).write_text(spec_path.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "bank"
    assert build_bank(tmp_path / "src", out) != []  # first build writes it
    assert build_bank(tmp_path / "src", out, check=True) == []
    written = out / "for-loops" / "sum-of-evens.ipynb"
    written.write_text(written.read_text(encoding="utf-8").replace("total", "tot"), encoding="utf-8")
    assert build_bank(tmp_path / "src", out, check=True) == [str(written)]


def test_builder_output_round_trips_through_the_loader() -> None:
    spec = load_spec(SOURCE_DIR / "lru-cache.toml")
    exercise = parse_exercise(build_notebook(spec))
    assert exercise.solution is not None and exercise.solution.strip() == spec["solution"].strip()
    assert [t.name for t in exercise.all_tests] == [t["name"] for t in spec["tests"]]
    assert [t.timeout_seconds for t in exercise.hidden_tests] == [None, 10.0]
