"""Secrets are masked before code, tracebacks or variables leave the kernel (the kernel's early
pass calls the one scrubber, learnflow_agents.privacy; tests/privacy has its corpus)."""

import pytest
from learnflow_agents.privacy import MASK, is_secret_name, scrub_text

from learnflow_ext.kernel.variables import describe, names_in_source, summarize_variables

SECRETS = [
    "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "sk-proj-abcdefghijklmnopqrstuvwx",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "xoxb-123456789012-abcdefghij",
    "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
    "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    # 48 hex digits: a key (32/40/64 are md5/sha1/sha256 digests, lesson data, kept).
    "0123456789abcdef0123456789abcdef0123456789abcdef",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_secret_shaped_values_are_masked_anywhere(secret: str) -> None:
    scrubbed = scrub_text(f"client = connect('{secret}')\nprint(client)")
    assert secret not in scrubbed
    assert MASK in scrubbed
    assert scrubbed.startswith("client = connect(")


def test_assigned_secrets_keep_their_name_and_lose_their_value() -> None:
    code = 'password = "hunter2hunter2"\nconfig = {"api_key": "abc123def456"}\nDB_TOKEN="plain-words"'
    scrubbed = scrub_text(code)
    assert scrubbed == f'password = "{MASK}"\nconfig = {{"api_key": "{MASK}"}}\nDB_TOKEN="{MASK}"'


def test_urls_and_headers_lose_their_credentials() -> None:
    scrubbed = scrub_text(
        "postgresql://ana:pg-pass-4321@db/course\nAuthorization: Bearer abcdefghijklmnop1234"
    )
    assert scrubbed == f"postgresql://ana:{MASK}@db/course\nAuthorization: Bearer {MASK}"


def test_private_keys_are_masked_whole() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----"
    masked = f"-----BEGIN RSA PRIVATE KEY-----{MASK}-----END RSA PRIVATE KEY-----"
    assert scrub_text(f"key = '''{key}'''") == f"key = '''{masked}'''"


def test_ordinary_code_is_left_alone() -> None:
    code = (
        "total_price_including_tax_for_2024_orders = sum(prices)\n"
        "author = 'Ada'\ntokens = text.split()\nfor i in range(10):\n    print(i)"
    )
    assert scrub_text(code) == code


def test_secret_names() -> None:
    for name in (
        "password",
        "db_password",
        "db_pass",
        "API_KEY",
        "apikey",
        "github_token",
        "client_secret",
        "auth",
    ):
        assert is_secret_name(name), name
    for name in ("author", "tokens", "tokenizer", "passes", "total", "keys"):
        assert not is_secret_name(name), name


def test_variables_named_like_secrets_are_never_described() -> None:
    summary = describe("github_token", "not-even-secret-looking")
    assert summary is not None
    assert summary.repr == MASK
    assert summary.length is None


def test_names_come_in_order_even_from_code_that_does_not_parse() -> None:
    assert names_in_source("total = price * count\nprint(total)") == ["total", "price", "count", "print"]
    assert names_in_source("if total = 3:\n    print(total)") == ["total", "print"]


def test_summaries_are_short_and_typed() -> None:
    class Grid:
        shape = (3, 4)

        def __len__(self) -> int:
            return 3

        def __repr__(self) -> str:
            return "Grid(" + "x" * 500 + ")"

    namespace = {"grid": Grid(), "words": ["a"] * 100, "module_like": __import__("os"), "_hidden": 1}
    summaries = summarize_variables(
        ["grid", "words", "module_like", "_hidden", "missing"], [namespace], max_repr=40
    )
    assert [s.name for s in summaries] == ["grid", "words"]
    grid, words = summaries
    assert grid.shape == "(3, 4)" and grid.length == 3
    assert len(grid.repr) <= 40 and "..." in grid.repr
    assert words.type == "list" and words.length == 100
    assert words.repr.startswith("['a', 'a', 'a'") and len(words.repr) <= 40
    [full] = summarize_variables(["words"], [namespace])
    assert full.repr == "['a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', ...]"  # long lists end with "..."


def test_variable_count_is_capped() -> None:
    namespace = {f"v{n}": n for n in range(50)}
    assert len(summarize_variables(list(namespace), [namespace], max_variables=12)) == 12
