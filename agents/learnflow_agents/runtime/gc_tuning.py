"""The garbage collector for a long-running pipeline process.

With the default settings a busy agent or engine spends a tenth of its CPU in the cyclic
garbage collector (`pipeline.py --profile`, row "gc"), mostly in full collections that
walk every object the process imported at start (SQLAlchemy, pydantic, aiokafka), which
are never garbage. After start-up those objects are frozen (moved out of the collector's
generations: still freed by reference counting, only no longer traversed), and young
objects are collected in larger sweeps, so fewer survive into the older generations.

Only for processes that are LearnFlow's own: `learnflow-agents run` settles itself; an
embedded Engine only when its owner asks (`Engine(tune_gc=True)`), never in a kernel,
whose garbage collector is the student's.
"""

import gc

from learnflow_agents import hot_path

YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)

_settled = False


def settle() -> None:
    """Freeze what start-up created and widen the young generation; once per process."""
    global _settled
    if _settled or hot_path.legacy:
        return
    _settled = True
    gc.collect()  # what start-up left as garbage goes now, not frozen forever
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
