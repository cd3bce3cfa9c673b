"""The one secret scrubber: every door into LearnFlow masks secret values with it.

Student code, tracebacks, question text and variable summaries pass through `scrub` (or
`scrub_query` for a whole query) before anything is stored, published or sent to a model:
in `Engine.submit*` (which the server extension, the gateway, the CLI and the embedded
client all go through), again in the server extension and gateway handlers (so nothing
leaves a student's pod unmasked in cluster mode), in the kernel's early pass and in the
LLM layer's prompt building.

Detection is layered, values only; the code around a value keeps its shape
(`password = "«redacted»"`):

* provider-shaped tokens, from the denylists of Yelp's maintained `detect-secrets`
  plugins (AWS, Azure storage, GitHub, GitLab, Slack, Stripe, Twilio, SendGrid, PyPI,
  Telegram, Discord, Mailchimp, Square, credentials in URLs), plus the shapes it does not
  know yet or matches with backtracking patterns (Anthropic, OpenAI, Stripe test keys,
  Google, Hugging Face, fine-grained GitHub PATs, npm, JWTs);
* a keyword pass like detect-secrets' `KeywordDetector`: the value given to a name that
  announces a secret (`db_pass = "…"`, `os.environ["TWILIO_AUTH_TOKEN"] = "…"`,
  `password: str = 'hunter2'`, `"api_key": "…"`, `PASSWORD=…`, `--password …`), the
  password argument of `login`-style calls, `Authorization` headers, URL credentials;
* an entropy pass (Shannon entropy, as detect-secrets' high-entropy plugins measure it)
  for random-looking runs, which spares digests (md5/sha1/sha256 hex in hashing lessons)
  and UUIDs.

Every pattern is bounded, so scrubbing is linear in the input: a hostile paste cannot
stall a door (tests/privacy/test_scrubber.py times the worst shapes found).

Code that computes a secret (`password = input()`, `token = tokens[0]`) reveals nothing and
is left alone, as are ordinary words given to weak names (`token = "hello"` in a tokenizer
exercise, `secret_word = "python"` in hangman).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from learnflow_agents import hot_path

if TYPE_CHECKING:
    from learnflow_agents.contracts import StudentQuery, VariableSummary

MASK = "«redacted»"

# -- provider-shaped values -------------------------------------------------------------


@functools.cache
def _detect_secrets_shapes() -> list[tuple[re.Pattern[str], int]]:
    """(pattern, group holding the value) from detect-secrets' own plugins' denylists.

    Imported on first use: the package takes a few hundred milliseconds to import, which
    a kernel or a CLI that never scrubs should not pay at start-up.
    """
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector
    from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
    from detect_secrets.plugins.twilio import TwilioKeyDetector

    shapes: list[tuple[re.Pattern[str], int]] = []
    for plugin in (
        AWSKeyDetector,
        AzureStorageKeyDetector,
        DiscordBotTokenDetector,
        GitHubTokenDetector,
        GitLabTokenDetector,
        MailchimpDetector,
        PypiTokenDetector,
        SendGridDetector,
        SlackDetector,
        SquareOAuthDetector,
        StripeDetector,
        TelegramBotTokenDetector,
        TwilioKeyDetector,
    ):
        # AWS's second pattern captures the secret key after `aws..._key = `.
        shapes.extend((p, 1 if p.groups and plugin is AWSKeyDetector else 0) for p in plugin().denylist)
    shapes.extend((p, 1) for p in BasicAuthDetector().denylist)  # `scheme://user:PASSWORD@`
    # Left out: OpenAI's and npm's patterns backtrack on long lines (bounded versions are
    # below), IP addresses are lesson data, and the keyword plugins are the keyword pass.
    return shapes + _SHAPES


# Shapes detect-secrets 1.5 does not know (or knows only in their older form).
_SHAPES: list[tuple[re.Pattern[str], int]] = [
    # OpenAI's legacy keys (detect-secrets' pattern, bounded: its `[...]*` backtracks)
    (re.compile(r"sk-[A-Za-z0-9\-_]{0,80}?[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"), 0),
    (re.compile(r"\bsk-ant-(?:api|admin)\d*-[A-Za-z0-9_\-]{20,}"), 0),  # Anthropic
    (re.compile(r"\bsk-(?:proj-|svcacct-|admin-|live-|test-)?[A-Za-z0-9_\-]{20,}"), 0),  # OpenAI
    (re.compile(r"\b(?:sk|rk|pk)_(?:test|live)_[0-9A-Za-z]{16,}"), 0),  # Stripe, any length
    (re.compile(r"\bwhsec_[0-9A-Za-z]{20,}"), 0),  # Stripe webhook secret
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"), 0),  # Google API key
    (re.compile(r"\bya29\.[0-9A-Za-z_\-]{20,}"), 0),  # Google OAuth access token
    (re.compile(r"\bGOCSPX-[0-9A-Za-z_\-]{20,}"), 0),  # Google OAuth client secret
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), 0),  # Hugging Face
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}"), 0),  # GitHub fine-grained PAT
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), 0),  # GitHub, lengths other than 36
    (re.compile(r"\bxox[abposre]-[A-Za-z0-9\-]{10,}"), 0),  # Slack, any form
    (re.compile(r"\bxapp-\d-[A-Za-z0-9\-]{10,}"), 0),  # Slack app-level token
    (re.compile(r"\bSK[0-9a-fA-F]{32}\b"), 0),  # Twilio API key SID
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), 0),  # npm
    # `//registry/:_authToken=VALUE` (detect-secrets' `//.+/:` backtracks on long lines)
    (re.compile(r":_authToken=\s*([^\s\"']+)"), 1),
    (re.compile(r"\bdop_v1_[a-f0-9]{64}\b"), 0),  # DigitalOcean
    (re.compile(r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"), 0),  # Shopify
    (re.compile(r"(?i)\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)=([^;\"'\s]{8,})"), 1),  # Azure
    (re.compile(r"\bAC[a-f0-9]{32}[\"']\s*,\s*[\"']([a-f0-9]{32})[\"']"), 1),  # Twilio Client(sid, token)
    (re.compile(r"[?&]sig=([A-Za-z0-9%+/=]{20,})"), 1),  # Azure SAS signature
]
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}=*\.eyJ[A-Za-z0-9_\-]{8,}=*\.[A-Za-z0-9_\-+/]*=*")
_PRIVATE_KEY = re.compile(
    r"(?P<head>-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)"
    r"(?P<body>[\s\S]*?)"
    r"(?P<tail>-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)"
)
_PUTTY_KEY = re.compile(r"(?m)^Private-Lines: *\d+\s*\n(?P<body>(?:[A-Za-z0-9+/=]+\n?)+)")

# -- names that announce a secret -----------------------------------------------------------

# A name is split into lower-case words (`dbPass` -> db, pass; `TWILIO_AUTH_TOKEN` ->
# twilio, auth, token). Strong words mark any value as a secret; weak words only a value
# that looks random (a tokenizer's `token = "hello"` or hangman's `secret_word = "python"`
# stays).
_STRONG_WORDS = {
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "pwd",
    "pw",
    "pword",
    "credential",
    "credentials",
    "apikey",
    "secretkey",
    "privatekey",
    "accesskey",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "clientsecret",
    "bearer",
    "signingkey",
    "accountkey",
    "sessionid",
    "sessiontoken",
    "masterkey",
    "encryptionkey",
    "webhooksecret",
}
_STRONG_PAIRS = {
    ("api", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("access", "key"),
    ("auth", "token"),
    ("access", "token"),
    ("refresh", "token"),
    ("client", "secret"),
    ("signing", "key"),
    ("account", "key"),
    ("session", "id"),
    ("session", "token"),
    ("master", "key"),
    ("encryption", "key"),
    ("webhook", "secret"),
    ("app", "secret"),
    ("api", "secret"),
    ("auth", "key"),
    ("shared", "secret"),
    ("consumer", "secret"),
    ("secret", "access"),
}
_WEAK_WORDS = {"token", "secret", "secrets", "auth", "key", "cookie", "salt", "sig", "signature"}
# Names that hold something *about* a secret, not the secret: `password_prompt`,
# `TOKEN_ENV_VAR`, `max_token_length`, `api_key_header`.
_NOT_SECRET_LAST = {
    "url",
    "uri",
    "urls",
    "endpoint",
    "path",
    "file",
    "filename",
    "dir",
    "name",
    "names",
    "type",
    "types",
    "length",
    "len",
    "count",
    "size",
    "field",
    "label",
    "prompt",
    "hint",
    "policy",
    "regex",
    "pattern",
    "format",
    "min",
    "max",
    "expiry",
    "expires",
    "ttl",
    "timeout",
    "env",
    "var",
    "header",
    "headers",
    "param",
    "column",
    "id_column",
    "valid",
    "required",
    "strength",
    "hash",
    "hashed",
    "digest",
    "input",
    "message",
    "msg",
    "error",
    "errors",
    "text",
    "mode",
    "scheme",
    "kind",
    "index",
    "idx",
    "ids",
    "number",
    "word",
    "words",
    "guess",
    "limit",
    "counter",
    "total",
    "version",
    "rate",
    "mark",
    "score",
    "location",
    "prefix",
    "suffix",
}
# Words that make `token`/`key`/`secret` everyday lesson vocabulary rather than a credential.
_EVERYDAY_QUALIFIERS = {
    "next",
    "prev",
    "previous",
    "first",
    "last",
    "current",
    "cur",
    "start",
    "end",
    "special",
    "unk",
    "pad",
    "eos",
    "bos",
    "sep",
    "cls",
    "mask",
    "new",
    "old",
    "sub",
    "input",
    "output",
    "target",
    "my",
    "the",
    "a",
    "this",
    "each",
    "one",
    "single",
    "raw",
    "clean",
    "lower",
    "upper",
    "sort",
    "dict",
    "primary",
    "foreign",
    "composite",
    "sorting",
    "lookup",
    "cache",
    "map",
    "is",
    "has",
    "game",
    "santa",
    "random",
    "item",
    "row",
    "col",
    "column",
    "node",
    "tree",
}
_WORD_SPLIT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT.findall(name)]


def secret_strength(name: str) -> int:
    """2: the name announces a secret; 1: it may hold one (`token`, `secret`); 0: it doesn't."""
    words = _words(name)
    if not words or words[-1] in _NOT_SECRET_LAST:
        return 0
    if any(w in _STRONG_WORDS for w in words) or any(p in _STRONG_PAIRS for p in itertools.pairwise(words)):
        return 2
    if "".join(words) in _STRONG_WORDS:
        return 2
    # `pass` is a password only at the end of a name (`db_pass`, `userPass`); alone it is
    # also the statement and the English word, and `pass_rate` is a rate.
    if words[-1] == "pass":
        return 2 if len(words) > 1 else 1
    if not any(w in _WEAK_WORDS for w in words):
        return 0
    if words[-1] not in _WEAK_WORDS:
        return 1  # `auth_resource`, `secret_santa`: secret only if the value looks it
    # `GITHUB_TOKEN`, `bot_token`, `DB_SECRET`: a service's token; `token`, `next_token`,
    # `secret_word`: a tokenizer's or a game's. Constants (`SECRET = ...`) hold real ones.
    if name.isupper() and len(name) > 1:
        return 2
    if any(w not in _EVERYDAY_QUALIFIERS and w not in _WEAK_WORDS for w in words[:-1]):
        return 2
    return 1


def is_secret_name(name: str) -> bool:
    return secret_strength(name) > 0


def _entropy(data: str) -> float:
    if not data:
        return 0.0
    counts: dict[str, int] = {}
    for char in data:
        counts[char] = counts.get(char, 0) + 1
    total = len(data)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DIGEST_LENGTHS = {32, 40, 56, 64, 96, 128}
_PATH_PART = re.compile(r"[A-Za-z]*\d*(?:[-_][A-Za-z0-9]+)*")


def _looks_random(value: str, min_length: int = 20) -> bool:
    """A run of key material rather than words, numbers, digests or identifiers."""
    if len(value) < min_length or _UUID.fullmatch(value):
        return False
    if _HEX.fullmatch(value):
        # md5/sha1/sha256 digests are everyday lesson data; other hex runs are keys.
        return len(value) not in _DIGEST_LENGTHS and _entropy(value) >= 3.0 and not value.isdigit()
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    if not (has_digit and has_alpha):
        return False
    if re.fullmatch(r"[a-z0-9]+(?:[_\-][a-z0-9]+){2,}", value):  # snake_case / kebab-case words
        return False
    if value.startswith(("/", ".", "~")) or "://" in value:  # paths and URLs
        return False
    parts = value.split("/")
    if len(parts) > 1 and all(_PATH_PART.fullmatch(part) for part in parts):
        return False  # `org/draft/2020-12/schema`: a path of words
    # Identifiers and paths (`Draft202012Validator`, `kernels/learnflow-python3`) change
    # between lower case, upper case, digits and punctuation a few times; key material
    # changes at every other character.
    kinds = [_char_kind(c) for c in value]
    switches = sum(a != b for a, b in itertools.pairwise(kinds))
    if switches < 0.35 * len(value):
        return False
    # Random over its own alphabet: lower case and digits (36 symbols) reach less entropy
    # than base64 (64) at any length.
    alphabet = sum(size for kind, size in ((0, 26), (1, 26), (2, 10), (3, 4)) if kind in kinds)
    return _entropy(value) >= 0.82 * math.log2(min(len(value), alphabet))


def _char_kind(char: str) -> int:
    return 0 if char.islower() else 1 if char.isupper() else 2 if char.isdigit() else 3


def _secretish(value: str) -> bool:
    """Whether a value given to a weak name (`token`, `secret`) looks like a secret."""
    value = value.strip()
    if len(value) < 8 or " " in value or MASK in value:
        return False
    if "://" in value or value.startswith(("/", "./", "<", "[")):
        return False
    if _HEX.fullmatch(value) and len(value) >= 16:
        return True
    lower, upper, digit, other = _kinds_present(value)
    kinds = lower + upper + digit + other
    return kinds >= 3 or (kinds >= 2 and digit and len(value) >= 12)


_ASCII_KINDS = (re.compile("[a-z]"), re.compile("[A-Z]"), re.compile("[0-9]"), re.compile("[^A-Za-z0-9]"))


def _kinds_present(value: str) -> tuple[bool, bool, bool, bool]:
    """Whether `value` has a lower-case letter, an upper-case one, a digit, anything else.

    Called for every candidate value in a text (up to 300 characters each, one per name in
    `key:key:key:...`), so it must not walk each value in Python: a 100 kB paste of such
    text held the gateway's event loop for seconds. ASCII (almost every value) is judged by
    four regex searches, which answer exactly as `str.islower`/`isupper`/`isdigit`/`isalnum`
    do for ASCII; other text by its distinct characters.
    """
    if value.isascii():
        return tuple(bool(p.search(value)) for p in _ASCII_KINDS)  # type: ignore[return-value]
    chars = set(value)
    return (
        any(c.islower() for c in chars),
        any(c.isupper() for c in chars),
        any(c.isdigit() for c in chars),
        any(not c.isalnum() for c in chars),
    )


def _masks_value(strength: int, value: str) -> bool:
    if not value or value == MASK or value.strip("*•x.") == "":
        return False
    return strength >= 2 or (strength == 1 and _secretish(value))


# -- assignments: `name = "value"`, `"name": "value"`, `NAME=value` ----------------------

_IDENT = r"[A-Za-z_][\w\-]{0,99}"  # bounded: no backtracking over a long line
_ASSIGNMENT = re.compile(
    rf"""(?x)
    (?:
        (?<![\w"'\-])(?P<bare>{_IDENT})                 # password, self.db_pass, X-Api-Key
      | (?P<q>["'])(?P<quoted>{_IDENT})(?P=q)\s*\]?   # "api_key": / os.environ["TOKEN"] =
    )
    (?:[ \t]*:[ \t]*(?P<ann>[A-Za-z_][\w\[\]., |]{{0,80}}?)(?=[ \t]*=[^=]))?   # password: str = ...
    (?P<sep>[ \t]*(?::=|==|!=|=>|=|:)[ \t]*)
    (?:
        (?P<prefix>[rRbBuUfF]{{0,2}})(?P<vq>["'])(?P<qval>(?:\\.|(?!(?P=vq))[^\\\n]){{0,1000}})(?P=vq)
      | (?P<bval>(?!["'(\[{{])[^\s"',;)\]}}&#]{{1,300}}(?:&(?![\w\-]+=)[^\s"',;)\]}}&#]{{0,300}}){{0,5}})
    )
    """
)
_CODE_VALUE = re.compile(r"[A-Za-z_][\w.]*\s*[(\[]|[A-Za-z_][\w.]*$")
_LITERALS = {"None", "True", "False", "null", "true", "false", "nil", "undefined", "self", "cls"}
_TYPE_NAMES = {
    "str",
    "bytes",
    "int",
    "float",
    "bool",
    "dict",
    "list",
    "tuple",
    "Any",
    "Optional",
    "SecretStr",
    "SecretBytes",
    "object",
    "None",
}


def _assignment_spans(text: str) -> Iterable[tuple[int, int]]:
    for m in _assignments(text):
        name = m.group("bare") or m.group("quoted")
        strength = secret_strength(name.rsplit(".", 1)[-1])
        if not strength:
            continue
        sep = m.group("sep").strip()
        if m.group("vq") is not None:
            value = m.group("qval")
            if "f" in m.group("prefix").lower() and "{" in value:
                continue  # f"Bearer {token}": the value is computed
            if _masks_value(strength, value):
                yield m.span("qval")
            continue
        value = m.group("bval")
        if value in _LITERALS or value == MASK or value.startswith(("{", "$", "%", "<", "*")):
            continue  # None, ${VAR}, {{ template }}, <your-key>
        if re.fullmatch(r"\d+(?:\.\d+){2,}", value):
            continue  # a version (`detect-secrets==1.5.0`)
        if re.fullmatch(r"-?(?:\d[\d_]*(?:\.\d+)?|0[xXoObB][0-9a-fA-F_]+)", value):
            # a number: only a password-ish name with a PIN-like value
            if strength >= 2 and value.isdigit() and len(value) >= 4 and sep in {"=", ":", "=="}:
                yield m.span("bval")
            continue
        if _CODE_VALUE.match(value) and not _bare_identifier_is_secret(text, m, name, sep, value):
            continue
        prose = sep == ":" and m.group("bare") and _line_before(text, m.start()).strip() not in {"", "-"}
        if prose and not _secretish(value):
            continue  # `One pass: re-drive ...`; `my password: Tr0ub4dor&3` still goes
        if _masks_value(strength, value):
            yield m.span("bval")


def _line_before(text: str, start: int) -> str:
    """The (at most 200) characters of the line before `start`."""
    line_start = max(text.rfind("\n", max(0, start - 200), start) + 1, start - 200, 0)
    return text[line_start:start]


def _assignments(text: str) -> Iterable[re.Match[str]]:
    """Every `name <sep> value`, including those inside another one's value
    (`conn = "host=db;Password=x"`)."""
    pos = 0
    while (m := _ASSIGNMENT.search(text, pos)) is not None:
        yield m
        pos = m.end("bare") if m.group("bare") else m.end("quoted")


def _bare_identifier_is_secret(text: str, m: re.Match[str], name: str, sep: str, value: str) -> bool:
    """`password=hunter` in an .env line, a connection string or YAML is a secret;
    `password=pw` as a keyword argument or `token: str` in a signature is code."""
    if value.endswith(("(", "[")) or "." in value:
        return False  # a call, an index, an attribute
    start = m.start()
    before = _line_before(text, start)
    after = text[m.end() : m.end() + 1]
    if sep == ":":
        if m.group("quoted") is not None:
            return False  # {"token": token}
        if (
            value in _TYPE_NAMES
            or re.fullmatch(r"[A-Z][A-Za-z_]*", value)
            or after[:1] in {",", ")", "=", "|", "["}
        ):
            return False  # token: str, def f(password: Secret)
        return before.strip() in {"", "-"}  # YAML, not `print(x, password: y)`
    if sep != "=":
        return False
    # .env / shell: `DB_PASSWORD=hunter` at the start of a line, no spaces around `=`.
    env_line = m.group("bare") and not m.group("ann") and m.group("sep") == "="
    if env_line and (before.strip() in {"export", "set", "SET"} or (not before.strip() and name.isupper())):
        return True
    # connection strings and query strings: `;Password=x;`, `?token=x&`, `host=db password=x`
    prev = before.rstrip()
    return prev.endswith((";", "?", "&")) or re.search(r"\w=[^\s=\"',()]+$", prev) is not None


# -- calls, headers, command lines ------------------------------------------------------

# `smtp.login(user, "pw")`, `HTTPBasicAuth("me", "pw")`, `auth=("me", "pw")`,
# `keyring.set_password("svc", "me", "pw")`: the last positional string is the password.
_CREDENTIAL_CALL = re.compile(
    r"(?:\.(?:login|authenticate|auth|starttls_login|set_password|simple_bind_s|bind_s|connect_with_password)"
    r"|\b(?:[A-Za-z]\w*_)?login(?=\()"
    r"|\b(?:HTTPBasicAuth|HTTPDigestAuth|BasicAuth|HTTPProxyAuth|ProxyBasicAuth|DigestAuth)"
    r"|\b(?i:(?:[a-z]\w*_)?(?:auth|credentials|creds))\s*=\s*)"
    r"\s*\((?P<args>[^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)"
)
_STRING = re.compile(r"""(?P<prefix>[rRbBuU]{0,2})(?P<q>["'])(?P<v>(?:\\.|(?!(?P=q))[^\\\n])*)(?P=q)""")
_AUTH_HEADER = re.compile(
    r"(?i)\b(?:proxy-)?authorization\b[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|basic|token|digest|bot|apikey|sso-key)\s+)?"
    r"(?!(?:bearer|basic|token|digest|bot|apikey)\b)(?P<v>[^\s\"',;{}]{6,})"
)
_BEARER = re.compile(r"\b(?:Bearer|Basic|bearer|Token)\s+(?P<v>[A-Za-z0-9._~+/\-]{16,}=*)")
_CLI_FLAG = re.compile(
    r"(?<![\w-])--?(?P<name>[A-Za-z][\w\-]*)(?:=|[ \t]+)(?P<q>[\"']?)(?P<v>(?![\-\"'])[^\s\"']+)(?P=q)"
)
_URL_CREDENTIALS = re.compile(
    r"(?<![a-zA-Z0-9+.\-])[a-zA-Z][a-zA-Z0-9+.\-]{0,30}://[^:/@\s\"']{0,200}:(?P<v>[^@/\s\"']{1,200})@"
)
_RANDOM_RUN = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{20,}={0,2}(?![A-Za-z0-9+/_\-])")


def _call_spans(text: str) -> Iterable[tuple[int, int]]:
    for m in _CREDENTIAL_CALL.finditer(text):
        args = _split_args(m.group("args"))
        positional = [(start, arg) for start, arg in args if not re.match(r"\s*\w+\s*=[^=]", arg)]
        if len(positional) < 2:
            continue
        start, last = positional[-1]
        s = _STRING.fullmatch(last.strip())
        if s and s.group("v") and s.group("v") != MASK:
            offset = m.start("args") + start + (len(last) - len(last.lstrip())) + s.start("v")
            yield offset, offset + len(s.group("v"))


def _split_args(args: str) -> list[tuple[int, str]]:
    parts, depth, start, quote = [], 0, 0, ""
    for i, char in enumerate(args):
        if quote:
            if char == quote and args[i - 1] != "\\":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append((start, args[start:i]))
            start = i + 1
    if args[start:].strip():
        parts.append((start, args[start:]))
    return parts


# Every pattern above needs, somewhere in what it matches, one of these characters or a
# run of 16 ASCII letters and digits: the provider shapes have a `_`, `-`, `.`, `:` or `=`
# in them or are runs of 20+ alphanumerics (`AKIA…`, Twilio's `AC…`/`SK…`); an assignment,
# a header or a URL has its `=` or `:`; a credential call's password is a quoted string; a
# CLI flag starts with `-`; a bearer value or a random run is 16+ of `[A-Za-z0-9._~+/-]`.
# A text with none of them (most one-line questions) cannot match any of them, so it skips
# some 60 regex scans (tests/privacy/test_fast_path.py checks this against the full pass).
_MAY_HOLD_SECRET = re.compile(r"""[=:\-_.'"/+~]|[A-Za-z0-9]{16}""")


def may_hold_secret(text: str) -> bool:
    """False only for a text in which no pattern of the scrubber can match."""
    return _MAY_HOLD_SECRET.search(text) is not None


def _spans(text: str) -> list[tuple[int, int]]:
    # The path before the pre-check is kept for `benchmarks/pipeline.py --compare`.
    if not hot_path.legacy and not may_hold_secret(text):
        return []
    return _all_spans(text)


def _all_spans(text: str) -> list[tuple[int, int]]:
    """Every pattern's spans, without the pre-check (what `_spans` must agree with)."""
    spans: list[tuple[int, int]] = []
    for pattern, group in _detect_secrets_shapes():
        spans.extend(m.span(group) for m in pattern.finditer(text) if m.group(group))
    # `eyJ` is base64 for `{"`: even a truncated JWT is a token.
    spans.extend(m.span() for m in _JWT.finditer(text))
    spans.extend(m.span("body") for m in _PRIVATE_KEY.finditer(text) if m.group("body").strip())
    spans.extend(m.span("body") for m in _PUTTY_KEY.finditer(text))
    spans.extend(_assignment_spans(text))
    spans.extend(_call_spans(text))
    spans.extend(m.span("v") for m in _AUTH_HEADER.finditer(text))
    spans.extend(m.span("v") for m in _BEARER.finditer(text))
    spans.extend(m.span("v") for m in _URL_CREDENTIALS.finditer(text) if m.group("v") != MASK)
    for m in _CLI_FLAG.finditer(text):
        strength = secret_strength(m.group("name"))
        if strength and _masks_value(strength, m.group("v")) and not m.group("v").startswith(("$", "{")):
            spans.append(m.span("v"))
    spans.extend(m.span() for m in _RANDOM_RUN.finditer(text) if _looks_random(m.group(0)))
    return spans


def scrub(text: str | None) -> str | None:
    """`text` with every secret value replaced by «redacted»; everything else untouched."""
    if not text:
        return text
    spans = sorted(s for s in _spans(text) if s[1] > s[0])
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        if out and start <= pos:  # overlapping or touching the previous mask: one mask
            pos = max(pos, end)
            continue
        out.append(text[pos:start])
        out.append(MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def scrub_text(text: str) -> str:
    """`scrub` for a `str` (never None)."""
    return scrub(text) or text


def scrub_variable_repr(name: str, rep: str) -> str:
    """A variable's repr, masked whole when its name announces a secret (or a weak name
    holds a secret-looking value), else scrubbed like any text."""
    strength = secret_strength(name)
    quoted = len(rep) >= 2 and rep[0] == rep[-1] and rep[0] in "\"'"
    inner = rep[1:-1] if quoted else rep
    if strength and _masks_value(strength, inner) and not re.fullmatch(r"-?\d{1,3}(\.\d+)?", inner):
        return f"{rep[0]}{MASK}{rep[0]}" if quoted else MASK
    return scrub_text(rep)


def scrub_variable(variable: VariableSummary) -> VariableSummary:
    """A variable summary whose value is masked when its name announces a secret or the
    value itself holds one."""
    masked = scrub_variable_repr(variable.name, variable.repr or "")
    if masked == (variable.repr or ""):
        return variable
    return variable.model_copy(update={"repr": masked})


def scrub_query(query: StudentQuery) -> StudentQuery:
    """The query with its text, code, traceback and variable summaries scrubbed."""
    update: dict[str, object] = {}
    for field in ("text", "code", "traceback"):
        value = getattr(query, field)
        scrubbed = scrub(value)
        if scrubbed != value:
            update[field] = scrubbed
    variables = [scrub_variable(v) for v in query.variables]
    if any(a is not b for a, b in zip(variables, query.variables, strict=True)):
        update["variables"] = variables
    return query.model_copy(update=update) if update else query


def scrub_query_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A query as JSON, before validation (what a server forwards to the gateway), with the
    same fields scrubbed as `scrub_query`; anything else is left for validation to judge."""
    out = dict(data)
    for field in ("text", "code", "traceback"):
        if isinstance(out.get(field), str):
            out[field] = scrub_text(out[field])
    variables = out.get("variables")
    if isinstance(variables, list):
        out["variables"] = [
            {**v, "repr": scrub_variable_repr(str(v.get("name", "")), v["repr"])}
            if isinstance(v, dict) and isinstance(v.get("repr"), str)
            else v
            for v in variables
        ]
    return out
