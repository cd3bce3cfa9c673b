"""Triage: decides which tutor answers a student's query, offline and in well under a millisecond.

A transparent weighted-feature scorer: wording features per intent (lexicon), structural
signals (tracebacks, pasted error messages, code), typo and slang folding (normalize); the
margin between the best two intents gives the confidence.
"""

from pathlib import Path

from learnflow_agents.contracts import Topic
from learnflow_agents.runtime.declaration import ModelPolicy, TutorSpec
from learnflow_agents.tutors.triage.classifier import classify, classify_text
from learnflow_agents.tutors.triage.routing import TriageAgent, TriageOut, routing_from_model
from learnflow_agents.tutors.triage.scorer import Scores, score

TUTOR = TutorSpec(
    name="triage",
    request_topic=Topic.STUDENT_QUERIES,
    agent=TriageAgent,
    model=ModelPolicy(
        reply_schema=TriageOut,
        prompt=Path(__file__).with_name("prompt.v1.md"),
        tool_name="route_query",
        tool_description="Route the student's query to one LearnFlow tutor.",
        # A partial routing means nothing to a student; routing counts against the global limit only.
        streamed=False,
        counts_for_student=False,
        to_reply=routing_from_model,
    ),
    description="Routes each query to the tutor that should answer it.",
)

__all__ = ["TUTOR", "Scores", "classify", "classify_text", "score"]
