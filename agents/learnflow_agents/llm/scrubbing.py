"""Secrets never reach an LLM: keys, tokens and passwords are masked before a prompt is built.

The kernel extension scrubs too, but queries also arrive through the REST API and the
gateway, so the agents scrub again at the last point before anything leaves the machine.
"""

import re

MASK = "«redacted»"

# Values that are secrets by their shape, wherever they appear.
_SHAPED = [
    re.compile(
        r"sk-(?:ant-(?:api|admin)\d*-|proj-|live-|test-)?[A-Za-z0-9_\-]{16,}"
    ),  # Anthropic, OpenAI, Stripe
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),  # Slack
    re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"),  # Google
    re.compile(r"\bhf_[A-Za-z0-9]{30,}"),  # Hugging Face
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"),  # GitLab
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"),
]

_SECRET_WORD = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|credentials?|client[_-]?secret|auth[_-]?token"
)
# `password = "..."`, `"api_key": "..."`, `token: '...'`: keep the name, mask the quoted value.
_QUOTED_ASSIGNMENT = re.compile(
    rf"""(?ix)
    (?P<name>[\w\-]*(?:{_SECRET_WORD})[\w\-]*["']?)
    (?P<sep>\s*(?:=|:)\s*)
    (?P<prefix>[rbuf]{{0,2}})(?P<quote>["'])
    (?P<value>[^"'\n]{{3,}})
    (?P=quote)
    """
)
# `export API_TOKEN=abc123`, `password: hunter22` in .env / YAML / shell lines (unquoted).
_BARE_ASSIGNMENT = re.compile(
    rf"""(?imx)
    (?P<name>\b[\w\-]*(?:{_SECRET_WORD})[\w\-]*)
    (?P<sep>[ \t]*(?:=|:)[ \t]*)
    (?P<value>(?![\"'\[\{{(])[^\s\"',;)\]}}#]{{4,}})
    """
)
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/\-]{12,}=*")
_URL_PASSWORD = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)(?P<user>[^:/@\s]+):(?P<pw>[^@/\s]+)@")
# Long random-looking runs (letters and digits mixed) are keys far more often than lesson data.
_HIGH_ENTROPY = re.compile(
    r"(?<![A-Za-z0-9+/_\-])(?=[A-Za-z0-9+/_\-]*\d)(?=[A-Za-z0-9+/_\-]*[A-Za-z])[A-Za-z0-9+/_\-]{40,}={0,2}"
)
# Code that computes a secret (`get_password()`, `tokens[0]`, `os.environ[...]`) or names a
# variable (`token = user_token`) reveals nothing: keep it.
_CALL_OR_INDEX = re.compile(r"^[A-Za-z_][\w.]*[(\[]")
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z_.]*$")


def _mask_quoted(match: re.Match[str]) -> str:
    if match.group("value") == MASK:
        return match.group(0)
    quote = match.group("quote")
    return f"{match.group('name')}{match.group('sep')}{match.group('prefix')}{quote}{MASK}{quote}"


def _mask_bare(match: re.Match[str]) -> str:
    value = match.group("value")
    # `password = get_password()` or `token = tokens[0]` is code, not a leaked value.
    if value == MASK or _CALL_OR_INDEX.match(value) or _PLAIN_NAME.match(value):
        return match.group(0)
    return f"{match.group('name')}{match.group('sep')}{MASK}"


def scrub_secrets(text: str) -> str:
    """`text` with every secret-looking value replaced by «redacted»; everything else untouched."""
    if not text:
        return text
    for pattern in _SHAPED:
        text = pattern.sub(MASK, text)
    text = _QUOTED_ASSIGNMENT.sub(_mask_quoted, text)
    text = _BARE_ASSIGNMENT.sub(_mask_bare, text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@", text)
    return _HIGH_ENTROPY.sub(MASK, text)
