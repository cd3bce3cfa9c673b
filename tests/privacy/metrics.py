"""Recall and false-positive rate of the scrubber over the corpus.

`python -m tests.privacy.metrics` prints them (and every miss), as the tests assert them.
"""

from learnflow_agents.contracts import VariableSummary
from learnflow_agents.privacy import scrub_text, scrub_variable

from tests.privacy.corpus import LOOKALIKES, SECRET_VARIABLES, SECRETS


def measure() -> dict[str, object]:
    missed = []
    for snippet, values in SECRETS:
        out = scrub_text(snippet)
        if any(v in out for v in values):
            missed.append((snippet, out))
    for name, type_, rep, value in SECRET_VARIABLES:
        out = scrub_variable(VariableSummary(name=name, type=type_, repr=rep)).repr
        if value in out:
            missed.append((f"{name}: {type_} = {rep}", out))
    changed = [(s, scrub_text(s)) for s in LOOKALIKES if scrub_text(s) != s]
    n_secret = len(SECRETS) + len(SECRET_VARIABLES)
    return {
        "secrets": n_secret,
        "lookalikes": len(LOOKALIKES),
        "recall": (n_secret - len(missed)) / n_secret,
        "false_positive_rate": len(changed) / len(LOOKALIKES),
        "missed": missed,
        "false_positives": changed,
    }


if __name__ == "__main__":
    m = measure()
    print(f"secrets: {m['secrets']}  look-alikes: {m['lookalikes']}")
    print(f"recall: {m['recall']:.3f}  false-positive rate: {m['false_positive_rate']:.3f}")
    for snippet, out in m["missed"]:
        print(f"MISSED:\n  {snippet!r}\n  -> {out!r}")
    for snippet, out in m["false_positives"]:
        print(f"FALSE POSITIVE:\n  {snippet!r}\n  -> {out!r}")
