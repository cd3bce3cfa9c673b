"""OverflowError: a number too big for the type asked of it. Python's ints have no limit, but
floats stop near 1.8e308 (and C-sized integers far earlier), so converting a huge int to a
float, a float result past that limit, or infinity turned into an int cannot be done."""

from __future__ import annotations

import re

from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code, short
from learnflow_agents.tutors.debug.families.common import called_from, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation

_KINDS: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"cannot convert (?:Infinity|NaN) to integer ratio"),
        "asks for the exact integer ratio of an infinite float, which has none: infinity is not a fraction "
        "of two ints",
        "Check `math.isfinite(x)` before `x.as_integer_ratio()`, or keep the value from growing past the "
        "float limit.",
    ),
    (
        re.compile(r"rounded value too large to represent"),
        "rounds to a value beyond the largest float (about 1.8e308)",
        "Round to fewer digits (a smaller `ndigits` magnitude), or work with `decimal.Decimal` for such "
        "values.",
    ),
    (
        re.compile(r"^int too big to convert"),
        "converts an int into a fixed number of bytes that is too small to hold it",
        "Ask for enough bytes, e.g. `n.to_bytes((n.bit_length() + 7) // 8, 'big')`.",
    ),
    (
        re.compile(r"^complex exponentiation"),
        "raises a complex number to a power whose result is too large for a float",
        "Use smaller numbers, or work with logarithms (`cmath.log`) instead of the huge value.",
    ),
    (
        re.compile(r"%c arg not in range\(0x110000\)"),
        "asks `%c` for the character with a code beyond the last Unicode character (0x10FFFF)",
        "Pass `%c` a code from 0 to 0x10FFFF (`chr` has the same range).",
    ),
    (
        re.compile(r"int too large to convert to float|integer division result too large for a float"),
        "turns an integer into a float, but it is too large for one: Python's ints grow without limit, "
        "floats stop near 1.8e308",
        "Keep the calculation in whole numbers (`//` instead of `/`, no `float(…)`), use the `decimal` or "
        "`fractions` module, or work with smaller numbers (or their logarithms).",
    ),
    (
        re.compile(r"math range error|Numerical result out of range|Result too large"),
        "computes a float result too large to represent: floats stop near 1.8e308, and this result is "
        "beyond it",
        "Use smaller inputs, compute with ints (`2 ** 10000` is fine, `2.0 ** 10000` is not), or work "
        "with logarithms (`math.log`) instead of the huge value itself.",
    ),
    (
        re.compile(r"cannot convert float infinity to integer"),
        "converts infinity (`inf`, what a float becomes beyond about 1.8e308) to an int, and infinity has "
        "no integer value",
        "Find where the value grows past the float limit and keep it smaller, or check "
        "`math.isinf(x)` before converting.",
    ),
    (
        re.compile(r"too large to convert to C|cannot fit '\w+' into an index-sized integer|too long"),
        "needs a machine-sized integer (an index, a size, a count), and this number is too large for one, "
        "although Python's own ints are unlimited",
        "Use a size or index that fits (a few billion at most, in practice far less), and check how the "
        "number got so large.",
    ),
]


def analyse(sit: Situation) -> Diagnosis | None:
    found = next(((why, steps) for pattern, why, steps in _KINDS if pattern.search(sit.message)), None)
    if found is None:
        return None
    why, steps = found
    line, other, text, function = raise_site(sit)
    where = cap(place(line, other, function) + called_from(sit))
    shown = f" ({code(short(text.strip(), 50))})" if text.strip() else ""
    return Diagnosis(
        summary=f"{where}{shown} {why}. The number is too large (overflow).",
        plain=f"Computers store a float in a fixed amount of memory, so there is a largest float, about "
        f"1.8 × 10^308. Line {line} {why}.",
        precise=f"OverflowError: line {line} {why}. "
        "`sys.float_info.max` is the largest float; ints are arbitrary "
        "precision but many C-level operations need a value that fits a machine word.",
        fix_steps=steps,
        prevention="When numbers grow fast (powers, factorials, exponentials), print them as you go and "
        "keep the computation in ints or logarithms.",
        concepts=["numbers"],
        hints=[f"How large is the number on line {line}?", "Floats have a largest value, ints don't.", steps],
        culprit_line=line,
        culprit_where=other,
    )
