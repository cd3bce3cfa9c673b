"""Attack: the debug tutor's analyses added from the SO set (commits f582fcf, 2f324f2, 6fb1ab3,
eb44aee, a1d3159, 4082983) against issue 14's rules for a suggested fix: code shown always
compiles, a "checked" fix keeps the student's intent, no wrong advice the student cannot tell
from right, no markup injected through the student's own code.

Each case runs the student's cell in a fresh interpreter for the real traceback, asks the
tutor through its public entry point, and where a fix is offered runs the fixed cell too.

Failed before the fix (in the analysers those commits touched):
 1. missing `self` where the method's first parameter (`this`, a typo `slef`) is never used:
    `def bump(self, this):` — a parameter the call never gives (then TypeError).
 2. `Animal.__init__()` inside `Dog.__init__(self)`: told to call `Animal().__init__()` (a new,
    unrelated object) instead of `super().__init__()` / `Animal.__init__(self)`.
 3. json, a set inside a dict: `json.dumps(list(data))` "checked: runs" — it writes the dict's
    keys and loses the data.
 4. json, a bound method (forgotten `()`): `default=str` "checked: runs" and writes
    "<bound method …>" — the real bug hidden.
 5. json, a class with `__slots__`: `vars(p)` offered ("checked: compiles"), which raises.
 6. bytes, `json.dump(data, open('out.json', 'wb'))`: told to write `open(b'out.json', 'wb')`.
 7. bytes, `b64encode(name.replace(' ', '_'))`: told `name.replace(b' ', '_')` (a str method).
 8. bytes, a literal written over two lines (`'ab'` `'cd'`): the shown `b'ab' 'cd'` does not
    compile.
 9. bytes, `'caf\xe9'` (ASCII source, non-ASCII text) became `b'caf\xe9'` (Latin-1 bytes), not
    the UTF-8 `.encode()` the same text written `'café'` gets.
10. markup: a text literal, a `%(…)s` placeholder name, a tuple item, a strftime format and a
    method's default value reach the reply inside single-backtick spans; a backtick in them
    ends the span and the rest renders as the tutor's link and bold voice.
11. trailing comma: an intended one-item tuple at module level was blamed for a tuple that a
    function received as its own parameter of the same name (fix "drop the comma on line 1").
12. `range(Decimal(n))`: "calls `Decimal(n)` with a value that already is a decimal.Decimal",
    fix `range(n)` "checked" — `n` is an int, the claim is false.
13. rows of different lengths added up: the guard filled a missing position with '' (then
    int + str), and the summary named the long row (rows[0]) instead of the short one.
14. `with t := Timer():` rewritten `with Timer() as t:` — `as` names what `__enter__` returns
    (None here), not the object; brackets keep what was written.

Held (kept as tests): a parameter the method reads still
gets `self` added, an object of the student's class passed itself still gets `vars()`, a
trailing comma in the same scope is still found, chained / two-item walrus lines are said in
words, not shown as code that does not compile.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from learnflow_agents.contracts.reply import CodeRole

from learnflow_ext.widgets.document import ReplyView
from tests.tutors.debug_cells import ask_about, run_cell


def _fix(reply) -> str | None:
    return next((b.code for b in reply.code_blocks if b.role == CodeRole.FIX), None)


def _prose(reply) -> str:
    return "\n".join([reply.summary, reply.explanation, *reply.hints])


# --- missing self -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "head", "out"),
    [
        (
            "class Counter:\n    def __init__(self):\n        self.n = 0\n    def bump(this):\n"
            "        self.n += 1\nc = Counter()\nc.bump()\nprint(c.n)\n",
            "def bump(self):",
            "1\n",
        ),
        (
            "class Pet:\n    def __init__(slef, name):\n        self.name = name\n"
            "p = Pet('Rex')\nprint(p.name)\n",
            "def __init__(self, name):",
            "Rex\n",
        ),
    ],
    ids=["first-parameter-this", "first-parameter-typo"],
)
def test_an_unused_first_parameter_is_renamed_self_not_pushed_along(
    code: str, head: str, out: str, tmp_path: Path
) -> None:
    reply = ask_about(code, tmp_path)
    assert head in reply.summary, reply.summary
    fix = _fix(reply)
    assert fix is not None and head in fix
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == out


def test_a_first_parameter_the_method_reads_still_gets_self_added(tmp_path: Path) -> None:
    code = (
        "class Cart:\n    def __init__(self):\n        self.items = []\n    def put(item):\n"
        "        self.items.append(item)\nCart.put('pen')\n"
    )
    reply = ask_about(code, tmp_path)
    fix = _fix(reply)
    assert fix is not None and "def put(self, item):" in fix and "Cart().put('pen')" in fix


def test_a_parent_method_called_on_the_class_inside_a_child_method(tmp_path: Path) -> None:
    code = (
        "class Animal:\n    def __init__(self):\n        self.legs = 4\nclass Dog(Animal):\n"
        "    def __init__(self):\n        Animal.__init__()\n        self.name = 'Rex'\n"
        "d = Dog()\nprint(d.legs)\n"
    )
    reply = ask_about(code, tmp_path)
    said = _prose(reply)
    assert "Animal().__init__()" not in said  # a new, unrelated Animal would get the legs
    assert "super().__init__()" in reply.summary and "Animal.__init__(self)" in reply.summary


# --- json ---------------------------------------------------------------------------------


def test_a_set_inside_a_dict_is_not_turned_into_the_dicts_keys(tmp_path: Path) -> None:
    code = "import json\ndata = {'tags': {'a'}}\nprint(json.dumps(data))\n"
    reply = ask_about(code, tmp_path)
    fix = _fix(reply)
    assert fix is not None and "list(data)" not in fix
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == '{"tags": ["a"]}\n'  # the data kept, not '["tags"]'


def test_a_method_passed_without_brackets_is_not_written_as_text(tmp_path: Path) -> None:
    code = (
        "import json\nclass Pet:\n    def to_dict(self):\n        return {'name': 'Rex'}\n"
        "p = Pet()\nprint(json.dumps(p.to_dict))\n"
    )
    reply = ask_about(code, tmp_path)
    assert "default=str" not in _prose(reply) and _fix(reply) is None
    assert "`()`" in reply.summary


def test_an_object_with_slots_is_not_offered_vars(tmp_path: Path) -> None:
    code = (
        "import json\nclass P:\n    __slots__ = ('x',)\n    def __init__(self):\n        self.x = 1\n"
        "p = P()\nprint(json.dumps(p))\n"
    )
    reply = ask_about(code, tmp_path)
    fix = _fix(reply)
    assert fix is None or "vars(" not in fix
    assert "json.dumps(vars(p))" not in _prose(reply)
    assert "__slots__" in reply.summary


def test_an_object_of_the_students_class_as_the_argument_still_gets_vars(tmp_path: Path) -> None:
    code = (
        "import json\nclass Pet:\n    def __init__(self):\n        self.name = 'Rex'\n"
        "p = Pet()\nprint(json.dumps(p))\n"
    )
    fix = _fix(ask_about(code, tmp_path))
    assert fix is not None and "json.dumps(vars(p))" in fix


# --- bytes --------------------------------------------------------------------------------


def test_json_into_a_binary_file_is_told_text_mode_not_a_bytes_file_name(tmp_path: Path) -> None:
    code = "import json\njson.dump({'a': 1}, open('out.json', 'wb'))\n"
    reply = ask_about(code, tmp_path)
    assert "b'out.json'" not in _prose(reply)
    fix = _fix(reply)
    assert fix is not None and "open('out.json', 'w')" in fix
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert (tmp_path / "out.json").read_text() == '{"a": 1}'


def test_a_text_method_inside_the_bytes_call_keeps_its_text_argument(tmp_path: Path) -> None:
    code = "import base64\nname = 'Ann Lee'\nprint(base64.b64encode(name.replace(' ', '_')))\n"
    reply = ask_about(code, tmp_path)
    assert "b' '" not in _prose(reply)
    fix = _fix(reply)
    assert fix is None or "replace(b" not in fix


def test_a_literal_over_two_lines_is_never_shown_as_a_mixed_literal(tmp_path: Path) -> None:
    code = "import zlib\nprint(zlib.crc32('ab'\n                 'cd'))\n"
    reply = ask_about(code, tmp_path)
    assert "b'ab' 'cd'" not in _prose(reply)
    fix = _fix(reply)
    assert fix is not None
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == run_cell("import zlib\nprint(zlib.crc32(b'abcd'))\n", tmp_path).stdout


def test_a_non_ascii_escape_is_encoded_not_made_latin1_bytes(tmp_path: Path) -> None:
    code = "import zlib\nprint(zlib.crc32('caf\\xe9'))\n"
    fix = _fix(ask_about(code, tmp_path))
    assert fix is not None and "b'caf" not in fix and "'caf\\xe9'.encode()" in fix


# --- markup through the student's own code --------------------------------------------------

EVIL = "`[log in](https://evil.example/x)` **LearnFlow**"
MARKUP = {
    "bytes-literal": "import zlib\nprint(zlib.crc32('" + EVIL + "'))\n",
    # a placeholder's name cannot hold ')', so no link here: the bold voice
    "percent-placeholder": "d = {1: 'a'}\nprint('%(` **LearnFlow** [log in]`)s' % d)\n",
    "tuple-item": "x = '" + EVIL + "',\nprint(x + 1)\n",
    "strftime-format": (
        "from datetime import date, timedelta\nstart = date(2024, 1, 30)\n"
        "shown = start.strftime('" + EVIL + "')\nprint(shown + timedelta(days=2))\n"
    ),
    "method-default": (
        "class C:\n    def f(n, a='" + EVIL + "'):\n        return self\nC().f()\n"
    ),
}


@pytest.mark.parametrize("code", list(MARKUP.values()), ids=list(MARKUP))
def test_the_students_code_quoted_in_a_reply_stays_code(code: str, tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic", reply.summary  # the new analysis answered
    html = ReplyView.of(reply).html()
    assert "<a " not in html
    assert "<strong>LearnFlow</strong>" not in html


# --- trailing comma, date rebuilt, rows, walrus --------------------------------------------


def test_a_tuple_parameter_is_not_blamed_on_a_global_of_the_same_name(tmp_path: Path) -> None:
    code = "point = 4,\ndef shift(point):\n    return point + 1\nprint(shift((1, 2)))\n"
    reply = ask_about(code, tmp_path)
    assert "line 1" not in reply.summary, reply.summary
    fix = _fix(reply)
    assert fix is None or fix.startswith("point = 4,\n")


def test_held_a_trailing_comma_in_the_same_scope_is_still_found(tmp_path: Path) -> None:
    code = "price = 4,\ntotal = price + 1\nprint(total)\n"
    reply = ask_about(code, tmp_path)
    fix = _fix(reply)
    assert fix is not None and fix.startswith("price = 4\n")
    assert run_cell(fix, tmp_path).stdout == "5\n"


def test_a_number_turned_into_a_decimal_for_range_is_not_said_to_be_one_already(tmp_path: Path) -> None:
    code = "from decimal import Decimal\nn = 3\nfor i in range(Decimal(n)):\n    print(i)\n"
    reply = ask_about(code, tmp_path)
    assert "already is" not in reply.summary, reply.summary
    fix = _fix(reply)
    assert fix is None or "range(n)" not in fix


def test_rows_of_numbers_added_up_get_a_number_for_a_missing_position(tmp_path: Path) -> None:
    code = "rows = [[1, 2, 3], [4, 5]]\nfor col in range(3):\n    print(rows[0][col] + rows[1][col])\n"
    reply = ask_about(code, tmp_path)
    assert "`rows[1]` has only 2 items" in reply.summary, reply.summary
    fix = _fix(reply)
    assert fix is not None
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == "5\n7\n3\n"


def test_a_walrus_in_a_with_header_keeps_the_object_it_names(tmp_path: Path) -> None:
    code = (
        "class Timer:\n    def __enter__(self):\n        self.t = 1\n    def __exit__(self, *a):\n"
        "        pass\nwith t := Timer():\n    pass\nprint(t.t)\n"
    )
    reply = ask_about(code, tmp_path)
    assert "with Timer() as t" not in _prose(reply)
    fix = _fix(reply)
    assert fix is not None
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == "1\n"


@pytest.mark.parametrize(
    "code",
    ["x := y := 3\nprint(x)\n", "with f := open('a'), g := open('b'):\n    pass\n"],
    ids=["chained", "two-items"],
)
def test_held_a_walrus_line_the_rule_cannot_rewrite_shows_no_broken_line(code: str, tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    assert "the corrected line 1" in reply.summary, reply.summary  # said in words, not as code
    assert "x = y := 3" not in _prose(reply) and "open('b') as f" not in _prose(reply)
