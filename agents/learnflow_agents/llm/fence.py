"""Student-supplied text travels to the model fenced off as data.

The fence id is random per request, so text in a student's code cannot guess it and
close the fence early; a marker-like string inside the data is defused anyway.
"""

import re
import secrets
from dataclasses import dataclass, field

_MARKER = re.compile(r"<(/?)(student-data)", re.IGNORECASE)


@dataclass(frozen=True)
class Fence:
    fence_id: str = field(default_factory=lambda: secrets.token_hex(6))

    @property
    def opening(self) -> str:
        return f'<student-data id="{self.fence_id}">'

    @property
    def closing(self) -> str:
        return f'</student-data id="{self.fence_id}">'

    def wrap(self, sections: list[tuple[str, str]]) -> str:
        """`sections` as titled parts inside one fence; empty parts are left out."""
        body = "\n\n".join(f"## {title}\n{defuse(text)}" for title, text in sections if text.strip())
        return f"{self.opening}\n{body}\n{self.closing}"


def defuse(text: str) -> str:
    """Make a forged `<student-data ...>` or `</student-data ...>` inert: `<` becomes `‹`."""
    return _MARKER.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)
