"""Common beginner logic bugs (the kinds misconception inventories and teaching material list),
each as a small program written for these tests: the debug tutor runs it traced in the real
sandbox and names the cause; the same program written correctly gets no such cause."""

import ast

from learnflow_agents.contracts.query import StudentQuery
from learnflow_agents.contracts.reply import AgentReply
from learnflow_agents.sandbox.trace import trace_program
from learnflow_agents.tutors.debug import diagnose
from learnflow_agents.tutors.debug.families.wrong_behaviour import likely_causes


def _ask(text: str, code: str) -> AgentReply:
    return diagnose(StudentQuery(text=text, code=code))


def _cause(text: str, code: str) -> str | None:
    return _ask(text, code).data.get("likely_cause")


def test_sort_result_assigned_is_none() -> None:
    code = "marks = [4, 1, 3]\nmarks = marks.sort()\nif marks:\n    print(marks[0])\n"
    code += "else:\n    print('no marks')\n"
    reply = _ask("it prints no marks, but the list has three", code)
    assert reply.data["likely_cause"] == "in-place-result-assigned", reply.summary
    assert reply.data["culprit_line"] == 2
    assert "`marks.sort()`" in reply.explanation


def test_sort_on_its_own_line_is_fine() -> None:
    code = "marks = [4, 1, 3]\nmarks.sort()\nprint(marks)\n"
    assert _cause("is this the right way to sort?", code) != "in-place-result-assigned"


def test_or_with_a_bare_string_is_always_true() -> None:
    code = "for answer in ['no', 'maybe']:\n    if answer == 'yes' or 'y':\n        print('agreed')\n"
    reply = _ask("it says agreed for every answer", code)
    assert reply.data["likely_cause"] == "or-always-true", reply.summary
    assert "true every time" in reply.explanation


def test_or_with_two_comparisons_is_fine() -> None:
    code = "for answer in ['no', 'y']:\n    if answer == 'yes' or answer == 'y':\n        print('agreed')\n"
    assert _cause("does this check both spellings?", code) != "or-always-true"


def test_floats_compared_with_equals() -> None:
    code = "total = 0.1 + 0.2\nif total == 0.3:\n    print('equal')\nelse:\n    print('different')\n"
    reply = _ask("it prints different but 0.1 + 0.2 is 0.3", code)
    assert reply.data["likely_cause"] == "float-equality", reply.summary
    assert "0.30000000000000004" in reply.explanation


def test_floats_that_are_equal_get_no_float_cause() -> None:
    code = "total = 0.5 + 0.25\nif total == 0.75:\n    print('equal')\n"
    assert _cause("it prints equal, good?", code) != "float-equality"


def test_total_reset_inside_the_loop() -> None:
    code = "prices = [3, 4, 5]\nfor p in prices:\n    total = 0\n    total += p\nprint(total)\n"
    reply = _ask("the total should be 12 but it shows 5", code)
    assert reply.data["likely_cause"] == "reset-inside-loop", reply.summary
    assert reply.data["culprit_line"] == 3


def test_total_set_before_the_loop_is_fine() -> None:
    code = "prices = [3, 4, 5]\ntotal = 0\nfor p in prices:\n    total += p\nprint(total)\n"
    assert _cause("is the total right?", code) != "reset-inside-loop"


def test_per_row_reset_in_an_outer_loop_is_fine() -> None:
    code = (
        "grid = [[1, 2], [3, 4]]\nsums = []\nfor row in grid:\n    s = 0\n    for x in row:\n"
        "        s += x\n    sums.append(s)\nprint(sums)\n"
    )
    assert _cause("does it sum each row?", code) != "reset-inside-loop"


def test_is_used_to_compare_text() -> None:
    code = "word = ''.join(['h', 'i'])\nif word is 'hi':\n    print('match')\nelse:\n    print('no match')\n"
    reply = _ask("it prints no match but word is hi", code)
    assert reply.data["likely_cause"] == "is-for-value", reply.summary


def test_is_none_is_fine() -> None:
    code = "value = None\nif value is None:\n    print('empty')\n"
    assert _cause("it prints empty, right?", code) != "is-for-value"


def test_list_aliased_then_changed() -> None:
    code = "original = [1, 2, 3]\nbackup = original\nbackup.append(4)\nprint(original)\n"
    reply = _ask("why did original change? I only appended to backup", code)
    assert reply.data["likely_cause"] == "list-aliased", reply.summary
    assert "`backup = original.copy()`" in reply.explanation


def test_list_copied_then_changed_is_fine() -> None:
    code = "original = [1, 2, 3]\nbackup = original.copy()\nbackup.append(4)\nprint(original)\n"
    assert _cause("original stays the same, right?", code) != "list-aliased"


def test_mutable_default_argument_keeps_items() -> None:
    code = (
        "def add_item(item, basket=[]):\n    basket.append(item)\n    return basket\n\n"
        "print(add_item('apple'))\nprint(add_item('pear'))\n"
    )
    reply = _ask("the second basket should only have pear", code)
    assert reply.data["likely_cause"] == "mutable-default", reply.summary
    assert "`if basket is None: basket = []`" in reply.explanation


def test_none_default_is_fine() -> None:
    code = (
        "def add_item(item, basket=None):\n    if basket is None:\n        basket = []\n"
        "    basket.append(item)\n    return basket\n\nprint(add_item('apple'))\nprint(add_item('pear'))\n"
    )
    assert _cause("does each call get its own basket?", code) != "mutable-default"


def test_for_variable_changed_inside_the_loop() -> None:
    code = "for i in range(6):\n    print(i)\n    i += 2\n"
    reply = _ask("I want every third number, but it prints all of them", code)
    assert reply.data["likely_cause"] == "for-variable-reassigned", reply.summary
    assert reply.data["culprit_line"] == 3


def test_range_with_a_step_is_fine() -> None:
    code = "for i in range(0, 6, 3):\n    print(i)\n"
    assert _cause("does it print every third number?", code) != "for-variable-reassigned"


def test_return_in_both_branches_inside_the_loop() -> None:
    code = (
        "def has_even(nums):\n    for n in nums:\n        if n % 2 == 0:\n            return True\n"
        "        else:\n            return False\n\nprint(has_even([1, 3, 4]))\n"
    )
    reply = _ask("it prints False but 4 is even", code)
    assert reply.data["likely_cause"] == "return-both-branches-in-loop", reply.summary


def test_return_false_after_the_loop_is_fine() -> None:
    code = (
        "def has_even(nums):\n    for n in nums:\n        if n % 2 == 0:\n            return True\n"
        "    return False\n\nprint(has_even([1, 3, 4]))\n"
    )
    assert _cause("does it find the even one?", code) != "return-both-branches-in-loop"


def test_elif_shadowed_by_a_broader_test() -> None:
    code = (
        "for score in [95, 60]:\n    if score > 50:\n        print('pass')\n    elif score > 90:\n"
        "        print('excellent')\n"
    )
    reply = _ask("95 should print excellent", code)
    assert reply.data["likely_cause"] == "elif-shadowed", reply.summary
    assert reply.data["culprit_line"] == 4


def test_elif_in_the_right_order_is_fine() -> None:
    code = (
        "for score in [95, 60]:\n    if score > 90:\n        print('excellent')\n    elif score > 50:\n"
        "        print('pass')\n"
    )
    assert _cause("does 95 print excellent?", code) != "elif-shadowed"


def test_minus_before_a_power() -> None:
    reply = _ask("(-2) squared should be 4, it prints -4", "x = -2 ** 2\nprint(x)\n")
    assert reply.data["likely_cause"] == "operator-precedence", reply.summary
    assert "`(-2) ** 2`" in reply.explanation


def test_average_without_brackets() -> None:
    reply = _ask("the average of 4 and 6 should be 5", "a = 4\nb = 6\naverage = a + b / 2\nprint(average)\n")
    assert reply.data["likely_cause"] == "operator-precedence", reply.summary
    assert "`average = (a + b) / 2`" in reply.explanation


def test_average_with_brackets_is_fine() -> None:
    code = "a = 4\nb = 6\naverage = (a + b) / 2\nprint(average)\n"
    assert _cause("is the average right?", code) != "operator-precedence"


def test_seed_inside_the_loop() -> None:
    code = "import random\nfor i in range(3):\n    random.seed(7)\n    print(random.randint(1, 100))\n"
    reply = _ask("it prints the same number three times", code)
    assert reply.data["likely_cause"] == "seed-in-loop", reply.summary


def test_seed_once_before_the_loop_is_fine() -> None:
    code = "import random\nrandom.seed(7)\nfor i in range(3):\n    print(random.randint(1, 100))\n"
    assert _cause("are these three numbers random?", code) != "seed-in-loop"


def test_a_derived_value_recomputed_each_pass_is_not_assign_instead_of_add() -> None:
    code = "pi = 0\ns = 0\nk = 0\nwhile k < 200:\n    s = s + (-1) ** k / (2 * k + 1)\n    pi = 4 * s\n"
    code += "    k += 1\nprint(pi)\n"
    found = likely_causes(ast.parse(code), code, "why is the pi total wrong?", trace_program(code))
    assert "assign-instead-of-add" not in [c.kind for c in found]


def test_printing_function_whose_result_is_unused_is_not_print_instead_of_return() -> None:
    code = "def greet(name):\n    print('hi ' + name)\n\ngreet('ada')\n"
    assert _cause("should this return instead?", code) != "print-instead-of-return"


def test_student_markup_in_quoted_code_stays_inside_code_spans() -> None:
    code = "items = ['<b>x</b>', '`y`']\nitems = items.sort()\nprint(bool(items))\n"
    reply = _ask("it prints False, I wanted sorted items", code)
    assert reply.data["likely_cause"] == "in-place-result-assigned"
    assert "``" in reply.summary + reply.explanation or "`items.sort()`" in reply.explanation
    assert "<b>" not in reply.summary


_FIND = (
    "def find(xs, i):\n    if i >= len(xs):\n        return -1\n    if xs[i] == 3:\n        return i\n"
    "    {}find(xs, i + 1)\n\ndef report(xs):\n    where = find(xs, 0)\n    return where\n\n"
    "print(report([1, 2, 3]))\n"
)


def test_a_dropped_recursive_call_is_named_not_its_caller() -> None:
    reply = _ask("it prints None but 3 is at index 2", _FIND.format(""))
    assert reply.data["culprit_line"] == 6, reply.summary
    assert "`find` calls itself on line 6" in reply.summary
    assert "`return find(xs, i + 1)`" in reply.explanation
    assert "`report`" not in reply.summary


def test_a_returned_recursive_call_is_not_blamed() -> None:
    reply = _ask("it prints 2, is that right?", _FIND.format("return "))
    assert "calls itself" not in reply.summary


def test_binary_search_midpoint_is_not_a_precedence_slip() -> None:
    code = "low = 0\nhigh = 9\nmid = low + (high - low) // 2\nprint(mid)\n"
    assert _cause("is mid right?", code) != "operator-precedence"


def test_a_memo_default_shared_on_purpose_is_fine() -> None:
    code = (
        "def fib(n, memo={}):\n    if n < 2:\n        return n\n    if n not in memo:\n"
        "        memo[n] = fib(n - 1) + fib(n - 2)\n    return memo[n]\n\nprint(fib(10))\nprint(fib(12))\n"
    )
    assert _cause("is this fast enough?", code) != "mutable-default"


def test_numbering_from_one_with_the_loop_variable_is_fine() -> None:
    code = "names = ['ada', 'bob']\nfor i in range(len(names)):\n    i += 1\n    print(i, names[i - 1])\n"
    assert _cause("does it number them from 1?", code) != "for-variable-reassigned"


def test_a_float_total_drifting_in_a_loop_compared_with_equals() -> None:
    code = "total = 0.0\nfor step in range(10):\n    total += 0.1\nprint(total == 1.0)\n"
    reply = _ask("it prints False but ten times 0.1 is 1.0", code)
    assert reply.data["likely_cause"] == "float-equality", reply.summary


def test_traced_values_in_the_loop_variable_cause_are_quoted() -> None:
    code = "for i in range(3):\n    print(i)\n    i += 2\n"
    reply = _ask("I want to skip ahead", code)
    assert reply.data["likely_cause"] == "for-variable-reassigned"
    assert "still went `0`, `1`, `2`" in reply.explanation
