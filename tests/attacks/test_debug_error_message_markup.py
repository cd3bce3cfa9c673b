"""Attack: the debug tutor's error path (the generic family, the error line of every reply, a
pasted traceback) put the exception message a program chose into the reply's markdown as is,
so a shared program (or a pasted traceback) added links and bold 'tutor' text to whoever
asked. The message is now shown as escaped text (diagnosis.message_text)."""

import pytest
from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose

from learnflow_ext.widgets.document import ReplyView

EVIL = "https://evil.example/login"
MESSAGE = f"**LearnFlow: your session expired** [log in again]({EVIL})"


@pytest.mark.parametrize(
    "query",
    [
        StudentQuery(text="why does this fail", code=f'raise ValueError("{MESSAGE}")\n'),
        StudentQuery(
            text="why",
            code="x = 1\n",
            traceback=(
                'Traceback (most recent call last):\n  File "<cell>", line 1, in <module>\n'
                f"ValueError: {MESSAGE}"
            ),
        ),
    ],
    ids=["reproduced", "pasted-traceback"],
)
def test_an_exception_message_is_not_rendered_as_the_tutors_markup(query: StudentQuery) -> None:
    html = ReplyView.of(diagnose(query)).html()
    assert "<a " not in html
    assert "<strong>LearnFlow: your session expired</strong>" not in html
