"""Logic bugs without an error, the causes the outside set of Stack Overflow questions showed
(benchmarks/data/outside_debug/cases_so_logic.jsonl): the debug tutor runs the program traced
in the real sandbox and names the cause from what the program is and what the run did.
The programs here are written for these tests, not taken from that set."""

import sys

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import AgentReply
from learnflow_agents.tutors.debug import diagnose


def _ask(text: str, code: str) -> AgentReply:
    return diagnose(StudentQuery(text=text, code=code))


def _words(reply: AgentReply) -> str:
    return reply.summary + "\n" + reply.explanation


def test_a_function_never_called_is_named_not_the_missing_print() -> None:
    code = "def has_vowel(word):\n    return any(c in 'aeiou' for c in word)\n"
    reply = _ask("nothing happens when I run it, I expect True for has_vowel('galaxy')", code)
    assert reply.data["likely_cause"] == "function-never-called", reply.summary
    assert "`has_vowel()` (line 1) is defined but never called" in reply.summary
    assert "`print(has_vowel(...))`" in reply.explanation


def test_a_call_only_inside_the_function_itself_is_still_never_called() -> None:
    code = "def play():\n    print('round')\n    for i in range(2):\n        play()\n"
    reply = _ask("it prints nothing at all", code)
    assert reply.data["likely_cause"] == "function-never-called"
    assert "indented inside `play` itself" in reply.explanation


def test_a_called_function_is_not_said_to_be_never_called() -> None:
    code = "def double(x):\n    return x * 2\n\nprint(double(4))\n"
    reply = _ask("it prints 8 but I expected 16", code)
    assert reply.data["likely_cause"] != "function-never-called"


def test_a_string_method_result_thrown_away() -> None:
    code = "name = 'ada'\nname.upper()\nprint(name)\n"
    reply = _ask("it still prints ada in lowercase, it should be ADA", code)
    assert reply.data["likely_cause"] == "result-discarded" and reply.data["culprit_line"] == 2
    assert "`name = name.upper()`" in reply.explanation
    assert reply.data["trace"]["output"] == "ada\n"


def test_a_kept_string_method_result_is_not_flagged() -> None:
    reply = _ask("it prints ADA, is that right?", "name = 'ada'\nname = name.upper()\nprint(name)\n")
    assert reply.data["likely_cause"] != "result-discarded"


def test_a_while_loop_on_a_string_whose_replace_is_thrown_away() -> None:
    code = "s = 'a-b-c'\nwhile '-' in s:\n    s.replace('-', '', 1)\nprint(s)\n"
    reply = _ask("it never finishes, I expected abc", code)
    assert "line 3 computes `s.replace('-', '', 1)` and throws the result away" in reply.summary, (
        reply.summary
    )
    fixes = [b.code for b in reply.code_blocks if b.role.value == "fix"]
    assert fixes and "    s = s.replace('-', '', 1)" in fixes[0]


def test_removing_from_the_list_the_loop_walks() -> None:
    code = "nums = [2, 4, 5, 6]\nfor n in nums:\n    if n % 2 == 0:\n        nums.remove(n)\nprint(nums)\n"
    reply = _ask("I wanted only the odd numbers but 4 is still there", code)
    assert reply.data["likely_cause"] == "list-changed-while-iterating" and reply.data["culprit_line"] == 4
    assert "skips items" in reply.summary and "`for n in nums[:]:`" in reply.explanation


def test_a_list_replaced_on_every_pass_shows_the_values_it_took() -> None:
    code = "squares = []\nfor i in range(4):\n    squares = [i * i]\nprint(squares)\n"
    reply = _ask("I expected [0, 1, 4, 9] but only get [9]", code)
    assert reply.data["likely_cause"] == "container-replaced" and reply.data["culprit_line"] == 3
    assert "`squares.append(i * i)`" in reply.explanation
    assert "went [], [0], [1], [4], [9]" in reply.explanation


def test_return_inside_the_loop_that_collects() -> None:
    code = (
        "def evens(xs):\n    out = []\n    for x in xs:\n        if x % 2 == 0:\n"
        "            out.append(x)\n            return out\n\nprint(evens([2, 3, 4]))\n"
    )
    reply = _ask("it should print [2, 4] but only gives [2]", code)
    assert reply.data["likely_cause"] == "return-inside-loop" and reply.data["culprit_line"] == 6
    assert reply.data["trace"]["output"] == "[2]\n"


def test_sorting_numbers_held_as_text_is_read_from_the_run() -> None:
    code = "scores = []\nfor s in [10, 9, 100]:\n    scores.append(str(s))\nscores.sort()\nprint(scores)\n"
    reply = _ask("the order is wrong, 9 should come first", code)
    assert reply.data["likely_cause"] == "numbers-as-text" and reply.data["culprit_line"] == 4
    assert "`['10', '100', '9']`" in reply.summary


def test_sorting_real_numbers_is_not_called_text() -> None:
    reply = _ask("is the order right?", "scores = [10, 9, 100]\nscores.sort()\nprint(scores)\n")
    assert reply.data["likely_cause"] != "numbers-as-text"


def test_two_loops_that_were_meant_to_be_nested() -> None:
    code = "for i in range(1, 4):\n    top = i\nfor j in range(3, 0, -1):\n    print(top / j)\n"
    reply = _ask("I want 1/3 + 2/2 + 3/1 but it prints something else", code)
    assert reply.data["likely_cause"] == "loops-not-nested" and reply.data["culprit_line"] == 3
    assert "(in this run, `3`)" in reply.summary


def test_a_float_made_by_division_counted_as_text() -> None:
    code = "n = 0\nt = 0\nwhile len(str(t)) < 3:\n    n += 1\n    t = n * (n + 1) / 2\nprint(t)\n"
    reply = _ask("I want the first 2-digit number, 10, but it prints 1.0", code)
    assert reply.data["likely_cause"] == "float-as-text" and reply.data["culprit_line"] == 3
    assert "`1.0`" in reply.summary and "`//`" in reply.explanation


def test_a_list_never_emptied_for_each_outer_item() -> None:
    code = (
        "primes = []\nfound = []\nfor y in range(2, 8):\n    for x in range(2, y):\n"
        "        if y % x == 0:\n            found.append(x)\n    if not found:\n        primes.append(y)\n"
        "print(primes)\n"
    )
    reply = _ask("it should print 2 3 5 7 but stops after 3", code)
    assert reply.data["likely_cause"] == "never-reset" and reply.data["culprit_line"] == 3
    assert "`found = []`" in reply.explanation


def test_a_separator_after_the_last_item() -> None:
    reply = _ask("there is an extra + at the end", "for i in range(1, 4):\n    print(i, end='+')\n")
    assert reply.data["likely_cause"] == "separator-after-last"
    assert "`print('+'.join(items))`" in reply.explanation and "sep='+'" in reply.explanation


def test_printing_on_the_same_line() -> None:
    reply = _ask("how do I get them on the same line?", "for n in range(3):\n    print(n)\n")
    assert reply.data["likely_cause"] == "print-newline-each" and reply.data["culprit_line"] == 2
    assert "`print(n, end=' ')`" in reply.explanation


def test_a_method_printed_without_calling_it() -> None:
    code = (
        "class Box:\n    def __init__(self, n):\n        self.n = n\n    def size(self):\n"
        "        return self.n * 2\n\nb = Box(3)\nprint(b.size)\n"
    )
    reply = _ask("I expected 6", code)
    assert reply.data["likely_cause"] == "method-not-called" and reply.data["culprit_line"] == 8
    assert "`b.size()`" in reply.explanation


def test_enumerate_over_pairs_gives_the_whole_tuple() -> None:
    code = "teams = [('A', 3), ('B', 1)]\nfor n, team in enumerate(teams, start=1):\n    print(n, team)\n"
    reply = _ask("why are there brackets and quotes in the output?", code)
    assert reply.data["likely_cause"] == "enumerate-pairs" and reply.data["culprit_line"] == 2
    assert "for i, (n, team) in enumerate(teams, start=1):" in reply.explanation


def test_a_regex_group_without_a_number_is_the_whole_match() -> None:
    code = "import re\nm = re.search(r'(\\w+)\\.pdf', 'notes.pdf')\nprint(m.group())\n"
    reply = _ask("it should print notes without .pdf", code)
    assert reply.data["likely_cause"] == "regex-whole-match" and "`m.group(1)`" in reply.explanation
    assert reply.data["trace"]["output"] == "notes.pdf\n"


def test_a_break_level_with_the_if_runs_on_the_first_pass() -> None:
    code = "for n in [3, 5, 8]:\n    if n % 2 == 0:\n        print('even', n)\n    break\n"
    reply = _ask("it should print even 8 but prints nothing", code)
    assert reply.data["likely_cause"] == "break-on-first-pass" and reply.data["culprit_line"] == 4


def test_python_2_trailing_comma_after_print() -> None:
    reply = _ask("the comma should keep it on one line", "print('Hello'),\nprint('World')\n")
    assert reply.data["likely_cause"] == "python2-print-comma" and reply.data["culprit_line"] == 1
    assert "`print('Hello', end='')`" in reply.explanation


def test_a_search_that_starts_from_the_beginning_every_pass() -> None:
    code = (
        "text = 'a(b)c(d)'\nfor ch in text:\n"
        "    part = text[text.find('(') + 1 : text.find(')')]\n    print(part)\n"
    )
    reply = _ask("I want b and d but it prints b again and again", code)
    assert reply.data["likely_cause"] == "same-every-pass" and reply.data["culprit_line"] == 3
    assert "all 8 times" in reply.summary


def test_a_branch_the_run_never_took_names_the_values_it_saw() -> None:
    code = (
        "v = 95\nfor k in range(10):\n    if v < 10:\n        print('low')\n"
        "    else:\n        print('high')\n    v += 1\n"
    )
    reply = _ask("why does it never print low?", code)
    assert reply.data["likely_cause"] == "branch-never-true" and reply.data["culprit_line"] == 3
    assert "`v` was 95, 96, 97, 98…" in reply.summary


def test_numbering_from_one_while_indexing_from_zero_is_offered() -> None:
    code = "items = ['a', 'b', 'c']\nfor i in range(0, len(items)):\n    print(str(i) + ') ' + items[i])\n"
    reply = _ask("I want the list to start with 1, but range(1, ...) skips the first element", code)
    assert reply.data["likely_cause"] == "off-by-one-range"
    assert "print `i + 1`" in reply.explanation


def test_a_while_loop_whose_list_changes_by_index_is_not_said_to_never_change() -> None:
    code = "cells = [0, 0]\ntarget = [1, 2]\nwhile cells != target:\n    cells[0] = 1\n"
    reply = _ask("it loops forever", code)
    assert "nothing inside it changes `cells`" not in reply.summary, reply.summary


def test_a_list_made_in_the_class_body_is_shared_by_every_instance() -> None:
    code = (
        "class Team:\n    members = []\n    def __init__(self, name):\n        self.name = name\n\n"
        "a = Team('a')\nb = Team('b')\na.members.append('ann')\nprint(b.members)\n"
    )
    reply = _ask("why does team b have ann too? I expected []", code)
    assert reply.data["likely_cause"] == "class-attribute-shared" and reply.data["culprit_line"] == 2
    assert "`self.members = ...`" in reply.explanation
    assert reply.data["trace"]["output"] == "['ann']\n"


def test_a_list_of_empty_strings_is_not_empty() -> None:
    code = "words = ['', '']\nif not words:\n    print('no words')\nelse:\n    print('has words')\n"
    reply = _ask("it should say no words", code)
    assert reply.data["likely_cause"] == "truthy-empty-items" and reply.data["culprit_line"] == 2
    assert "`if not any(words):`" in reply.explanation


def test_a_formula_recomputed_each_pass_is_not_called_a_missing_running_total() -> None:
    code = "n = 0\nsquare = 0\nwhile square < 50:\n    n += 1\n    square = n * n\nprint(square)\n"
    reply = _ask("I want the sum of the first squares under 50 but it prints 64", code)
    assert "replaces `square` on every pass" not in _words(reply), reply.summary


def _events(cell: str) -> int:
    """Function-call events of one offline diagnosis (counted, not timed: the same on any machine)."""
    events = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal events
        events += 1

    sys.setprofile(count)
    try:
        diagnose(StudentQuery(text="why is x wrong", code=cell), run_code=False)
    finally:
        sys.setprofile(None)
    return events


def test_a_cell_of_many_called_functions_costs_linear_work() -> None:
    shape = "def f{i}():\n    return {i}\nprint(f{i}())\n"
    small = _events("".join(shape.format(i=i) for i in range(100)))
    large = _events("".join(shape.format(i=i) for i in range(400)))
    # Linear work gives 4; looking for each function's callers across the whole cell gave 15.
    assert large / small < 6, f"{large} events for 4x the cell vs {small}"


def test_a_cell_of_many_classes_costs_linear_work() -> None:
    shape = "class C{i}:\n    x{i} = []\n"
    small = _events("".join(shape.format(i=i) for i in range(100)))
    large = _events("".join(shape.format(i=i) for i in range(400)))
    # Looking for changes of each class's attributes across the whole cell gave 14.
    assert large / small < 6, f"{large} events for 4x the cell vs {small}"
