"""Score the triage router on real student questions it was not written for (CS1QA, see
benchmarks/data/outside_triage/README.md).

Prints accuracy overall and per intent, the confusion matrix, where the `other` questions
(logistics, fragments) were sent, and the classification time per question. Only the dev split
may guide development; the holdout is scored once, at the end.

    .venv/bin/python benchmarks/triage_outside_eval.py --split dev [--min-accuracy 0.80]
    .venv/bin/python benchmarks/triage_outside_eval.py --set so --split dev   # the second set
    .venv/bin/python benchmarks/triage_outside_eval.py --set so --split holdout2   # its fresh holdout

`--set so` scores the Stack Overflow novice questions (benchmarks/data/outside_triage_so/README.md)
instead of CS1QA. By default only a question's text is sent; `--with-code` also attaches the
row's `code` (the code the asker posted with the question, as a question asked from a notebook
cell carries the cell's code). CS1QA rows have no code.
"""

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.triage import classify
from learnflow_agents.tutors.triage.choices import LOW_CONFIDENCE
from learnflow_agents.tutors.triage.lexicon import INTENTS

DATA = Path(__file__).parent / "data" / "outside_triage" / "cs1qa_questions.jsonl"
SO_DATA = Path(__file__).parent / "data" / "outside_triage_so" / "so_questions.jsonl"
# The fresh Stack Overflow holdout, kept in its own file (README there): `--set so --split holdout2`.
SO_HOLDOUT2 = SO_DATA.with_name("so_questions_holdout2.jsonl")
SETS = {"cs1qa": ("CS1QA", DATA), "so": ("Stack Overflow novices", SO_DATA)}
OTHER = "other"
NOT_SCORED = "ta-prompt"


def load(split: str, path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if r["split"] == split and r["label"] != NOT_SCORED]


def route(rows: list[dict], with_code: bool = False) -> tuple[list[tuple[str, float]], list[float]]:
    """(routed intent, confidence) for each row and the time each classification took, in ms."""
    queries = [
        StudentQuery(text=r["text"], code=(r.get("code") or None) if with_code else None) for r in rows
    ]
    for q in queries:  # warm-up: a long-running agent has its caches filled
        classify(q)
    predicted, times = [], []
    for q in queries:
        started = time.perf_counter()
        decision = classify(q)
        times.append((time.perf_counter() - started) * 1000)
        predicted.append((decision.target_agent, decision.confidence))
    return predicted, times


def accuracy(pairs: list[tuple[str, str]]) -> float:
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0


def report(
    split: str, rows: list[dict], routed: list[tuple[str, float]], times: list[float], name: str = "CS1QA"
) -> float:
    scored = [(r["label"], p, c) for r, (p, c) in zip(rows, routed, strict=True) if r["label"] != OTHER]
    pairs = [(g, p) for g, p, _ in scored]
    others = Counter(p for r, (p, _) in zip(rows, routed, strict=True) if r["label"] == OTHER)
    overall = accuracy(pairs)
    print(f"outside triage set ({name}), split {split}: {len(pairs)} scored questions")
    if split.startswith("holdout"):
        print("HOLDOUT: report this figure once; do not tune on it")
    print(f"accuracy {overall:.3f}")
    print(f"\n{'intent':<12} {'acc':>6} {'n':>5}")
    for intent in INTENTS:
        mine = [(g, p) for g, p in pairs if g == intent]
        shown = f"{accuracy(mine):6.3f}" if mine else f"{'-':>6}"
        print(f"{intent:<12} {shown} {len(mine):>5}")
    counts = Counter(pairs)
    print("\nconfusion (rows = gold, columns = routed)")
    print(f"{'':<12}" + "".join(f"{i[:8]:>9}" for i in INTENTS))
    for gold in INTENTS:
        print(f"{gold:<12}" + "".join(f"{counts[(gold, p)]:>9}" for p in INTENTS))
    routed = ", ".join(f"{k} {v}" for k, v in others.most_common())
    sure = [(g, p) for g, p, c in scored if c >= LOW_CONFIDENCE]
    unsure = [(g, p) for g, p, c in scored if c < LOW_CONFIDENCE]
    print(
        f"\nunsure (confidence < {LOW_CONFIDENCE}: the reply offers a choice of tutors): "
        f"{len(unsure)} ({len(unsure) / len(scored):.0%}), right {accuracy(unsure):.3f}; "
        f"the rest right {accuracy(sure):.3f}"
    )
    print(f"\nother (logistics, fragments; not in the accuracy): {sum(others.values())} → {routed}")
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"time per question: median {statistics.median(times):.3f} ms, p95 {p95:.3f} ms")
    return overall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), default="cs1qa", dest="dataset")
    parser.add_argument("--split", choices=["dev", "holdout", "holdout2"], default="dev")
    parser.add_argument("--min-accuracy", type=float, default=None)
    parser.add_argument("--with-code", action="store_true", help="attach each row's code to its question")
    args = parser.parse_args(argv)
    name, path = SETS[args.dataset]
    if args.split == "holdout2":
        if args.dataset != "so":
            parser.error("--split holdout2 exists only for --set so")
        path = SO_HOLDOUT2
    rows = load(args.split, path)
    predicted, times = route(rows, args.with_code)
    overall = report(args.split, rows, predicted, times, name)
    if args.min_accuracy is not None and overall < args.min_accuracy:
        print(f"FAIL: accuracy {overall:.3f} < {args.min_accuracy}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
