"""Triage: decides which tutor answers a student's query, offline and in well under a millisecond.

A transparent weighted-feature scorer: wording features per intent (lexicon), structural
signals (tracebacks, pasted error messages, code), typo and slang folding (normalize); the
margin between the best two intents gives the confidence.
"""

from learnflow_agents.tutors.triage.classifier import classify, classify_text
from learnflow_agents.tutors.triage.scorer import Scores, score

__all__ = ["Scores", "classify", "classify_text", "score"]
