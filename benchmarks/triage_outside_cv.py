"""Cross-validated accuracy of the whole triage router on the outside set's dev split.

`triage_outside_eval.py --split dev` scores the shipped router on the questions its text model
was trained on (in-sample). This script estimates how it does on questions it has not seen,
without touching the holdout: the dev questions are cut into folds; for each fold the text model
is retrained (scripts/build_triage_model.py's fit, same settings) on our own dev queries and the
other folds, and the full router (lexicon, structural signals, that model) routes the fold.

    .venv/bin/python benchmarks/triage_outside_cv.py [--folds 5] [--train-label label_v1]
    .venv/bin/python benchmarks/triage_outside_cv.py --sets both [--with-code]

`--sets` picks which outside sets' dev questions are cut into folds: `cs1qa` (default), `so` (the
Stack Overflow novices) or `both`; the dev questions of a set not chosen are still taught in
every fold, as the shipped model is taught all of them; so are the Stack Overflow questions
labelled only for training (`so_questions_dev2.jsonl`), so the scored questions stay the same
960. `--with-code` routes each question with the code its asker posted (only the Stack Overflow
rows have any).

`--train-label label_v1` trains each fold on the labels of the first guideline (a row's
`label_v1`, else its `label`) and still scores against `label`: the router as it was before the
relabelling, on the same folds, so the two figures compare side by side.

Needs scikit-learn (the `dev` extra), like the model build.
"""

import argparse
import importlib.util
import sys
from collections import Counter
from pathlib import Path

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.triage import classifier, scorer
from learnflow_agents.tutors.triage.lexicon import INTENTS
from learnflow_agents.tutors.triage.model import from_dict

ROOT = Path(__file__).resolve().parents[1]
OTHER = "other"
SEED = 0


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_triage_model", ROOT / "scripts" / "build_triage_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", action="store_true", help="print each misrouted dev question")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="try another scorer weight (dev only)",
    )
    parser.add_argument(
        "--train-label",
        default="label",
        choices=["label", "label_v1"],
        help="which label the folds train on (scoring always uses label)",
    )
    parser.add_argument("--sets", choices=["cs1qa", "so", "both"], default="cs1qa", dest="dataset")
    parser.add_argument("--with-code", action="store_true", help="route with the asker's code attached")
    args = parser.parse_args(argv)
    from sklearn.model_selection import StratifiedKFold

    for item in args.set:
        name, _, value = item.partition("=")
        if not isinstance(getattr(scorer, name, None), float):
            parser.error(f"--set: {name} is not a weight of the scorer")
        setattr(scorer, name, float(value))
    build = _build_module()
    chosen = {"cs1qa": [build.OUTSIDE], "so": [build.OUTSIDE_SO], "both": [build.OUTSIDE, build.OUTSIDE_SO]}
    outside = [
        r
        for path in chosen[args.dataset]
        for r in build._rows(path)
        if r["split"] == "dev" and r["label"] in (*INTENTS, OTHER)
    ]
    own = [
        (r["id"], build.model_text(r.get("text", ""), r.get("code"), r.get("traceback")), r["label"])
        for r in build._rows(build.OWN)
        if r["split"] == "dev" and r["label"] in INTENTS
    ]
    # The other outside set's dev rows are taught in every fold, as in the shipped model.
    own += [
        (r["id"], build.model_text(r["text"]), r["label"])
        for path in (build.OUTSIDE, build.OUTSIDE_SO, build.OUTSIDE_SO_DEV2)
        if path not in chosen[args.dataset]
        for r in build._rows(path)
        if r["split"] == "dev" and r["label"] in INTENTS
    ]
    labels = [r["label"] for r in outside]
    splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=SEED)
    pairs: list[tuple[str, str]] = []
    by_set: dict[str, list[bool]] = {}
    shipped = scorer.text_model
    try:
        for train, test in splitter.split(outside, labels):
            rows = [r for r in own if r[1].strip()]
            for i in train:
                row = outside[i]
                text = build.model_text(row["text"])
                taught = row.get(args.train_label, row["label"])
                if taught in INTENTS and text.strip():
                    rows.append((row["id"], text, taught))
            union, model = build.fit([r[1] for r in rows], [r[2] for r in rows])
            fold_model = from_dict(build.export(union, model))
            scorer.text_model = lambda fold_model=fold_model: fold_model
            for i in test:
                row = outside[i]
                if row["label"] == OTHER:
                    continue
                code = (row.get("code") or None) if args.with_code else None
                decision = classifier.classify(StudentQuery(text=row["text"], code=code))
                pairs.append((row["label"], decision.target_agent))
                by_set.setdefault(row["id"].split("-")[0], []).append(row["label"] == decision.target_agent)
                if args.show and decision.target_agent != row["label"]:
                    print(f"{row['label']:>11} → {decision.target_agent:<11} {row['text'][:150]!r}")
    finally:
        scorer.text_model = shipped
    right = sum(g == p for g, p in pairs)
    print(
        f"outside triage set ({args.dataset}) dev split, {args.folds}-fold cross-validated:"
        f" {len(pairs)} questions (folds trained on {args.train_label}, scored on label"
        f"{', code attached' if args.with_code else ''})"
    )
    print(f"accuracy {right / len(pairs):.3f}")
    for name, hits in sorted(by_set.items()):
        print(f"  set {name:<10} {sum(hits) / len(hits):6.3f} {len(hits):>5}")
    counts = Counter(pairs)
    for intent in INTENTS:
        n = sum(v for (g, _), v in counts.items() if g == intent)
        if n:
            print(f"  {intent:<12} {counts[(intent, intent)] / n:6.3f} {n:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
