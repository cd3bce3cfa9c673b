"""How consistently can the triage guideline be applied? Two labellings of the same questions.

`benchmarks/data/outside_triage/second_labelling_dev200.jsonl` is a second, independent labelling
of 200 dev questions of the outside triage set (drawn at random, seed 7), made under guideline v2
from the question text and the guideline alone, without the first labels or any classifier
output (the labeller marked the questions it found ambiguous, `sure: false`, with the other label
it considered, `alt`). This prints how often the two labellings agree: the accuracy a router can
be expected to reach against either labelling is bounded by roughly this figure.

    .venv/bin/python benchmarks/triage_agreement.py
"""

import json
import sys
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "outside_triage"
ROUTED = ("debug", "concepts", "code-review", "exercise", "progress")


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def cohen_kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    return (observed - expected) / (1 - expected)


def main() -> int:
    first = {row["id"]: row for row in _rows(DATA / "cs1qa_questions.jsonl")}
    second = _rows(DATA / "second_labelling_dev200.jsonl")
    if any(first[row["id"]]["split"] != "dev" for row in second):
        print("a second-labelled question is not in the dev split", file=sys.stderr)
        return 1
    pairs = [(first[row["id"]]["label"], row["label"]) for row in second]
    routed = [(row, first[row["id"]]["label"]) for row in second if first[row["id"]]["label"] in ROUTED]
    agree = sum(a == b for a, b in pairs)
    routed_agree = sum(row["label"] == gold for row, gold in routed)
    sure = [(row, gold) for row, gold in routed if row["sure"]]
    print(f"two labellings of {len(pairs)} dev questions of the outside triage set (guideline v2)")
    print(f"  agreement, all labels           {agree / len(pairs):.3f} ({agree}/{len(pairs)})")
    print(f"  Cohen's kappa                   {cohen_kappa(pairs):.3f}")
    print(
        f"  agreement where the first label is a tutor (scored rows)"
        f" {routed_agree / len(routed):.3f} ({routed_agree}/{len(routed)})"
    )
    print(
        f"  ... where the second labeller was sure  {sum(r['label'] == g for r, g in sure) / len(sure):.3f}"
        f" ({len(sure)} rows); marked ambiguous: {len(routed) - len(sure)}"
    )
    either = sum(gold in (row["label"], row.get("alt")) for row, gold in routed)
    print(f"  first label is the second's label or its alternative {either / len(routed):.3f}")
    print("  disagreements (first → second):")
    for (a, b), n in Counter((g, r["label"]) for r, g in routed if r["label"] != g).most_common():
        print(f"    {a:>11} → {b:<11} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
