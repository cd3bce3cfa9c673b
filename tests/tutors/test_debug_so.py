"""Kinds the debug tutor learnt from the dev split of the outside 'so' set (beginners' failing
programs from Stack Overflow questions): each test uses its own program (not a case of that
set), runs it in a fresh interpreter for the real traceback, checks the specific facts the reply
names (never the generic template) and, where the tutor offers a fix, that the fixed cell runs
as the student meant."""

from __future__ import annotations

from pathlib import Path

import pytest
from learnflow_agents.contracts.reply import CodeRole

from tests.tutors.debug_cells import ask_about, run_cell


def _fix(reply) -> str:
    return next(b.code for b in reply.code_blocks if b.role == CodeRole.FIX)


def _said(reply) -> str:
    return (reply.summary + "\n" + reply.explanation).lower()


def _runs_to(fix: str, tmp_path: Path, stdout: str) -> None:
    """The fixed cell runs cleanly in a fresh interpreter and prints what the student meant."""
    fixed = run_cell(fix, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout == stdout


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # a method without self: the counts the message gives, explained
        (
            "class Cart:\n    def put(item, qty):\n        return qty\nc = Cart()\nc.put('pen', 2)\n",
            ["`self`", "takes 2 positional arguments but is given 3", "plus the object"],
        ),
        # text added to a value of a dotted type (a timedelta): the type is named, not the template
        (
            "import datetime\nlabel = 'due: '\nprint(label + datetime.timedelta(days=2))\n",
            ["`str`", "`datetime.timedelta`"],
        ),
    ],
)
def test_an_so_kind_gets_its_specific_fact(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = _said(reply)
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


def test_a_value_rebuilt_from_itself_keeps_the_value(tmp_path: Path) -> None:
    code = (
        "import datetime\nstart = datetime.date(2020, 5, 17)\nday = datetime.date(start)\nprint(day.year)\n"
    )
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "already is a `datetime.date`" in reply.summary
    assert "range()" not in reply.summary  # the old reply blamed a range() the line does not have
    fix = _fix(reply)
    assert "day = start" in fix
    _runs_to(fix, tmp_path, "2020\n")


def test_text_given_where_bytes_are_needed_becomes_a_bytes_literal(tmp_path: Path) -> None:
    code = "import zlib\nprint(zlib.crc32('hello'))\n"
    reply = ask_about(code, tmp_path)
    said = _said(reply)
    assert reply.data.get("analysis") != "generic"
    for fact in ("`zlib.crc32()`", "bytes", "`str`", "b'hello'"):
        assert fact.lower() in said, (fact, reply.summary)
    fix = _fix(reply)
    assert "zlib.crc32(b'hello')" in fix
    _runs_to(fix, tmp_path, "907060870\n")


def test_text_with_non_ascii_characters_is_encoded_instead(tmp_path: Path) -> None:
    code = "import zlib\nprint(len(zlib.compress('café')) > 0)\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    fix = _fix(reply)
    assert "zlib.compress('café'.encode())" in fix
    _runs_to(fix, tmp_path, "True\n")


def test_an_object_of_the_students_class_is_written_as_its_attributes(tmp_path: Path) -> None:
    code = (
        "import json\nclass Pet:\n    def __init__(self):\n        self.name = 'Rex'\n"
        "print(json.dumps(Pet()))\n"
    )
    reply = ask_about(code, tmp_path)
    said = _said(reply)
    assert reply.data.get("analysis") != "generic"
    for fact in ("`pet`", "json", "vars("):
        assert fact in said, (fact, reply.summary)
    _runs_to(_fix(reply), tmp_path, '{"name": "Rex"}\n')


def test_a_set_is_written_as_a_list(tmp_path: Path) -> None:
    code = "import json\ntags = {'a'}\nprint(json.dumps(tags))\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "list(tags)" in _fix(reply)
    _runs_to(_fix(reply), tmp_path, '["a"]\n')


def test_a_named_percent_placeholder_with_a_number_key(tmp_path: Path) -> None:
    code = "ages = {7: 'seven'}\nprint('age: %(7)s' % ages)\n"
    reply = ask_about(code, tmp_path)
    said = _said(reply)
    assert reply.data.get("analysis") != "generic"
    for fact in ("`%(7)s`", "text key", "the number `7`"):
        assert fact in said, (fact, reply.summary)
    fix = _fix(reply)
    assert "'age: %s' % ages[7]" in fix
    _runs_to(fix, tmp_path, "age: seven\n")


def test_a_named_percent_placeholder_missing_from_the_dict_gets_no_guessed_fix(tmp_path: Path) -> None:
    code = "info = {'name': 'Ann'}\nprint('%(nme)s' % info)\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "`%(nme)s`" in reply.summary


def test_self_used_in_a_method_without_a_self_parameter(tmp_path: Path) -> None:
    code = (
        "class Counter:\n    def __init__(self):\n        self.n = 0\n    def bump():\n        self.n += 1\n"
        "        print(self.n)\nCounter.bump()\n"
    )
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "`def bump(self):`" in reply.summary
    assert "`Counter().bump()`" in reply.summary
    fix = _fix(reply)
    assert "def bump(self):" in fix and "Counter().bump()" in fix
    _runs_to(fix, tmp_path, "1\n")


def test_a_trailing_comma_that_made_a_tuple_is_dropped(tmp_path: Path) -> None:
    code = "total = 0\nprice = 5,\ntotal = total + 1\nprint(price + total)\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "comma at the end of line 2" in reply.summary
    fix = _fix(reply)
    assert "price = 5\n" in fix
    _runs_to(fix, tmp_path, "6\n")


def test_a_date_formatted_before_the_arithmetic_is_formatted_after(tmp_path: Path) -> None:
    code = (
        "from datetime import date, timedelta\nstart = date(2024, 1, 30)\nshown = start.strftime('%d.%m')\n"
        "print(shown + timedelta(days=3))\n"
    )
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert ".strftime(" in reply.summary and "line 3" in reply.summary
    fix = _fix(reply)
    assert "(start + timedelta(days=3)).strftime('%d.%m')" in fix
    _runs_to(fix, tmp_path, "02.02\n")


@pytest.mark.parametrize(
    ("code", "facts"),
    [
        # a method called on the class itself
        (
            "class Dog:\n    def bark(self):\n        print('woof')\nDog.bark()\n",
            ["without an object", "`self`", "`Dog().bark()`"],
        ),
        # a method called by its bare name while the class body runs
        (
            "class Box:\n    def size(self):\n        return 3\n    volume = size()\n",
            ["body of class `box`", "without an object", "`obj = box()`"],
        ),
    ],
)
def test_a_method_called_without_an_object(code: str, facts: list[str], tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    said = _said(reply)
    assert reply.data.get("analysis") != "generic"
    for fact in facts:
        assert fact.lower() in said, (fact, reply.summary)


def test_rows_of_different_lengths_read_by_a_shared_column(tmp_path: Path) -> None:
    code = (
        "grid = [[1], [1, 2], [1, 2, 3]]\nfor col in range(3):\n"
        "    print(grid[0][col], grid[1][col],\n          grid[2][col])\n"
    )
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    # not "grid has 3 items, so position 0 doesn't exist": grid[0] exists, the short row ran out
    assert "`grid[0][col]`" in reply.summary and "only 1 item" in reply.summary
    assert "different lengths" in reply.summary
    fix = _fix(reply)
    assert "(grid[2][col] if col < len(grid[2]) else '')" in fix  # the read on the statement's 2nd line too
    _runs_to(fix, tmp_path, "1 1 1\n 2 2\n  3\n")


@pytest.mark.parametrize(
    ("code", "fixed_line", "out"),
    [
        # Pascal's / Go's assignment as a statement
        ("total := 4\nprint(total * 2)\n", "total = 4", "8\n"),
        # the walrus in a with header, without brackets
        (
            "import io\nwith buf := io.StringIO('hi'):\n    print(buf.read())\n",
            "with io.StringIO('hi') as buf:",
            "hi\n",
        ),
    ],
)
def test_a_walrus_where_python_does_not_take_it(code: str, fixed_line: str, out: str, tmp_path: Path) -> None:
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") == "syntax:_walrus_statement"
    assert f"`{fixed_line}`" in reply.summary
    fix = _fix(reply)
    assert fixed_line in fix
    _runs_to(fix, tmp_path, out)


def test_a_non_iterable_reached_through_star_unpacking_is_not_blamed_on_the_star(tmp_path: Path) -> None:
    code = "pair = (max, 7)\nprint(max(*pair[1:]))\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "loops over `*" not in reply.summary  # the old reply called `*pair[1:]` a whole number
    assert "unpacking `*pair[1:]`" in reply.summary and "`int`" in reply.summary


# --- from the dev split of the outside 'so_input' set (programs that read input()); own programs


def test_a_tuple_tested_in_text_swaps_the_sides(tmp_path: Path) -> None:
    code = "colours = 'red', 'blue'\nchoice = 'blue'\nif colours in choice:\n    print('known')\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    said = _said(reply)
    assert "`tuple`" in said and "text" in said
    assert "`choice in colours`" in said
    _runs_to(_fix(reply), tmp_path, "known\n")


def test_a_number_tested_in_text_becomes_text(tmp_path: Path) -> None:
    code = "digits = '40213'\nif 2 in digits:\n    print('has a 2')\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "`int`" in _said(reply)
    _runs_to(_fix(reply), tmp_path, "has a 2\n")


def test_a_list_of_words_where_bytes_are_needed_is_joined_and_encoded(tmp_path: Path) -> None:
    code = (
        "import zlib\nwords = 'to be or not to be'.split()\npacked = zlib.compress(words)\n"
        "print(zlib.decompress(packed).decode())\n"
    )
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    said = _said(reply)
    assert "`zlib.compress`" in said and "`list`" in said and "bytes" in said
    _runs_to(_fix(reply), tmp_path, "to be or not to be\n")


def test_a_string_written_by_position_is_named_as_text_not_a_list(tmp_path: Path) -> None:
    code = (
        "def shift(board):\n    for i in range(8, 0, -1):\n        board[i] = board[i - 1]\n"
        "    return board\n"
        "print(shift('board' + str(3)))\n"
    )
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    said = _said(reply)
    assert "`board` is a string" in said
    assert "writes into it by position" in said
    assert "`board = list(board)`" in said


def test_text_plus_a_list_joins_the_items_instead_of_wrapping_the_list(tmp_path: Path) -> None:
    code = "names = ['ann', 'bo', 'cy']\nprint('Names: ' + names[0:2])\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "between text and a `list`" in reply.summary  # was "between a list and a `list`"
    assert "`names[i]`" in _said(reply)
    _runs_to(_fix(reply), tmp_path, "Names: ann, bo\n")


def test_a_function_whose_answer_was_thrown_away_is_stored_and_used(tmp_path: Path) -> None:
    code = 'def get_name():\n    return "Ada"\n\nget_name()\nprint("Hello " + get_name)\n'
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "`get_name`, the function itself" in reply.summary
    assert "line 4 calls `get_name(…)` but keeps nothing" in reply.summary
    _runs_to(_fix(reply), tmp_path, "Hello Ada\n")


def test_a_function_used_as_a_number_is_told_to_be_called(tmp_path: Path) -> None:
    reply = ask_about("import math\nprint(math.pi + math.sqrt)\n", tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "`math.sqrt`, the function itself" in reply.summary
    assert "`math.sqrt(…)`" in _said(reply)


def test_format_placeholders_written_as_code_are_named_as_sets(tmp_path: Path) -> None:
    code = "a, b = 6, 3\nprint('{0} times {1}'.format(a, b))\nprint({0} * {1})\n"
    reply = ask_about(code, tmp_path)
    assert reply.data.get("analysis") != "generic"
    assert "`{0}`, `{1}` are sets holding one number each" in reply.summary
    assert "placeholders of `.format()`" in reply.summary
