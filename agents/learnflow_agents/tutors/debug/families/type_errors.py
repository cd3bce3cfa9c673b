"""TypeError: an operation got a value of the wrong type. The message decides which of
the three sub-families explains it: operands, calls, or containers."""

from __future__ import annotations

from learnflow_agents.tutors.debug.diagnosis import Diagnosis
from learnflow_agents.tutors.debug.families import call_errors, container_type_errors, operand_errors
from learnflow_agents.tutors.debug.situation import Situation


def analyse(sit: Situation) -> Diagnosis | None:
    for module in (operand_errors, call_errors, container_type_errors):
        found = module.analyse(sit)
        if found is not None:
            return found
    return None
