"""The six built-in tutors: pure functions from a query to a reply, each declared once.

Each subpackage is independent of the bus and the store and exposes `TUTOR`, its
declaration (runtime/declaration.py), registered under the `learnflow.tutors` entry-point
group in agents/pyproject.toml; the generic agent (runtime/handlers.py) runs it.
"""
