"""The trusted exercise bank: solutions and hidden tests. Never installed where students run code.

`learnflow_agents.tutors.exercise.bank.load_bank()` finds ``NOTEBOOK_DIR`` through this
distribution's ``learnflow.exercise_bank`` entry point.
"""

from pathlib import Path

NOTEBOOK_DIR = Path(__file__).with_name("notebooks")
SOURCE_DIR = Path(__file__).with_name("exercises")

__all__ = ["NOTEBOOK_DIR", "SOURCE_DIR"]
