"""MemoryError: the program asked for more memory than the machine has, usually one huge
value built at once (a list repeated billions of times, a giant range turned into a list)."""

from __future__ import annotations

import ast

from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code, short
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.situation import Situation


def analyse(sit: Situation) -> Diagnosis:
    line, other, text, function = raise_site(sit)
    where = cap(place(line, other, function) + called_from(sit))
    numbers = [
        n.value
        for n in fragment_nodes(sit, line, ast.Constant, text=text if other else None)
        if isinstance(n.value, int) and not isinstance(n.value, bool)
    ]
    big = max(numbers, default=0)
    size = f" ({big:,} items)" if big >= 10**7 else ""
    return Diagnosis(
        summary=f"{where} ({code(short(text.strip(), 50))}) builds a value too big to fit in memory{size}: "
        "Python ran out of memory (MemoryError).",
        plain="Every item of a list takes memory. Asking for billions at once needs more memory than the "
        "computer has, so Python gives up. Make the value smaller, or produce items one at a time "
        "(a loop, `range`, or a generator) instead of all at once.",
        precise="The allocation requested on this line exceeds the available memory; CPython raises "
        "MemoryError when `malloc` fails. Lazy iteration (`range`, generators) avoids materialising it.",
        fix_steps="Check the size you ask for (a typo adding digits?), and process the data in pieces "
        "instead of building it whole.",
        prevention="Estimate sizes before building big lists: items × bytes per item.",
        concepts=["generators", "big-o"],
        hints=[
            "How many items does this line create?",
            "Each item takes memory.",
            "Use a smaller size or create items lazily.",
        ],
        culprit_line=line,
        culprit_where=other,
    )
