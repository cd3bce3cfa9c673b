"""The scrubber's cost is not the attacker's to choose, and its speed-up changed no answer.

`_secretish` runs for every candidate value in a text (one per name in `key:key:key:...`,
each value up to 300 characters). It used to walk each value in Python four times; a
maximal query of that shape cost seconds of CPU per scrub. The fast path must answer
exactly as the per-character definition for every string, ASCII or not.
"""

import random
import string

from learnflow_agents.privacy import scrubber


def reference_kinds(value: str) -> tuple[bool, bool, bool, bool]:
    return (
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
        any(not c.isalnum() for c in value),
    )


def test_the_fast_kinds_answer_as_the_per_character_definition() -> None:
    rng = random.Random(20261207)
    alphabet = string.printable + "ßǅⅫ١٢٣éÉ漢字²ﬁİıΣσς\u00a0\u2028_-"
    values = ["", "a", "A", "1", "_", "ǅ", "²", "١", "ß" * 9 + "1", "ABCdef_ghij", "aB3$"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(20_000)]
    for value in values:
        assert scrubber._kinds_present(value) == reference_kinds(value), repr(value)


# The cost itself (hostile text against ordinary text) is measured by
# benchmarks/scrubber_cost.py, not asserted here: these machines are shared and noisy.
