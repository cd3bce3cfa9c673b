"""Evaluate the offline triage router on the labelled queries in benchmarks/data/triage_eval.jsonl.

Prints accuracy (overall and per split), per-class precision/recall/F1, the confusion matrix,
misclassified examples and the routing latency. `--min-accuracy` turns it into a CI gate.

    /work/venv/bin/python benchmarks/triage_eval.py [--min-accuracy 0.95] [--split dev]
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
from learnflow_agents.tutors.triage.lexicon import INTENTS

DATA = Path(__file__).parent / "data" / "triage_eval.jsonl"


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def to_query(row: dict) -> StudentQuery:
    return StudentQuery(text=row.get("text", ""), code=row.get("code"), traceback=row.get("traceback"))


def accuracy(pairs: list[tuple[str, str]]) -> float:
    return sum(gold == pred for gold, pred in pairs) / len(pairs) if pairs else 0.0


def per_class(pairs: list[tuple[str, str]]) -> None:
    print(f"\n{'class':<12} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}")
    for intent in INTENTS:
        tp = sum(g == p == intent for g, p in pairs)
        predicted = sum(p == intent for _, p in pairs)
        actual = sum(g == intent for g, _ in pairs)
        prec = tp / predicted if predicted else 0.0
        rec = tp / actual if actual else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(f"{intent:<12} {prec:6.3f} {rec:6.3f} {f1:6.3f} {actual:5d}")


def confusion(pairs: list[tuple[str, str]]) -> None:
    counts = Counter(pairs)
    short = {i: i[:8] for i in INTENTS}
    print("\nconfusion (rows = gold, columns = predicted)")
    print(f"{'':<12}" + "".join(f"{short[i]:>9}" for i in INTENTS))
    for gold in INTENTS:
        print(f"{gold:<12}" + "".join(f"{counts[(gold, pred)]:>9}" for pred in INTENTS))


def latency(queries: list[StudentQuery], repeats: int) -> tuple[float, float]:
    for q in queries:  # warm caches (typo corrections) the way a long-running agent has them
        classify(q)
    samples: list[float] = []
    for _ in range(repeats):
        for q in queries:
            start = time.perf_counter()
            classify(q)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--min-accuracy", type=float, default=None, help="exit 1 if overall accuracy is lower"
    )
    parser.add_argument("--split", default=None, help="only list the misclassified rows of this split")
    parser.add_argument("--max-misses", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5, help="timing passes over the whole set")
    args = parser.parse_args(argv)

    rows = load(args.data)
    queries = [to_query(r) for r in rows]
    decisions = [classify(q) for q in queries]
    pairs = [(r["label"], d.target_agent) for r, d in zip(rows, decisions, strict=True)]

    print(f"triage eval: {len(rows)} queries from {args.data.name}")
    overall = accuracy(pairs)
    print(f"accuracy (all): {overall:.3f}  ({sum(g == p for g, p in pairs)}/{len(pairs)})")
    for split in sorted({r.get("split", "dev") for r in rows}):
        sub = [pair for r, pair in zip(rows, pairs, strict=True) if r.get("split", "dev") == split]
        print(f"accuracy ({split}): {accuracy(sub):.3f}  ({sum(g == p for g, p in sub)}/{len(sub)})")
    per_class(pairs)
    confusion(pairs)

    misses = [
        (r, d)
        for r, d in zip(rows, decisions, strict=True)
        if r["label"] != d.target_agent and (args.split is None or r.get("split", "dev") == args.split)
    ]
    print(f"\nmisclassified{f' ({args.split})' if args.split else ''}: {len(misses)}")
    for r, d in misses[: args.max_misses]:
        text = " ".join((r.get("text") or "").split())[:90] or "<no text>"
        extra = "+code" if r.get("code") else ""
        extra += "+tb" if r.get("traceback") else ""
        print(
            f"  {r['id']} [{r.get('split', 'dev')}] gold={r['label']} got={d.target_agent} "
            f"({d.confidence:.2f}) {extra} {text!r}\n      why: {d.reasoning}"
        )

    median, p95 = latency(queries, args.repeats)
    runs = f"{len(queries)} queries x {args.repeats}"
    print(f"\nrouting time over {runs}: median {median:.3f} ms, p95 {p95:.3f} ms")

    if args.min_accuracy is not None and overall < args.min_accuracy:
        print(f"FAIL: accuracy {overall:.3f} < required {args.min_accuracy:.3f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
