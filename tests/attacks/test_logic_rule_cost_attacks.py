"""The logic-bug rules on a long cell (the code limit is 100,000 characters): the work must grow
with the cell, not with its square. Work is counted as Python call events (sys.setprofile),
not time."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from typing import Any

from learnflow_agents.tutors.debug.families import logic_general, wrong_behaviour

# Each loop assigns a name in its body: _accumulate looks for the name's start value.
LOOP = "n{j} = 0\nwhile n{j} < 3:\n    t{j} = []\n    n{j} += 1\n"


def _cell(loops: int) -> str:
    return "".join(LOOP.format(j=j) for j in range(loops))


def _events(rule: Callable[..., Any], loops: int) -> int:
    source = _cell(loops)
    return _count(rule, ast.parse(source), source)


def _count(rule: Callable[..., Any], tree: ast.Module, source: str) -> int:
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        rule(tree, source, "it prints the wrong value", None)
    finally:
        sys.setprofile(None)
    return count


def test_the_start_value_search_is_not_a_walk_of_the_cell_per_loop() -> None:
    # A walk of the whole cell per assignment in a loop: 4x the loops cost 15.7x the work, and a
    # 100,000-character cell of such loops took 66 s in this one rule.
    small, large = _events(wrong_behaviour._accumulate, 100), _events(wrong_behaviour._accumulate, 400)
    assert large < 6 * small, (small, large)


# Each loop resets and fills a list nobody reads after it: reset_inside_loop looked for a read
# in the rest of the block, once per loop.
RESET_LOOP = "for i{j} in range(3):\n    t{j} = []\n    t{j}.append(i{j})\n"


def test_the_read_after_a_reset_loop_is_not_a_walk_of_the_rest_per_loop() -> None:
    def cell(loops: int) -> str:
        return "".join(RESET_LOOP.format(j=j) for j in range(loops))

    def events(loops: int) -> int:
        source = cell(loops)
        return _count(logic_general.reset_inside_loop, ast.parse(source), source)

    small, large = events(100), events(400)  # 15.5x before
    assert large < 6 * small, (small, large)
