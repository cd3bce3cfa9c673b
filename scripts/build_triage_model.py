"""Build the triage router's text model (agents/learnflow_agents/tutors/triage/model.json).

Trains on the dev splits only: our own labelled queries (benchmarks/data/triage_eval.jsonl,
split "dev") and the real student questions of the outside set
(benchmarks/data/outside_triage/cs1qa_questions.jsonl) and of the Stack Overflow novices set
(benchmarks/data/outside_triage_so/so_questions.jsonl, and so_questions_dev2.jsonl, whose rows
are all dev), split "dev", the five intents. No holdout row of any set is ever read for
training, and so_questions_holdout2.jsonl is never opened.

Word 1-2-grams and character 4-5-grams across word boundaries (the analyzers of
tutors/triage/model.py), sublinear TF-IDF, multinomial logistic regression; deterministic
(lbfgs, fixed data order, fixed rounding), so a rebuild writes the same file. scikit-learn is
a build-time dependency only (`pip install -e ".[dev]"`); the agents read the JSON with plain
Python.

    .venv/bin/python scripts/build_triage_model.py            # write the model
    .venv/bin/python scripts/build_triage_model.py --check    # exit 1 if the shipped file differs
"""

import argparse
import json
import sys
from pathlib import Path

from learnflow_agents.tutors.triage.lexicon import INTENTS
from learnflow_agents.tutors.triage.model import ANALYZERS, MODEL_FILE
from learnflow_agents.tutors.triage.scorer import model_text

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "benchmarks" / "data" / "triage_eval.jsonl"
OUTSIDE = ROOT / "benchmarks" / "data" / "outside_triage" / "cs1qa_questions.jsonl"
OUTSIDE_SO = ROOT / "benchmarks" / "data" / "outside_triage_so" / "so_questions.jsonl"
# More Stack Overflow novice questions, labelled only to be trained on (all split "dev").
OUTSIDE_SO_DEV2 = ROOT / "benchmarks" / "data" / "outside_triage_so" / "so_questions_dev2.jsonl"
# Inverse regularisation strength and the idf floor below which a feature is kept: chosen by
# 5-fold cross-validation on the dev rows (scripts/build_triage_model.py --cv), never on a holdout.
C = 4.0
MIN_DF = 2
DIGITS = 4
SEED = 0


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def training_rows() -> list[tuple[str, str, str]]:
    """(id, model text, intent) for every dev row with words to learn from."""
    rows = []
    for row in _rows(OWN) + _rows(OUTSIDE) + _rows(OUTSIDE_SO) + _rows(OUTSIDE_SO_DEV2):
        if row["split"] != "dev" or row["label"] not in INTENTS:
            continue
        text = model_text(row.get("text", ""), row.get("code"), row.get("traceback"))
        if text.strip():
            rows.append((row["id"], text, row["label"]))
    return rows


def fit(texts: list[str], labels: list[str], c: float = C):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    union = FeatureUnion(
        [
            (name, TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64))
            for name, analyzer in ANALYZERS.items()
        ]
    )
    features = union.fit_transform(texts)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced", random_state=SEED)
    model.fit(features, labels)
    return union, model


def export(union, model) -> dict:
    classes = list(model.classes_)
    order = [classes.index(intent) for intent in INTENTS]
    blocks = []
    offset = 0
    for name, vectorizer in union.transformer_list:
        vocabulary = vectorizer.vocabulary_
        idf = vectorizer.idf_
        features = {}
        for gram in sorted(vocabulary):
            j = vocabulary[gram]
            weights = [round(float(model.coef_[k, offset + j]), DIGITS) for k in order]
            features[gram] = [round(float(idf[j]), DIGITS), *weights]
        blocks.append({"analyzer": name, "features": features})
        offset += len(vocabulary)
    return {
        "format": 1,
        "built_by": "scripts/build_triage_model.py",
        "intents": list(INTENTS),
        "intercepts": [round(float(model.intercept_[k]), DIGITS) for k in order],
        "blocks": blocks,
    }


def render(model: dict) -> str:
    # One feature per line: small diffs when the data changes, and readable.
    lines = ["{"]
    header = ("format", "built_by", "intents", "intercepts")
    lines += [f"  {json.dumps(key)}: {json.dumps(model[key])}," for key in header]
    lines.append('  "blocks": [')
    for b, block in enumerate(model["blocks"]):
        lines.append(f'    {{"analyzer": {json.dumps(block["analyzer"])}, "features": {{')
        items = list(block["features"].items())
        for i, (gram, row) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            lines.append(f"      {json.dumps(gram, ensure_ascii=False)}: {json.dumps(row)}{comma}")
        lines.append("    }}" + ("," if b < len(model["blocks"]) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def build() -> str:
    rows = training_rows()
    union, model = fit([r[1] for r in rows], [r[2] for r in rows])
    return render(export(union, model))


def cross_validate(folds: int = 5) -> None:
    """Accuracy of the text model alone, by folds of the dev rows, for a few C values."""
    from sklearn.model_selection import StratifiedKFold

    rows = training_rows()
    texts = [r[1] for r in rows]
    labels = [r[2] for r in rows]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for c in (0.5, 1.0, 2.0, 4.0, 8.0, 16.0):
        correct = 0
        for train, test in splitter.split(texts, labels):
            union, model = fit([texts[i] for i in train], [labels[i] for i in train], c)
            predicted = model.predict(union.transform([texts[i] for i in test]))
            correct += sum(p == labels[i] for p, i in zip(predicted, test, strict=True))
        print(f"C={c:<5} cross-validated accuracy {correct / len(rows):.3f} ({len(rows)} dev rows)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    parser.add_argument("--cv", action="store_true", help="print cross-validated accuracy per C")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if args.cv:
        cross_validate()
        return 0
    text = build()
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'OUT OF DATE: run scripts/build_triage_model.py'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text) // 1024} KiB, {len(training_rows())} training rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
