"""The one scrubber over the corpus: recall and false-positive rate, printed and asserted.

`python -m tests.privacy.metrics` prints the same figures with every miss.
"""

import json
import time
from pathlib import Path

import pytest
from learnflow_agents.contracts import StudentQuery, VariableSummary
from learnflow_agents.privacy import MASK, scrub, scrub_query, scrub_query_fields, scrub_text

from tests.privacy.corpus import LOOKALIKES, SECRET_VARIABLES, SECRETS
from tests.privacy.metrics import measure


def test_the_corpus_is_big_enough() -> None:
    assert len(SECRETS) + len(SECRET_VARIABLES) >= 60
    assert len(LOOKALIKES) >= 60


def test_recall_and_false_positive_rate(capsys: pytest.CaptureFixture[str]) -> None:
    m = measure()
    with capsys.disabled():
        print(
            f"\nscrubber: recall {m['recall']:.3f} over {m['secrets']} secrets, "
            f"false-positive rate {m['false_positive_rate']:.3f} over {m['lookalikes']} look-alikes"
        )
    assert m["recall"] >= 0.95, m["missed"]
    assert m["false_positive_rate"] <= 0.05, m["false_positives"]


@pytest.mark.parametrize(
    ("code", "scrubbed"),
    [
        ('password = "hunter2"', f'password = "{MASK}"'),
        ("password: str = 'hunter2'", f"password: str = '{MASK}'"),
        (
            'os.environ["TWILIO_AUTH_TOKEN"] = "0bbab63455d1d3fd64c0ccadc927c51e"',
            f'os.environ["TWILIO_AUTH_TOKEN"] = "{MASK}"',
        ),
        ('smtp.login(user, "mailpass77")', f'smtp.login(user, "{MASK}")'),
        ('config = {"user": "ada", "password": "x1"}', f'config = {{"user": "ada", "password": "{MASK}"}}'),
        ("postgresql://app:pg-Pa55@db/shop", f"postgresql://app:{MASK}@db/shop"),
        ("Authorization: Bearer abcdefghijklmnop1234", f"Authorization: Bearer {MASK}"),
        ("export DB_PASSWORD=hunter", f"export DB_PASSWORD={MASK}"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----",
            f"-----BEGIN RSA PRIVATE KEY-----{MASK}-----END RSA PRIVATE KEY-----",
        ),
    ],
)
def test_values_are_masked_and_the_code_keeps_its_shape(code: str, scrubbed: str) -> None:
    assert scrub_text(code) == scrubbed


def test_scrubbing_twice_changes_nothing_more() -> None:
    for snippet, _ in SECRETS:
        once = scrub_text(snippet)
        assert scrub_text(once) == once, snippet


def test_empty_and_missing_text_pass_through() -> None:
    assert scrub(None) is None
    assert scrub("") == ""


def test_a_whole_query_is_scrubbed_text_code_traceback_and_variables() -> None:
    query = StudentQuery(
        text="my key ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 stopped working",
        code='db_pass = "Tr0ub4dor&3"',
        traceback='  File "x.py", line 1\n    pw = "correcthorse"\nNameError',
        variables=[
            VariableSummary(name="password", type="str", repr="'hunter2'"),
            VariableSummary(name="token", type="str", repr="'hello'"),
            VariableSummary(name="total", type="int", repr="42"),
        ],
    )
    out = scrub_query(query)
    dumped = out.model_dump_json()
    for secret in ("a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "Tr0ub4dor&3", "correcthorse", "hunter2"):
        assert secret not in dumped
    assert [v.repr for v in out.variables] == [f"'{MASK}'", "'hello'", "42"]
    assert out.query_id == query.query_id
    # The JSON form (what a student's server forwards to the gateway) is scrubbed the same.
    fields = scrub_query_fields(query.model_dump(mode="json"))
    assert fields["code"] == out.code and fields["variables"][0]["repr"] == f"'{MASK}'"


@pytest.mark.parametrize(
    "text",
    [
        "password=a " * 10_000,
        "sk-" * 30_000,
        "a-" * 50_000,
        "a:b@" * 25_000,
        "xoxb-1-" * 14_000,
        "http://" * 15_000,
        'x = "' + "a" * 99_000,
        "login(a, " * 10_000,
        "-----BEGIN RSA PRIVATE KEY-----\n" + "a" * 99_000,
    ],
    ids=["assignments", "sk", "dashes", "url-ish", "slack", "schemes", "open-quote", "calls", "pem"],
)
def test_hostile_input_is_scrubbed_in_linear_time(text: str) -> None:
    # Every door scrubs before storing: a pathological paste must not stall it.
    start = time.perf_counter()
    scrub(text)
    assert time.perf_counter() - start < 2.0


def test_the_courses_own_teaching_material_passes_unchanged() -> None:
    """Held-out look-alikes nobody wrote for the scrubber: every line of the exercise bank,
    the concepts base and the notebooks (hashing, tokenizers, passwords in lessons)."""
    repo = Path(__file__).resolve().parents[2]
    roots = [
        repo / "agents" / "bank",
        repo / "notebooks",
        repo / "agents" / "learnflow_agents" / "tutors" / "concepts",
    ]
    lines = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix == ".ipynb":
                cells = ["".join(c.get("source", [])) for c in json.loads(path.read_text()).get("cells", [])]
            elif path.suffix in (".toml", ".py"):
                cells = [path.read_text()]
            else:
                continue
            lines += [(path.name, line) for cell in cells for line in cell.splitlines() if line.strip()]
    changed = [(name, line) for name, line in lines if scrub_text(line) != line]
    assert len(lines) > 10_000
    assert changed == []
