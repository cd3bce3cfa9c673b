"""The exercise tutor: notebook-based exercises, a sandboxed checker and the picker.

Its declaration: the offline answer (bank exercises, graded checks), the model's exercise
schema and prompt (generated exercises are proved in the sandbox before a student sees
one), per-student check limits, and graded mode's guard over the course's exercises.
"""

from pathlib import Path

from learnflow_agents.contracts import Topic
from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
from learnflow_agents.tutors.exercise import generation
from learnflow_agents.tutors.exercise.agent import answer, build_agent
from learnflow_agents.tutors.exercise.guard import graded_guard

TUTOR = TutorSpec(
    name="exercise",
    request_topic=Topic.EXERCISE_REQUESTS,
    answer=answer,
    agent=build_agent,
    model=ModelPolicy(
        reply_schema=generation.ExerciseOut,
        prompt=Path(__file__).with_name("prompt.v1.md"),
        tool_name="give_exercise",
        tool_description=generation.TOOL_DESCRIPTION,
        # Each request wants a fresh exercise.
        cached=False,
        prompt_inputs=generation.prompt_inputs,
        before_model=generation.before_model,
        to_reply=generation.generated_reply,
    ),
    graded_guard=graded_guard,
    description="Practice exercises from the course bank (or generated and proved), graded in a sandbox.",
)

__all__ = ["TUTOR"]
