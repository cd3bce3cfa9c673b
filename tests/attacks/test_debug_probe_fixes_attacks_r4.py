"""Attack on the debug tutor's probe fixes (cef0604, bcaa73f, 1a1ea4f): a rename of `my-var` /
`1var` also rewrote the student's strings and comments ('my-var is' printed as 'my_var is');
`collections.most_common()` was sent to `collections.Counter.most_common()`, an instance method
read off the class (the 'fixed' cell stops with a missing self); a running text started as
`sentence = 0` when the loop walked a list of words (the fixed cell stops with int + str)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.tutors.debug import diagnose


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "cell.py"
    script.write_text(code)
    return subprocess.run([sys.executable, "-S", str(script)], capture_output=True, text=True, timeout=60)


def _reply(code: str, tmp_path: Path):
    return diagnose(StudentQuery(text="why?", code=code, traceback=_run(code, tmp_path).stderr))


def _fix(reply) -> str | None:
    fixes = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    return fixes[0] if fixes else None


def test_a_hyphen_rename_leaves_strings_and_comments(tmp_path: Path) -> None:
    code = "label = 'my-var'\nmy-var = 5\nprint('my-var is', my-var)  # my-var\nprint(f'{my-var}!')\n"
    fix = _fix(_reply(code, tmp_path))
    assert fix == "label = 'my-var'\nmy_var = 5\nprint('my-var is', my_var)  # my-var\nprint(f'{my_var}!')\n"


def test_a_digit_start_rename_leaves_strings_and_comments(tmp_path: Path) -> None:
    code = "1var = 5\nprint('1var =', 1var)  # 1var\n"
    fix = _fix(_reply(code, tmp_path))
    assert fix == "var1 = 5\nprint('1var =', var1)  # 1var\n"


def test_an_instance_method_is_not_read_off_the_class(tmp_path: Path) -> None:
    reply = _reply("import collections\nc = collections.most_common()\n", tmp_path)
    assert "Counter.most_common" not in reply.summary
    assert _fix(reply) is None


def test_a_class_method_is_still_found(tmp_path: Path) -> None:
    reply = _reply("import datetime\nprint(datetime.now())\n", tmp_path)
    assert "datetime.datetime.now" in reply.summary


def test_a_running_text_over_words_starts_empty(tmp_path: Path) -> None:
    code = "words = ['hi', 'there']\nfor w in words:\n    sentence += w\nprint(sentence)\n"
    reply = _reply(code, tmp_path)
    assert "sentence = 0" not in reply.summary
    fix = _fix(reply)
    assert fix is not None and "sentence = ''" in fix
    assert _run(fix, tmp_path).returncode == 0


def test_a_running_text_over_a_word_starts_empty(tmp_path: Path) -> None:
    code = "for ch in 'abc':\n    backwards = ch + backwards\n"
    reply = _reply(code, tmp_path)
    assert "backwards = 0" not in reply.summary


def test_a_count_of_letters_over_words_still_starts_at_zero(tmp_path: Path) -> None:
    code = "name = 'ada'\nfor ch in name:\n    out += ch\nfor w in name.split():\n    n += len(w)\n"
    fix = _fix(_reply(code, tmp_path))
    assert fix is not None and "out = ''" in fix
    code = "words = 'a bc'.split()\nfor w in words:\n    n += len(w)\nprint(n)\n"
    fix = _fix(_reply(code, tmp_path))
    assert fix is not None and "n = 0" in fix and _run(fix, tmp_path).returncode == 0


def test_a_sum_of_numbers_in_quotes_is_not_joined(tmp_path: Path) -> None:
    # ''.join(['3', '4']) prints 34: the total the student wanted is 7.
    code = "prices = ['3', '4']\nprint(sum(prices))\n"
    reply = _reply(code, tmp_path)
    assert "join" not in reply.summary
    fix = _fix(reply)
    assert fix is not None and _run(fix, tmp_path).stdout.strip() == "7"


def test_a_sum_of_typed_pieces_names_both_readings_and_fixes_neither(tmp_path: Path) -> None:
    reply = _reply("nums = '3 4'.split()\nprint(sum(nums))\n", tmp_path)
    assert "int(x)" in reply.summary and _fix(reply) is None


def test_tuples_holding_dicts_are_not_called_a_collection_of_dictionaries(tmp_path: Path) -> None:
    reply = _reply("pairs = [(1, {'a': 1}), (1, {'b': 2})]\npairs.sort()\n", tmp_path)
    assert "collection of dictionaries" not in reply.summary
    reply = _reply("people = [{'name': 'b'}, {'name': 'a'}]\npeople.sort()\n", tmp_path)
    assert "collection of dictionaries" in reply.summary


def test_a_python2_raise_with_a_traceback_keeps_it_a_traceback(tmp_path: Path) -> None:
    # raise E, msg, tb: the third part is where the error came from, not a second message.
    fix = _fix(_reply("import sys\ntb = None\nraise ValueError, 'bad', tb\n", tmp_path))
    assert fix is not None and "raise ValueError('bad').with_traceback(tb)" in fix
