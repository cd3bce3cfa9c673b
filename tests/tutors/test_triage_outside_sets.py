"""The outside triage sets stay apart: a holdout is never trained on, the fresh Stack Overflow
holdout shares no question with the rows used for development, and the text model's character
features are the ones the build trained on."""

import importlib.util
import json
from pathlib import Path

import pytest
from learnflow_agents.tutors.triage.model import char_features

ROOT = Path(__file__).resolve().parents[2]
SO_DIR = ROOT / "benchmarks" / "data" / "outside_triage_so"
SO_DEV = SO_DIR / "so_questions.jsonl"
SO_HOLDOUT2 = SO_DIR / "so_questions_holdout2.jsonl"
SO_DEV2 = SO_DIR / "so_questions_dev2.jsonl"
ROUTED = {"debug", "concepts", "code-review", "exercise", "progress", "other"}


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location(
        "build_triage_model", ROOT / "scripts" / "build_triage_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fresh_holdout_shares_no_question_with_the_development_rows() -> None:
    fresh = _rows(SO_HOLDOUT2)
    used = _rows(SO_DEV) + _rows(SO_DEV2)
    assert len(fresh) == 200
    assert {r["split"] for r in fresh} == {"holdout2"}
    assert {r["label"] for r in fresh} <= ROUTED
    assert not {r["id"] for r in fresh} & {r["id"] for r in used}
    assert not {r["text"] for r in fresh} & {r["text"] for r in used}
    # provenance on every row, as the first 496 have it
    for row in fresh:
        assert row["url"].endswith(row["id"].removeprefix("so-"))
        assert row["commit"] and row["path"].startswith("PyMaker/datas/object2/RawHTML/")


def test_no_holdout_of_any_outside_set_is_trained_on(build) -> None:
    trained = {r[0] for r in build.training_rows()}
    holdouts = {r["id"] for r in _rows(SO_DEV) if r["split"] != "dev"}
    holdouts |= {r["id"] for r in _rows(SO_HOLDOUT2)}
    assert holdouts and trained and not trained & holdouts
    assert {r["id"] for r in _rows(SO_DEV2) if r["label"] != "other"} <= trained


def test_character_features_read_across_words() -> None:
    grams = char_features(" i do not know why ")
    assert "o not" in grams and "t kn" in grams  # spans the space between two words
    assert grams.count(" i d") == 1  # squeezed spaces, one pad at each end
    assert char_features("  a\n\tb ") == char_features("a b")
