"""TypeError between operands: ``"Age: " + 20``, ``input() + 1``, ``"7" > 5``, ``None * 2``."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import (
    Binding,
    enclosing_function,
    node_in_span,
    nodes_on_line,
    replace_node,
    replace_nodes,
    segment,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families import unordered_items
from learnflow_agents.tutors.debug.families.common import called_from, fragment_nodes, place, raise_site
from learnflow_agents.tutors.debug.families.none_origin import find_none_origin
from learnflow_agents.tutors.debug.situation import Situation
from learnflow_agents.tutors.debug.value_guess import guess_type

_CONCAT = re.compile(r'can only concatenate (?P<left>\w+) \(not "(?P<right>[\w.]+)"\) to (?P=left)')
_UNSUPPORTED = re.compile(
    r"unsupported operand type\(s\) for (?P<op>\S+)(?: or pow\(\))?: '(?P<left>\w+)' and '(?P<right>\w+)'"
)
_COMPARE = re.compile(
    r"'(?P<op>\S+)' not supported between instances of '(?P<left>\w+)' and '(?P<right>\w+)'"
)
_MULT_SEQ = re.compile(r"can't multiply sequence by non-int of type '(?P<right>\w+)'")
_FORMAT = re.compile(r"not all arguments converted during string formatting")

_OPS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
}  # fmt: skip
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_NUMBERS = ("int", "float")


def analyse(sit: Situation) -> Diagnosis | None:
    msg = sit.message
    if m := _CONCAT.search(msg):
        op, left, right = "+", m["left"], m["right"]
    elif m := _UNSUPPORTED.search(msg):
        op, left, right = m["op"].rstrip("="), m["left"], m["right"]
    elif m := _COMPARE.search(msg):
        op, left, right = m["op"], m["left"], m["right"]
    elif m := _MULT_SEQ.search(msg):
        # "sequence" is whichever of str, list or tuple the cell multiplied: read it off the code.
        op, left, right = "*", "str", m["right"]
    elif _FORMAT.search(msg):
        op, left, right = "%", "str", "int"
    else:
        return None
    line, other, text, function = raise_site(sit)
    if op == "^" and "NoneType" not in (left, right) and {left, right} <= {"int", "float", "complex", "bool"}:
        return _xor_for_power(sit, left, right, line, other, function)
    operation = _find_operation(sit, line, op, left, right, text if other else None)
    if _MULT_SEQ.search(msg) and operation is not None and not other:
        found = _repeated_collection(sit, operation, right, line, function)
        if found is not None:
            return found
    if _FUNCTIONS & {left, right} and operation is not None and not other:
        found = _uncalled_function(sit, operation, op, left, right, line, function)
        if found is not None:
            return found
    if op == "+" and left == "int" and not other and line is not None:
        found = _sum_of_non_numbers(sit, right, line, function)
        if found is not None:
            return found
    if _COMPARE.search(msg) and not other and line is not None:
        found = unordered_items.analyse(sit, op, left, right, line, function)
        if found is not None:
            return found
    if "NoneType" in (left, right):
        return _none_operand(sit, operation, op, left, right, line, other, function)
    if left == "str" and right.startswith("datetime.") and op in ("+", "-") and not other:
        found = _formatted_date(sit, operation, op, right, line, function)
        if found is not None:
            return found
    if "tuple" in (left, right) and left != right and not other:
        found = _trailing_comma(sit, operation, op, left, right, line, function)
        if found is not None:
            return found
    return _mixed(sit, operation, op, left, right, line, other, function)


_FUNCTIONS = {"builtin_function_or_method", "function", "method"}


def _sum_of_non_numbers(sit: Situation, right: str, line: int, function) -> Diagnosis | None:
    """`sum(words)`: sum starts from 0 and adds each item to it, so text or lists fail at once."""
    calls = [
        c
        for c in nodes_on_line(sit.tree, line, ast.Call)
        if isinstance(c.func, ast.Name) and c.func.id == "sum" and len(c.args) == 1 and not c.keywords
    ]
    if len(calls) != 1 or right not in ("str", "list", "tuple"):
        return None
    # `sum(xs) + '3'` fails at its own `+`: only a line with no `+` of its own is sum's doing.
    if any(isinstance(n.op, ast.Add) for n in nodes_on_line(sit.tree, line, (ast.BinOp, ast.AugAssign))):
        return None
    call = calls[0]
    items = segment(sit.code, call.args[0])
    where = cap(place(line, None, function) + called_from(sit))
    numbers = _number_texts(sit, call.args[0], line) if right == "str" else None
    if numbers is not None:
        # '3' and '4' are numbers in quotes: joining them would give '34', not the total 7.
        kind = "float" if numbers else "int"
        new = f"sum({kind}(x) for x in {items})"
        fix_text = f"these items are numbers written as text, so turn each into a number first: {code(new)}"
    elif right == "str" and _split_pieces(sit, call.args[0], line):
        # Pieces of a typed line are usually numbers, but could be words: say both, fix neither.
        new = ""
        fix_text = (
            f"to add numbers typed as text, turn each into one first (`sum(int(x) for x in {items})`); "
            f"to join words, use `''.join({items})`"
        )
    elif right == "str":
        new = f"''.join({items})"
        fix_text = f"to join text, use {code(new)}"
    else:
        new = f"[item for part in {items} for item in part]"
        fix_text = f"to put the {right}s together into one list, use {code(new)}"
    fix = replace_node(sit.code, call, new) if new else None
    summary = (
        f"{where} calls `sum()` on {code(items)}, whose items are `{right}`: `sum` starts from the number "
        f"0 (an `int`) and adds each item to it, and `0 + {right}` is not defined; `sum` is for numbers "
        f"— {fix_text}."
    )
    steps = cap(fix_text) + "."
    return Diagnosis(
        summary=summary,
        plain=f"`sum` adds numbers. Its running total starts at 0, so the first step is `0 + ` a `{right}`, "
        "which Python refuses.",
        precise=f"`sum(iterable, start=0)` computes `start + item` for each item; `int.__add__` returns "
        f"NotImplemented for a `{right}` and so does `{right}.__radd__`, hence the TypeError.",
        fix_steps=steps,
        prevention="Use `sum` for numbers, `''.join(...)` for text, and a comprehension to flatten lists.",
        concepts=["strings" if right == "str" else "lists", "functions"],
        hints=[
            f"What type are the items of {code(items)}?",
            "What number does `sum` start adding from?",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
    )


def _items_source(sit: Situation, node: ast.AST, line: int) -> ast.AST:
    """What `node` was made from: the literal or call a name was last assigned before `line`."""
    if isinstance(node, ast.Name):
        binding = sit.facts.last_assignment_before(node.id, line + 1)
        if binding is not None and binding.value is not None and binding.value is not node:
            return binding.value
    return node


def _number_texts(sit: Situation, node: ast.AST, line: int) -> bool | None:
    """For a list of quoted numbers (['3', '4.5']): whether any has a decimal point; else None."""
    made = _items_source(sit, node, line)
    if not isinstance(made, ast.List | ast.Tuple) or not made.elts:
        return None
    texts = [e.value for e in made.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if len(texts) != len(made.elts) or any(_plainly_words(e) for e in made.elts):
        return None
    return any(not re.fullmatch(r"\s*[-+]?\d+\s*", t) for t in texts)


def _split_pieces(sit: Situation, node: ast.AST, line: int) -> bool:
    made = _items_source(sit, node, line)
    return isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and made.func.attr == "split"


def _plainly_words(node: ast.AST) -> bool:
    """A string literal that is not a number in quotes (so only repeating it can be meant)."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", node.value) is None
    )


def _collection_kind(sit: Situation, node: ast.AST, line: int | None) -> str | None:
    """`list` or `tuple` when the code plainly makes `node` one (a literal, a comprehension, or a
    name last assigned one before `line`)."""
    if isinstance(node, ast.List | ast.ListComp):
        return "list"
    if isinstance(node, ast.Tuple):
        return "tuple"
    if isinstance(node, ast.Name) and line is not None:
        binding = sit.facts.last_assignment_before(node.id, line + 1)
        if binding is not None and binding.value is not None and binding.value is not node:
            return _collection_kind(sit, binding.value, None)
    return None


def _repeated_collection(
    sit: Situation, node: ast.AST, right: str, line: int | None, function
) -> Diagnosis | None:
    """`scores * 'a'`, `[0] * 2.5`: the message says "sequence", and the sequence is a list or a
    tuple, not text: `*` repeats it, a whole number of times."""
    pair = _operands(node)
    if pair is None or not isinstance(node, ast.BinOp | ast.AugAssign):
        return None
    kinds = [_collection_kind(sit, side, line) for side in pair]
    if not any(kinds):
        return None
    seq, count = (pair[0], pair[1]) if kinds[0] else (pair[1], pair[0])
    kind = kinds[0] or kinds[1]
    shown_seq, shown_count = _src(sit, seq, None), _src(sit, count, None)
    where = cap(place(line, None, function) + called_from(sit))
    fix = None
    if right == "float":
        new = f"int({shown_count})"
        fix = replace_node(sit.code, count, new) if sit.has_code else None
        steps = f"Use a whole number: write {code(new)} (or `round(…)`) on line {line}."
    else:
        steps = (
            f"To repeat the {kind}, multiply by a whole number (e.g. {code(shown_seq + ' * 3')}); to compute "
            f"with each item, loop over it: {code(f'[item * ... for item in {shown_seq}]')}."
        )
    summary = (
        f"{where} multiplies {code(shown_seq)}, a `{kind}`, by {code(shown_count)}, a `{right}`: `*` on a "
        f"{kind} repeats it, and the number of copies must be a whole number (`int`)."
    )
    why = f"{code(shown_seq)} is a `{kind}`, and `{kind} * n` makes n copies of it, so n must be an `int`"
    return Diagnosis(
        summary=summary,
        plain=f"On {place(line, None)}, {why}; a `{right}` cannot count copies.",
        precise=f"`{kind}.__mul__` accepts only an integer (an object with `__index__`); a `{right}` has "
        "none, so Python raises TypeError.",
        analogy='it\'s like asking for "a.5 copies" of a page: copies are counted in whole numbers.',
        deeper=f"Arithmetic on every item of a {kind} needs a loop or a comprehension; NumPy arrays do it "
        "item by item, plain lists do not.",
        fix_steps=steps,
        prevention=f"Keep the count of copies an `int`; to do maths on a {kind}'s items, loop over them.",
        concepts=["lists", "type-conversion"],
        hints=[
            f"What type is {code(shown_seq)} on line {line}? And {code(shown_count)}?",
            f"`*` between a {kind} and a number repeats the {kind}.",
            steps,
        ],
        fix_code=fix,
        culprit_line=line,
    )


def _uncalled_function(sit: Situation, operation, op, left, right, line, function) -> Diagnosis | None:
    """`'of ' + input + ' on the wall'`: a function's name without `()` is the function itself. When
    the program called it earlier and threw the answer away (`input("What?")` on a line of its
    own), the answer is stored there and the name replaced by it."""
    pair = _operands(operation)
    if pair is None:
        return None
    node = pair[1] if right in _FUNCTIONS else pair[0]
    if not isinstance(node, (ast.Name, ast.Attribute)) or sit.tree is None:
        return None
    name = segment(sit.code, node)
    kind, partner = (right, left) if right in _FUNCTIONS else (left, right)
    where = cap(place(line, None, function) + called_from(sit))
    dropped = [
        st
        for st in ast.walk(sit.tree)
        if isinstance(st, ast.Expr)
        and isinstance(st.value, ast.Call)
        and ast.unparse(st.value.func) == ast.unparse(node)
        and st.lineno < (line or 0)
    ]
    fix = None
    if isinstance(node, ast.Name) and len(dropped) == 1:
        store = "answer" if "answer" not in sit.code else "answer_text"
        call = dropped[0]
        loads = [
            n
            for n in ast.walk(sit.tree)
            if isinstance(n, ast.Name) and n.id == node.id and isinstance(n.ctx, ast.Load)
            and not any(isinstance(c, ast.Call) and c.func is n for c in ast.walk(sit.tree))
        ]  # fmt: skip
        fix = replace_nodes(sit.code, [(call, f"{store} = {segment(sit.code, call.value)}")] + [
            (n, store) for n in loads
        ])  # fmt: skip
        steps = (
            f"Keep the answer where {code(name + '(…)')} is called on line {call.lineno}: "
            f"{code(f'{store} = {segment(sit.code, call.value)}')}, then use {code(store)} instead of "
            f"{code(name)} on line {line}."
        )
        summary = (
            f"{where} uses `{op}` between a `{partner}` and {code(name)}, the function itself "
            f"(a `{kind}`), not a value: line "
            f"{call.lineno} calls {code(name + '(…)')} but keeps nothing of what it returns. Store the "
            f"result in a variable there and use that variable here."
        )
    else:
        steps = (
            f"Call it with parentheses, {code(name + '(…)')}, or use the variable that holds its result, "
            f"not the function's name."
        )
        summary = (
            f"{where} uses `{op}` between a `{partner}` and {code(name)}, the function itself "
            f"(a `{kind}`), not the value it "
            f"returns: a function is only run when it is called with `()`."
        )
    return Diagnosis(
        summary=summary,
        plain=f"A function's name alone is the function, like a recipe rather than the dish. Only "
        f"{code(name + '(…)')} runs it and gives back a value; to use that value later, store it in a "
        "variable when you call it.",
        precise=f"The operand {code(name)} evaluates to a `{kind}` object; `{op}` is not defined for it.",
        fix_steps=steps,
        prevention="Store what a function returns (`name = input(...)`) and use the variable afterwards.",
        concepts=["functions", "variables"],
        hints=[
            f"What is {code(name)} on line {line}: a value, or the function itself?",
            f"{code(name)} without `()` is the function; its answer was never kept.",
            steps,
        ],
        fix_code=fix,
        culprit_line=dropped[0].lineno if fix else line,
    )


def _set_placeholders(node, sit: Situation, other: str | None) -> list[str]:
    """The `{0}`-like set literals (one whole number each) among an operation's operands."""
    out, todo = [], [node] if node is not None else []
    while todo:
        n = todo.pop()
        if isinstance(n, ast.BinOp):
            todo += [n.right, n.left]
        elif (
            isinstance(n, ast.Set)
            and len(n.elts) == 1
            and isinstance(n.elts[0], ast.Constant)
            and type(n.elts[0].value) is int
        ):
            out.append(_src(sit, n, other))
    return out


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _formatted_date(sit: Situation, operation, op, right, line, function) -> Diagnosis | None:
    """`date = today.strftime(…)` then `date + timedelta(days=10)`: the date was turned into text
    before the arithmetic; the fix does the arithmetic on the date and formats the result."""
    if operation is None or not isinstance(operation, ast.BinOp) or not isinstance(operation.left, ast.Name):
        return None
    name = operation.left.id
    binding = sit.facts.last_assignment_before(name, (line or 0) + 1)
    call = binding.value if binding is not None else None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    if call.func.attr != "strftime":
        return None
    source = segment(sit.code, call.func.value)
    fmt = ", ".join(segment(sit.code, a) for a in call.args)
    new = f"({source} {op} {segment(sit.code, operation.right)}).strftime({fmt})"
    fix = replace_node(sit.code, operation, new) if sit.has_code else None
    return Diagnosis(
        summary=f"{cap(place(line, None, function))} uses `{op}` between a `str` and a `{right}`: `{name}` "
        f"is text, because line {binding.line} turned the date into text with `.strftime(…)`. Do the date "
        f"arithmetic first and format the result: {code(new)}.",
        plain=f"`.strftime()` gives back a string — good for printing, but a string no longer knows it is a "
        f"date, so Python cannot add a `{right}` to it. Keep the date as a date while you calculate, and "
        "turn it into text at the end.",
        precise=f"`str.__add__` accepts only `str`; `{right}` supports arithmetic with `datetime`/`date` "
        "objects, not with their formatted text.",
        fix_steps=f"Calculate with the date, then format: {code(new)}.",
        prevention="Format dates (`strftime`) only when you print or save them; calculate with the "
        "`datetime` objects.",
        concepts=["strings", "type-conversion"],
        hints=[
            f"What type is `{name}` after line {binding.line}? Try `type({name})`.",
            "`.strftime()` returns text.",
            f"Write {code(new)}.",
        ],
        fix_code=fix,
        culprit_line=binding.line,
    )


def _reaches(sit: Situation, assign: ast.Assign, names: set, line) -> bool:
    """The assignment on ``assign``'s line can be where the names in the failing operation got
    their value: no function between them binds the name itself (a parameter or a local of the
    same name), and no later assignment in the same scope rebinds it first."""
    function = enclosing_function(sit.tree, line) if isinstance(line, int) else None
    if function is not None and enclosing_function(sit.tree, assign.lineno) is not function:
        args = function.args
        own = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        own |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        own |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        return not names & own
    for name in names:
        binding = sit.facts.last_assignment_before(name, (line or 0) + 1)
        if binding is not None and binding.line != assign.lineno and binding.line > assign.lineno:
            return False
    return True


def _trailing_comma(sit: Situation, operation, op, left, right, line, function) -> Diagnosis | None:
    """`a[i] = b[i-1],` — a comma at the end of an assignment makes a one-item tuple, which then
    meets a number (`a[i-1] + b[i-1]`): the fix drops that comma."""
    if sit.tree is None or operation is None or not sit.has_code:
        return None
    used = {_base_name(n) for n in ast.walk(operation) if isinstance(n, (ast.Name, ast.Subscript))}
    for node in ast.walk(sit.tree):
        if not (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Tuple)
            and len(node.value.elts) == 1
            and node.lineno == node.value.lineno
        ):
            continue
        value = segment(sit.code, node.value)
        if value.startswith("(") or not value.rstrip().endswith(","):
            continue
        targets = {_base_name(t) for t in node.targets}
        if not targets & used or not _reaches(sit, node, targets & used, line):
            continue
        target = segment(sit.code, node.targets[0])
        item = segment(sit.code, node.value.elts[0])
        fix = replace_node(sit.code, node.value, item)
        other_type = right if left == "tuple" else left
        written, meant = code(f"{target} = {value}"), code(f"{target} = {item}")
        return Diagnosis(
            summary=f"{cap(place(line, None, function))} uses `{op}` between a `tuple` and a `{other_type}`: "
            f"the tuple comes from the comma at the end of line {node.lineno} ({written}), "
            f"which makes {code(target)} a one-item tuple {code('(' + item + ',)')}. Drop that comma: "
            f"{meant}.",
            plain="In Python it is the comma, not the brackets, that makes a tuple: `x = 5,` stores the "
            f"tuple `(5,)`, not the number 5. Line {node.lineno} ends with such a comma, so a tuple later "
            f"meets a `{other_type}` on line {line}.",
            precise=f"{written} is a tuple display with one element; `tuple.__add__` only "
            "accepts another tuple.",
            fix_steps=f"Remove the trailing comma on line {node.lineno}: {meant}.",
            prevention="Watch for a stray comma at the end of an assignment; `print(type(x))` shows a "
            "tuple you did not mean.",
            concepts=["tuples"],
            hints=[
                f"What type does {code(target)} have after line {node.lineno}? Try `type(...)`.",
                "A trailing comma makes a tuple.",
                f"Write {meant}.",
            ],
            fix_code=fix,
            culprit_line=node.lineno,
        )
    return None


def _xor_for_power(sit: Situation, left: str, right: str, line, other, function) -> Diagnosis:
    """`r ^ 2` meant as a power: in Python `^` is bitwise XOR (only for whole numbers), power is `**`."""
    xors = [
        n
        for n in fragment_nodes(sit, line, (ast.BinOp, ast.AugAssign), text=sit.text(line) if other else None)
        if isinstance(n.op, ast.BitXor)
    ]
    fix = None
    shown = ""
    if xors and sit.has_code and not other:
        node = xors[0]
        if isinstance(node, ast.BinOp):
            new = f"{segment(sit.code, node.left)} ** {segment(sit.code, node.right)}"
            shown = f"{segment(sit.code, node)} → {new}"
            fix = replace_node(sit.code, node, new)
    return Diagnosis(
        summary=f"{cap(place(line, other, function))}{called_from(sit)} uses `^` on a `{left}` and a "
        f"`{right}`: "
        "in Python `^` is not a power but bitwise XOR, which only works on whole numbers. To raise to a "
        "power, "
        "use `**`" + (f" ({code(shown)})." if shown else "."),
        plain="In maths and some calculators `^` means 'to the power of', but in Python `^` compares the "
        "bits of "
        "two whole numbers (exclusive or). The power operator is `**`: `r ** 2` is r squared. With a decimal "
        "number Python can't do XOR at all, hence the error — and with two whole numbers `^` silently gives "
        "a "
        "different result (`3 ^ 2` is 1, `3 ** 2` is 9).",
        precise=f"`^` is `operator.xor`, defined for `int`/`bool` (and sets), not for `{left}`/`{right}`; "
        "exponentiation is `**` (or `pow()`).",
        analogy="it's like a symbol that means something different in another country: `^` is 'power' on a "
        "calculator and 'exclusive or' in Python.",
        fix_steps="Replace `^` with `**`" + (f": {code(shown)}." if shown else "."),
        prevention="Write powers as `**` (or `math.pow`); check other lines that use `^` with whole numbers "
        "— "
        "they don't fail, they just compute the wrong thing.",
        concepts=["numbers"],
        hints=[
            f"What did you want `^` to do on {place(line, other)}?",
            "In Python `^` is a bit operation, not a power.",
            "Use `**` for powers.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _operands(node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    if isinstance(node, ast.BinOp):
        return node.left, node.right
    if isinstance(node, ast.AugAssign):
        return node.target, node.value
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return node.left, node.comparators[0]
    return None


def _op_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp | ast.AugAssign):
        return _OPS.get(type(node.op))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        return _CMP.get(type(node.ops[0]))
    return None


def _find_operation(sit: Situation, line: int | None, op: str, left: str, right: str, other_text: str | None):
    nodes = [
        n
        for n in fragment_nodes(sit, line, (ast.BinOp, ast.AugAssign, ast.Compare), text=other_text)
        if _op_text(n) == op
    ]
    if not nodes:
        return None
    if other_text is None:
        spanned = node_in_span(nodes, line or 0, sit.span(line), sit.text(line))
        if spanned is not None and sit.span(line):
            return spanned
        for node in nodes:
            pair = _operands(node)
            if pair is None:
                continue
            types = (guess_type(sit, pair[0], line), guess_type(sit, pair[1], line))
            if types == (left, right):
                return node
        for node in nodes:
            pair = _operands(node)
            if pair and all(
                t in (None, want)
                for t, want in zip(
                    (guess_type(sit, pair[0], line), guess_type(sit, pair[1], line)),
                    (left, right),
                    strict=True,
                )
            ):
                return node
    return nodes[-1]


def _src(sit: Situation, node: ast.AST, other: str | None) -> str:
    return segment(sit.code, node) if sit.has_code and not other else ast.unparse(node)


def _from_input(sit: Situation, node: ast.AST, line: int | None) -> int | None:
    """The line where ``node``'s text came from ``input()``, if it did."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "input":
        return line
    if isinstance(node, ast.Name) and line is not None:
        binding = sit.facts.last_assignment_before(node.id, line + 1)
        value = binding.value if binding else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "input":
            return binding.line if binding else None
    return None


def _is_input_call(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "input"


def _used_as_text(tree: ast.AST | None, name: str) -> bool:
    """``name`` is also used the way only text is: a method call, indexing, ``len()``, ``+ "..."``."""
    for n in ast.walk(tree) if tree is not None else ():
        if (
            isinstance(n, ast.Attribute | ast.Subscript)
            and isinstance(n.value, ast.Name)
            and n.value.id == name
        ):
            return True
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id == "len"
            and any(isinstance(a, ast.Name) and a.id == name for a in n.args)
        ):
            return True
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
            sides = (n.left, n.right)
            if any(isinstance(x, ast.Name) and x.id == name for x in sides) and any(
                isinstance(x, ast.JoinedStr) or (isinstance(x, ast.Constant) and isinstance(x.value, str))
                for x in sides
            ):
                return True
    return False


def _loads(tree: ast.AST | None, name: str) -> int:
    if tree is None:
        return 0
    return sum(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(tree)
    )


def _input_binding(sit: Situation, node: ast.AST | None) -> Binding | None:
    """The one place a name gets its value, when that is ``input()`` and the name is only ever used
    as a number: converting there fixes every use at once."""
    if not isinstance(node, ast.Name) or sit.tree is None:
        return None
    found = [b for b in sit.facts.bindings_of(node.id) if b.kind != "global"]
    if len(found) != 1 or found[0].kind != "assign" or not _is_input_call(found[0].value):
        return None
    return None if _used_as_text(sit.tree, node.id) else found[0]


def _convert_at_input(sit: Situation, bindings: list[Binding], convert: str) -> tuple[str, list[str]]:
    """The cell with each ``input()`` wrapped in ``convert(…)``, and the new lines."""
    edits = []
    for b in bindings:
        assert b.value is not None
        edits.append((b.value, f"{convert}({segment(sit.code, b.value)})"))
    fixed = replace_nodes(sit.code, edits)
    new_lines = fixed.split("\n")
    return fixed, [new_lines[b.line - 1].strip() for b in bindings]


def _text_with_text(
    sit: Situation, node, pair, op, line, other, where
) -> tuple[str, str, str, str | None] | None:
    """Both sides are text in an arithmetic operation: numbers were meant (e.g. two ``input()``s)."""
    if pair is None or op == "+":
        return None
    a, b = _src(sit, pair[0], other), _src(sit, pair[1], other)
    editable = sit.has_code and not other and sit.tree is not None
    bindings = (
        [x for x in (_input_binding(sit, pair[0]), _input_binding(sit, pair[1])) if x] if editable else []
    )
    if editable and bindings and len(bindings) == 2:
        fix, new_lines = _convert_at_input(sit, bindings, "float")
        lines = " and ".join(str(x.line) for x in bindings)
        summary = (
            f"{where} uses `{op}` between two texts: {code(a)} and {code(b)} hold what `input()` returned "
            f"(lines {lines}), and `input()` always returns text; convert them to numbers where they are "
            f"read: {' and '.join(code(n) for n in new_lines)}."
        )
        why = (
            f"{code(a)} and {code(b)} are strings (text) because `input()` returns text, even when the user "
            "types digits"
        )
        steps = " ".join(
            f"Change line {x.line} to {code(n)}." for x, n in zip(bindings, new_lines, strict=True)
        )
        return summary, why, steps, fix
    new = f"float({a}) {op} float({b})"
    fix = replace_node(sit.code, node, new) if editable and isinstance(node, ast.BinOp) else None
    summary = (
        f"{where} uses `{op}` between two texts ({code(a)} and {code(b)} are `str`); to compute with them, "
        f"convert them to numbers first: {code(new)}."
    )
    why = f"{code(a)} and {code(b)} are strings (text), and `{op}` does not do arithmetic on text"
    return summary, why, f"Write {code(new)} on line {line}.", fix


def _none_operand(sit: Situation, node, op, left, right, line, other, function) -> Diagnosis:
    pair = _operands(node) if node is not None else None
    none_side = None
    if pair is not None:
        none_side = pair[0] if left == "NoneType" else pair[1]
    origin = find_none_origin(sit, none_side, line) if none_side is not None and line and not other else None
    shown = _src(sit, none_side, other) if none_side is not None else "one side"
    where = cap(place(line, other, function) + called_from(sit))
    reason = origin.reason if origin else f"{code(shown)} is `None` when line {line} runs"
    return Diagnosis(
        summary=f"{where} uses `{op}` on {code(shown)}, which is `None`: {reason}.",
        plain=f'`None` means "no value", so Python can\'t do `{op}` with it. {cap(reason)}.',
        precise=f"The operand {code(shown)} is `None` (`NoneType` supports no arithmetic). {cap(reason)}.",
        analogy="it's like adding up a bill where one price tag is blank.",
        deeper="A function's implicit return value is `None`; static checkers such as mypy flag a "
        "missing return when the function is annotated.",
        fix_steps=origin.fix_steps if origin else f"Find out why {code(shown)} is `None` before line {line}.",
        prevention="A function whose result you use must `return` it; print values you're unsure of.",
        concepts=["return-values", "none"] if origin and origin.kind in ("no-return", "print") else ["none"],
        hints=[
            f"Print {code(shown)} just before line {line}.",
            f"{code(shown)} is `None`. Where does it get its value?",
            origin.fix_steps if origin else "Make sure it gets a real value.",
        ],
        fix_code=origin.fix_code if origin else None,
        culprit_line=origin.line if origin else line,
        culprit_where=other,
        conceptual=bool(origin and origin.kind in ("no-return", "in-place", "print")),
    )


def _mixed(sit: Situation, node, op, left, right, line, other, function) -> Diagnosis:
    pair = _operands(node) if node is not None else None
    where = cap(place(line, other, function) + called_from(sit))
    text_side = num_side = None
    if pair is not None:
        if left == "str":
            text_side, num_side = pair
        elif right == "str":
            num_side, text_side = pair
    input_line = _from_input(sit, text_side, line) if text_side is not None else None
    fix = None
    suggestion = None
    culprit = line
    convert = "float" if "float" in (left, right) else "int"
    if text_side is not None and num_side is not None and (left in _NUMBERS or right in _NUMBERS):
        ts, ns = _src(sit, text_side, other), _src(sit, num_side, other)
        numeric_literal = isinstance(text_side, ast.Constant) and re.fullmatch(
            r"\s*-?\d+(\.\d+)?\s*", str(text_side.value)
        )
        # Converting where the text is read pays off when the name is used more than once (a
        # single use is fixed in place, where the student is looking).
        at_input = (
            _input_binding(sit, text_side)
            if sit.has_code
            and not other
            and not numeric_literal
            and (input_line or op != "+")
            and _loads(sit.tree, ts) > 1
            else None
        )
        if at_input is not None:
            # Converting where the text is read fixes this use and every later one.
            fix, (new_line,) = _convert_at_input(sit, [at_input], convert)
            why = (
                f"{code(ts)} holds the text `input()` returned on line {at_input.line} (`input()` always "
                f"returns text), so convert it where it is read: {code(new_line)}"
            )
            summary = f"{where} uses `{op}` between text and a number: {why}."
            steps = (
                f"Change line {at_input.line} to {code(new_line)} (`{convert}({ts})` on line {line} "
                f"instead would fix only one of its {_loads(sit.tree, ts)} uses)."
            )
            concepts = ["type-conversion"]
            culprit = at_input.line
        elif op == "*" and right == "float" and _plainly_words(text_side):
            # 'ab' * 2.5 repeats words; float('ab') would fail the same line again.
            suggestion = f"int({ns})"
            why = (
                f"{code(ts)} is text, and `*` repeats text a whole number of times; {code(ns)} is a `float`, "
                f"so make it whole with `{suggestion}`"
            )
            target = num_side
        elif input_line is not None or op not in ("+",) or numeric_literal:
            # Arithmetic was intended: the text has to become a number.
            if numeric_literal:
                assert isinstance(text_side, ast.Constant)
                suggestion = str(text_side.value).strip()
                why = f"{code(ts)} is text because of the quotes; the number is {code(suggestion)}"
            else:
                suggestion = f"{convert}({ts})"
                origin = f" because `input()` on line {input_line} always returns text" if input_line else ""
                why = f"{code(ts)} is a string (text){origin}, so it must be converted with `{suggestion}`"
            target = text_side
        else:
            suggestion = f"str({ns})"
            why = (
                f"{code(ns)} is a number (`{left if left in _NUMBERS else right}`) and `+` can't glue "
                "a "
                f"number to text; convert it with `{suggestion}`"
            )
            target = num_side
        if at_input is None:
            if sit.has_code and not other and sit.tree is not None:
                fix = replace_node(sit.code, target, suggestion)
            summary = f"{where} uses `{op}` between text and a number: {why}."
            fstring = _fstring(sit, node, other) if suggestion.startswith("str(") else None
            steps = f"Write `{suggestion}` on line {line}." + (
                f" Or build the text with an f-string: {code(fstring)}." if fstring else ""
            )
            concepts = ["type-conversion", "f-strings"] if fstring else ["type-conversion"]
    elif left == right == "str" and (both := _text_with_text(sit, node, pair, op, line, other, where)):
        summary, why, steps, fix = both
        concepts = ["type-conversion"]
        if "input()" in summary:
            culprit = min(b.line for b in (_input_binding(sit, x) for x in pair) if b)
    elif left == "str" and right in ("list", "tuple") and op == "+":
        # "Name: " + names[0:n]: text glued to a whole list (wrapping it in a list would not help).
        seq = _src(sit, pair[1], other) if pair else None
        suggestion = f"', '.join({seq})" if seq else None
        if suggestion and sit.has_code and not other and pair is not None:
            fix = replace_node(sit.code, pair[1], suggestion)
        shown = code(seq) if seq else f"the `{right}`"
        right_node = pair[1] if pair else None
        sliced = isinstance(right_node, ast.Subscript) and isinstance(right_node.slice, ast.Slice)
        one = f"{_src(sit, right_node.value, other)}[i]" if sliced else f"{seq}[i]" if seq else "names[i]"
        summary = (
            f"{where} uses `+` between text and a `{right}`: {shown} is a whole {right}, and `+` only glues "
            f"text to text. Join its items into one text ({code(suggestion) if suggestion else '`join`'}), "
            f"or pick one item by its position."
        )
        why = f"`+` after text needs text; a {right} must be turned into text (its items joined) first"
        steps = (
            f"Write {code(suggestion)} (its items must be text; else `str(…)` each) or use one item, "
            f"e.g. {code(one)}."
            if suggestion
            else "Join the items into text with `', '.join(…)`, or use one item."
        )
        concepts = ["lists", "strings"]
    elif left == "list" or right == "list":
        other_side = pair[1] if pair else None
        suggestion = f"[{_src(sit, other_side, other)}]" if other_side is not None else None
        if suggestion and sit.has_code and not other and other_side is not None:
            fix = replace_node(sit.code, other_side, suggestion)
        summary = (
            f"{where} uses `{op}` between a list and a `{right}`: to add an item, put it in a list "
            f"(`{suggestion}`) or use `.append()`."
        )
        why = "`+` joins two lists; a single item must be wrapped in a list or added with `append`"
        steps = f"Write `{suggestion}` or call `.append(…)`." if suggestion else "Use `.append(…)`."
        concepts = ["lists"]
    elif left == right == "set" and (placeholders := _set_placeholders(node, sit, other)):
        # ({0}/{1}/{2}): format()'s placeholders written as code are sets holding one number.
        shown = ", ".join(code(p) for p in placeholders)
        summary = (
            f"{where} uses `{op}` between a `set` and a `set`: outside a string, {shown} are sets "
            f"holding one number each, not the `{{0}}`-style placeholders of `.format()`, which only mean "
            f"something inside a string. Use the variables themselves (e.g. `first {op} second`)."
        )
        why = "`{0}` in code builds a set containing 0; sets have no `/`, `*`, `+`"
        steps = (
            "Write the calculation with the variables that hold the numbers; if they were made in another "
            "function, `return` them from it and keep the result."
        )
        concepts = ["sets", "variables"]
    else:
        summary = f"{where} uses `{op}` between a `{left}` and a `{right}`, which Python can't combine."
        why = f"`{op}` is not defined between `{left}` and `{right}`"
        steps = f"Convert one side so both have a compatible type before line {line}."
        concepts = ["type-conversion"]
    return Diagnosis(
        summary=summary,
        plain=f'Python keeps text and numbers apart: `"5"` (text) and `5` (a number) are different things. '
        f"On {place(line, other)}, {why}.",
        precise=f"`{op}` is not defined for operands of type `{left}` and `{right}` (no implicit coercion "
        "between "
        f"`str` and numbers in Python): {why}.",
        analogy="it's like adding 3 apples to the word \"three\": you first have to decide whether you're "
        "counting or writing.",
        deeper=_protocol_note(sit.message, op, left, right),
        fix_steps=steps,
        prevention="Convert at the boundary: turn `input()` text into numbers right away with "
        "`int()`/`float()`, "
        "and use f-strings to put numbers into text.",
        concepts=concepts,
        hints=[
            f"What are the types of the values around `{op}` on line {line}? Try `type(...)`.",
            f"One side is `{left}`, the other `{right}`.",
            steps,
        ],
        fix_code=fix,
        culprit_line=culprit,
        culprit_where=other,
    )


def _protocol_note(message: str, op: str, left: str, right: str) -> str:
    if _CONCAT.search(message):
        return (
            f"`{left}.__add__` only accepts another `{left}` and raises at once; Python is strongly typed "
            "and "
            "never converts between text and numbers implicitly."
        )
    if _COMPARE.search(message):
        return (
            f"Ordering comparisons between `{left}` and `{right}` were removed in Python 3: both "
            f"`__{'lt'}__` "
            "directions return `NotImplemented`, so Python raises instead of guessing."
        )
    return (
        f"`{left}.__{_DUNDER.get(op, 'op')}__` returns `NotImplemented` for a `{right}`, then the reflected "
        f"`{right}.__r{_DUNDER.get(op, 'op')}__` is tried and also declines, which raises this TypeError."
    )


_DUNDER = {"+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv", "%": "mod", "**": "pow"}


def _fstring(sit: Situation, node, other: str | None) -> str | None:
    """Rewrite a ``"a" + x + "b"`` chain containing ``node`` as an f-string."""
    if node is None or other or sit.tree is None:
        return None
    from learnflow_agents.tutors.debug.code_facts import parent_map

    parents = parent_map(sit.tree)
    top = node
    while isinstance(parents.get(top), ast.BinOp) and isinstance(parents[top].op, ast.Add):
        top = parents[top]
    parts: list[ast.AST] = []

    def flatten(n: ast.AST) -> None:
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
            flatten(n.left)
            flatten(n.right)
        else:
            parts.append(n)

    flatten(top)
    out = []
    for part in parts:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            if any(ch in part.value for ch in '{}"\\\n'):
                return None
            out.append(part.value)
        elif (
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Name)
            and part.func.id == "str"
            and part.args
        ):
            out.append("{" + segment(sit.code, part.args[0]) + "}")
        else:
            inner = segment(sit.code, part)
            if '"' in inner or "{" in inner:
                return None
            out.append("{" + inner + "}")
    return 'f"' + "".join(out) + '"'
