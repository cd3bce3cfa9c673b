"""Wording that reports what a program *did*, not an error it raised.

"Hubo doesn't move even though a != 1", "the output is YES", "it prints 4 instead of 5",
"only the hidden card is displayed": no error word, but the student describes wrong behaviour,
which is the debug tutor's job (it runs the code and traces it). With code attached this is
close to certain; without code it is one cue among others.

(The lexicon no longer counts a bare "task" for the exercise tutor: "task 2" names a part of a
course assignment, which only the student's program or an idea can be about; see the outside
set's guideline v2.)
"""

import re

# Like the text model: a router needs the first paragraphs, and capping bounds the worst case.
MAX_CHARS = 2_000
# Searched in the lowercased prose. Verbs a program's behaviour is told with, negated or not.
_DOING = (
    r"move|moves|work|works|stop|stops|rotate|rotates|appear|appears|show|shows|print|prints|change"
    r"|changes|turn|turns|add up|update|updates|finish|finishes|proceed|proceeds|go|goes|pick|drop|return"
    r"|returns"
    r"|come out|comes out|display|displays|run|runs|end|ends|count|counts|disappear|disappears"
)
_NEGATED = r"does ?n[o']?t|do ?n[o']?t|did ?n[o']?t|won'?t|can'?t|is ?n[o']?t|never|not"
BEHAVIOUR = re.compile(
    "|".join(
        [
            rf"\b(?:{_NEGATED}) (?:\w+ )?(?:{_DOING})\b",
            r"\b(?:comes? out|is coming|came out|is (?:printed|displayed|shown|output))\b",
            r"\bare (?:printed|displayed)\b",
            r"\bdisappear(?:s|ed)?\b",
            r"\bkeeps? (?:going|moving|turning|printing|popping|repeating|running)\b",
            r"\binstead of\b",
            r"\bonly (?:the |one |first |last )?\w+ (?:is|are|appears?|comes?|shows?|prints?)\b",
            r"\b(?:the )?(?:output|result|answer|value) (?:is|was|becomes|comes out as) \S",
            r"\bshould (?:be|come out|print|return|appear)\b.{0,40}\bbut\b",
            r"\bhits? the wall\b|\bbumps? into\b",
            r"\bone (?:too )?(?:few|many|short|more|less)\b|\boff by one\b",
            r"\bstops? (?:early|before|after|at)\b|\bgoes (?:too far|past|beyond)\b",
        ]
    )
)


def describes_behaviour(prose: str) -> bool:
    return bool(BEHAVIOUR.search(prose[:MAX_CHARS].lower()))
