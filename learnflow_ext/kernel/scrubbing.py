"""Secrets never leave the kernel: API keys, tokens and passwords are masked in code,
tracebacks and variable summaries before anything is stored or sent to an agent (and
maybe an LLM)."""

import re

MASK = "«redacted»"

# Variable names that announce a secret, whatever the value looks like.
SECRET_NAME = re.compile(
    # "tokens"/"tokenizer" and "author" are everyday words in lessons, not secrets.
    r"(?i)(pass(word|wd|phrase)|(^|_)pass($|_)|pwd|secret|token(?!s\b|s_|i[sz]e)|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|credential|auth(?!or)|bearer|cookie|session[_-]?id|signing[_-]?key)"
)

# Values that are secrets by their shape, wherever they appear.
_VALUE_PATTERNS = [
    re.compile(r"sk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_\-]{16,}"),  # Anthropic, OpenAI, Stripe
    re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub tokens
    re.compile(r"github_pat_[A-Za-z0-9_]{30,}"),
    re.compile(r"xox[abposr]-[A-Za-z0-9\-]{10,}"),  # Slack
    re.compile(r"AIza[0-9A-Za-z_\-]{30,}"),  # Google API key
    re.compile(r"hf_[A-Za-z0-9]{30,}"),  # Hugging Face
    re.compile(r"glpat-[A-Za-z0-9_\-]{20,}"),  # GitLab
    re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"),
]

# `password = "..."`, `"api_key": "..."`, `token: ...`: keep the name, mask the value.
_ASSIGNED_SECRET = re.compile(
    r"""(?ix)
    (?P<name>[\w\-]*(?:pass(?:word|wd|phrase)|pwd|secret|token|api[_-]?key|apikey|access[_-]?key
        |private[_-]?key|credential|bearer|client[_-]?secret)[\w\-]*)
    (?P<sep>["']?\s*(?:=|:)\s*)
    (?P<quote>[rbuf]?["'])
    (?P<value>[^"'\n]{4,})
    (?P=quote)?
    """
)
# `Authorization: Bearer abc...` and `https://user:password@host`.
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]{12,}=*")
_URL_PASSWORD = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)(?P<user>[^:/@\s]+):(?P<pw>[^@/\s]+)@")
# Long random-looking strings (hex or base64 with digits and letters mixed) are keys more
# often than anything a beginner's exercise needs to show.
_HIGH_ENTROPY = re.compile(
    r"(?<![A-Za-z0-9+/_\-])(?=[A-Za-z0-9+/_\-]*\d)(?=[A-Za-z0-9+/_\-]*[A-Za-z])"
    r"[A-Za-z0-9+/_\-]{40,}={0,2}"
)


_SNAKE_CASE = re.compile(r"[a-z0-9_]+")


def is_secret_name(name: str) -> bool:
    return SECRET_NAME.search(name) is not None


def scrub_text(text: str) -> str:
    """Mask every secret-looking value; the rest of the text is left as the student wrote it."""
    if not text:
        return text
    for pattern in _VALUE_PATTERNS:
        text = pattern.sub(MASK, text)
    text = _ASSIGNED_SECRET.sub(_mask_assignment, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@", text)
    return _HIGH_ENTROPY.sub(_mask_random_looking, text)


def _mask_random_looking(match: re.Match[str]) -> str:
    word = match.group(0)
    # A long snake_case name (`total_price_including_tax_for_2024_orders`) is code, not a key.
    if _SNAKE_CASE.fullmatch(word) and word.count("_") >= 2:
        return word
    return MASK


def _mask_assignment(match: re.Match[str]) -> str:
    if match.group("value") == MASK:
        return match.group(0)
    quote = match.group("quote")
    closing = quote[-1] if match.group(0).endswith(quote[-1]) else ""
    return f"{match.group('name')}{match.group('sep')}{quote}{MASK}{closing}"
