"""Graded mode: a reply never hands a student the working solution of a course exercise.

Every piece of code in a reply (code blocks and fenced code in the explanation) whose
top-level definitions cover an exercise's starter is run against that exercise's tests,
hidden ones included, in the sandbox. Code that passes them all is a solution: it is
withheld and a nudge takes its place. Runs in a worker thread (it spawns sandboxes).
"""

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from learnflow_agents.contracts import Action, ActionKind, AgentReply, CodeBlock
from learnflow_agents.tutors.exercise.bank import Bank, Exercise
from learnflow_agents.tutors.exercise.checker import check_code

_FENCED = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(?P<code>.*?)```", re.DOTALL | re.IGNORECASE)
WITHHELD_MARK = "*(A complete solution was withheld here: this is a graded exercise.)*"


def defined_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


@dataclass(frozen=True)
class Withheld:
    exercise_id: str
    title: str
    where: str


class GradedGuard:
    def __init__(self, banks: Iterable[Bank]) -> None:
        self._exercises: list[tuple[Exercise, frozenset[str]]] = []
        for bank in banks:
            for exercise in bank:
                names = frozenset(defined_names(exercise.starter))
                if names:
                    self._exercises.append((exercise, names))

    def candidates(self, code: str, exercise_ids: Iterable[str] = ()) -> list[Exercise]:
        named = set(exercise_ids)
        names = defined_names(code)
        return [ex for ex, needed in self._exercises if ex.id in named or (names and needed <= names)]

    def solves(self, code: str, exercise_ids: Iterable[str] = ()) -> Exercise | None:
        """The exercise whose every test (hidden included) this code passes, if any."""
        for exercise in self.candidates(code, exercise_ids):
            if check_code(exercise, code, include_hidden=True).passed:
                return exercise
        return None

    def guard(self, reply: AgentReply, exercise_ids: Iterable[str] = ()) -> list[Withheld]:
        """Withhold solutions from `reply` in place; returns what was withheld."""
        ids = list(exercise_ids)
        withheld: list[Withheld] = []
        kept: list[CodeBlock] = []
        new_index: dict[int, int] = {}
        for index, block in enumerate(reply.code_blocks):
            exercise = self.solves(block.code, ids)
            if exercise is None:
                new_index[index] = len(kept)
                kept.append(block)
            else:
                withheld.append(Withheld(exercise.id, exercise.title, f"code block ({block.role.value})"))

        def replace_fenced(match: re.Match[str]) -> str:
            exercise = self.solves(match.group("code"), ids)
            if exercise is None:
                return match.group(0)
            withheld.append(Withheld(exercise.id, exercise.title, "explanation"))
            return WITHHELD_MARK

        reply.explanation = _FENCED.sub(replace_fenced, reply.explanation)
        if not withheld:
            return withheld
        reply.code_blocks = kept
        actions = []
        for action in reply.actions:
            target = action.args.get("code_block")
            if isinstance(target, int):
                if target not in new_index:
                    continue
                action.args = {**action.args, "code_block": new_index[target]}
            actions.append(action)
        reply.actions = actions
        first = withheld[0]
        exercise = next(ex for ex, _ in self._exercises if ex.id == first.exercise_id)
        next_step = exercise.hints[0] if exercise.hints else "try the next small step."
        nudge = (
            f"🔒 “{first.title}” is a graded exercise, so the tutor will not hand you a finished solution. "
            f"You are closer than you think: {next_step}"
        )
        reply.hints = [nudge, *reply.hints]
        hint_actions = [a for a in reply.actions if a.kind is ActionKind.SHOW_HINT]
        for action in hint_actions:
            action.args = {**action.args, "hint_index": 0, "total": len(reply.hints)}
        if not hint_actions:
            reply.actions.append(
                Action(
                    kind=ActionKind.SHOW_HINT,
                    label="Show a hint",
                    args={"hint_index": 0, "total": len(reply.hints)},
                )
            )
        reply.explanation = f"{reply.explanation}\n\n> {nudge}".strip()
        reply.data["withheld"] = [w.__dict__ for w in withheld]
        return withheld
