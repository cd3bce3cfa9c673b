"""IndexError: a position that doesn't exist. Looks for the off-by-one that caused it
(``range(len(x) + 1)``, ``<=`` in a while, ``x[len(x)]``, ``x[i + 1]``), empty lists,
and assigning to positions a list doesn't have yet."""

from __future__ import annotations

import ast
import re

from learnflow_agents.tutors.debug.code_facts import (
    enclosing_function,
    indent_of,
    parent_map,
    replace_line,
    replace_node,
    replace_nodes,
    segment,
)
from learnflow_agents.tutors.debug.diagnosis import Diagnosis, cap, code
from learnflow_agents.tutors.debug.families.common import (
    called_from,
    fragment_nodes,
    known_length,
    place,
    raise_site,
    wrap_in_guard,
)
from learnflow_agents.tutors.debug.situation import Situation


def analyse(sit: Situation) -> Diagnosis | None:
    line, other, text, function = raise_site(sit)
    msg = sit.message
    where = cap(place(line, other, function) + called_from(sit))
    kind = "string" if msg.startswith("string") else "tuple" if msg.startswith("tuple") else "list"
    if re.match(r"pop from (?:an )?empty", msg) or "pop index" in msg:
        return _empty_pop(sit, line, other, where)
    if msg.startswith("Cannot choose from an empty sequence"):
        return _empty_choice(sit, line, other, where)
    if m := re.match(r"Replacement index (\d+) out of range", msg):
        return _format_args(sit, int(m.group(1)), line, other, where)
    subs = [
        s
        for s in fragment_nodes(sit, line, ast.Subscript, text=text if other else None)
        if not isinstance(s.slice, ast.Slice)
    ]
    if "assignment index" in msg:
        return _assign_past_end(sit, subs, line, other, where)
    if not subs:
        return None
    editable = sit.has_code and not other and sit.tree is not None
    for sub in subs:
        for rule in (
            _ragged_row,
            _len_index,
            _loop_off_by_one,
            _while_off_by_one,
            _literal_past_end,
            _empty,
            _first_or_last_of_empty,
            _string_written_as_list,
        ):
            found = rule(sit, sub, line, other, where, kind, editable)
            if found is not None:
                return found
    return None


def _names(sub: ast.Subscript, sit: Situation, other: str | None) -> tuple[str, str]:
    if sit.has_code and not other and sit.tree is not None:
        return segment(sit.code, sub.value), segment(sit.code, sub.slice)
    return ast.unparse(sub.value), ast.unparse(sub.slice)


def _diag(
    *, summary, why, steps, fix, culprit, other, concepts, hints_mid, conceptual, line, container, valid=""
) -> Diagnosis:
    return Diagnosis(
        summary=summary,
        plain="Python counts positions from 0, so a list with 3 items has positions 0, 1 and 2 — there is "
        "no "
        f"position 3. {why}{valid}",
        precise="Sequence indices run from `0` to `len(seq) - 1` (negative indices count from the end). "
        f"{why}{valid}",
        analogy="it's like the floors of a building where the ground floor is 0: a 3-storey building's top "
        "floor is number 2.",
        deeper="Off-by-one errors are the classic boundary bug; iterating directly (`for x in seq`) or with "
        "`enumerate(seq)` avoids index arithmetic entirely.",
        fix_steps=steps,
        prevention="Prefer `for item in items:` (or `enumerate`) over index arithmetic; when you index, the "
        "last valid index is `len(x) - 1`, or simply `x[-1]`.",
        concepts=concepts,
        hints=[
            f"How many items does `{container}` have when line {line} runs, and which position is asked for?",
            hints_mid,
            steps,
        ],
        fix_code=fix,
        culprit_line=culprit,
        culprit_where=other,
        conceptual=conceptual,
    )


def _len_index(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    container, index = _names(sub, sit, other)
    idx = sub.slice
    via = None
    if isinstance(idx, ast.Name) and line is not None and sit.tree is not None and not other:
        # `n = len(fruit)` earlier, then `fruit[n]`: the same one-past-the-end index, by a name.
        binding = sit.facts.last_assignment_before(idx.id, line)
        if binding is not None and binding.kind == "assign" and binding.value is not None:
            via, idx = idx.id, binding.value
    if not (
        isinstance(idx, ast.Call)
        and isinstance(idx.func, ast.Name)
        and idx.func.id == "len"
        and idx.args
        and ast.unparse(idx.args[0]) == ast.unparse(sub.value)
    ):
        return None
    if via is not None:
        new = f"{container}[{via} - 1]"
        fix = replace_node(sit.code, sub, new) if editable else None
        return _diag(
            summary=f"{where} asks for `{container}[{via}]`, but `{via}` is `len({container})` (set on line "
            f"{binding.line}), one past the end: the last item is at position `{via} - 1`, so write `{new}`.",
            why=f"`len({container})` is the number of items, always one more than the last position.",
            steps=f"Use `{new}` (or `{container}[-1]`).",
            fix=fix,
            culprit=line,
            other=other,
            concepts=["indexing", "strings" if kind == "string" else "lists"],
            hints_mid=f"`{via}` equals `len({container})`, one more than the last valid position.",
            conceptual=True,
            line=line,
            container=container,
        )
    new = f"{container}[-1]"
    fix = replace_node(sit.code, sub, new) if editable else None
    return _diag(
        summary=f"{where} asks for `{container}[{index}]`, one past the end: the last item is at position "
        f"`len({container}) - 1`, so write `{new}`.",
        why=f"`len({container})` is the number of items, which is always one more than the last position.",
        steps=f"Use `{new}` (or `{container}[len({container}) - 1]`).",
        fix=fix,
        culprit=line,
        other=other,
        concepts=["indexing", "lists"],
        hints_mid=f"`len({container})` is one more than the last valid position.",
        conceptual=True,
        line=line,
        container=container,
    )


def _loop_for(sit: Situation, sub: ast.Subscript, line: int | None) -> ast.For | None:
    if sit.tree is None or line is None:
        return None
    names = {n.id for n in ast.walk(sub.slice) if isinstance(n, ast.Name)}
    loops = [
        f
        for f in ast.walk(sit.tree)
        if isinstance(f, ast.For)
        and isinstance(f.target, ast.Name)
        and f.target.id in names
        and f.lineno <= line <= (f.end_lineno or f.lineno)
    ]
    return max(loops, key=lambda f: f.lineno) if loops else None


def _range_parts(call: ast.AST) -> tuple[ast.AST | None, ast.AST] | None:
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "range":
        if len(call.args) == 1:
            return None, call.args[0]
        if len(call.args) == 2:
            return call.args[0], call.args[1]
    return None


def _is_len_of(node: ast.AST, container: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and len(node.args) == 1
        and ast.unparse(node.args[0]) == ast.unparse(container)
    )


def _loop_off_by_one(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    loop = _loop_for(sit, sub, line)
    if loop is None or other:
        return None
    parts = _range_parts(loop.iter)
    if parts is None:
        return None
    start, stop = parts
    container, index = _names(sub, sit, other)
    var = loop.target.id  # type: ignore[attr-defined]
    rng = segment(sit.code, loop.iter)
    fix = None
    new_range = None
    # range(len(x) + 1) or range(1, len(x) + 1): one step too far.
    if (
        isinstance(stop, ast.BinOp)
        and isinstance(stop.op, ast.Add)
        and _is_len_of(stop.left, sub.value)
        and isinstance(stop.right, ast.Constant)
        and stop.right.value == 1
    ):
        new_range = f"range(len({container}))"
        why = (
            f"`{rng}` on line {loop.lineno} makes `{var}` go up to `len({container})`, one position past the "
            f"last item of `{container}`."
        )
    elif (
        _is_len_of(stop, sub.value)
        and isinstance(sub.slice, ast.BinOp)
        and isinstance(sub.slice.op, ast.Add)
        and isinstance(sub.slice.right, ast.Constant)
        and isinstance(sub.slice.right.value, int)
    ):
        k = sub.slice.right.value
        new_range = f"range({segment(sit.code, start) + ', ' if start else ''}len({container}) - {k})"
        why = (
            f"on the last pass of the loop (line {loop.lineno}) `{var}` is the last position, so `{index}` "
            f"points {k} past the end of `{container}`."
        )
    elif (
        isinstance(stop, ast.Constant)
        and isinstance(stop.value, int)
        and isinstance(sub.slice, ast.Name)
        and sub.slice.id == var
        and (size := known_length(sit, sub.value, line)) is not None
        and 0 < size < stop.value
    ):
        # range(4) over a 3-item list: the count was typed in and is wrong; len() keeps it right.
        new_range = f"range({segment(sit.code, start) + ', ' if start else ''}len({container}))"
        why = (
            f"`{rng}` on line {loop.lineno} makes `{var}` go up to {stop.value - 1}, but `{container}` has "
            f"{size} items (positions 0 to {size - 1})."
        )
    else:
        return None
    if editable:
        fix = replace_node(sit.code, loop.iter, new_range)
    return _diag(
        summary=f"{where} reads `{container}[{index}]`, but the loop on line {loop.lineno} (`{rng}`) runs "
        "one step too "
        f"far: use `{new_range}`.",
        why=why,
        steps=f"Change the loop on line {loop.lineno} to `for {var} in {new_range}:`.",
        fix=fix,
        culprit=loop.lineno,
        other=other,
        concepts=["range", "for-loops", "indexing"],
        hints_mid=f"What is the biggest value `{var}` takes in `{rng}`?",
        conceptual=True,
        line=line,
        container=container,
    )


def _bumps(stmt: ast.stmt, name: str) -> bool:
    """``name += 1`` or ``name = name + 1``."""
    if isinstance(stmt, ast.AugAssign):
        return isinstance(stmt.target, ast.Name) and stmt.target.id == name and isinstance(stmt.op, ast.Add)
    return (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and stmt.targets[0].id == name
        and isinstance(stmt.value, ast.BinOp)
        and isinstance(stmt.value.op, ast.Add)
        and isinstance(stmt.value.left, ast.Name)
        and stmt.value.left.id == name
    )


def _lte_len_loops(sit: Situation, sub: ast.Subscript) -> list[ast.While]:
    """``while i <= len(x):`` loops over the index and the container of ``sub``."""
    names = {n.id for n in ast.walk(sub.slice) if isinstance(n, ast.Name)}
    out = []
    for w in ast.walk(sit.tree):
        test = getattr(w, "test", None)
        if (
            isinstance(w, ast.While)
            and isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.LtE)
            and isinstance(test.left, ast.Name)
            and test.left.id in names
            and _is_len_of(test.comparators[0], sub.value)
        ):
            out.append(w)
    return out


def _while_off_by_one(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    if sit.tree is None or other or line is None:
        return None
    container, index = _names(sub, sit, other)
    loops = _lte_len_loops(sit, sub)
    for loop in loops:
        if not loop.lineno <= line <= (loop.end_lineno or loop.lineno):
            continue
        test = loop.test
        name = test.left.id
        size = segment(sit.code, test.comparators[0])
        old = segment(sit.code, test)
        # The index grows at the top of the body, before it is read: the loop must stop one earlier.
        bumps_first = any(_bumps(st, name) for st in loop.body if (st.end_lineno or st.lineno) < line)
        new = f"{name} < {size} - 1" if bumps_first else f"{name} < {size}"
        fix = replace_node(sit.code, test, new) if editable else None
        if bumps_first:
            why = (
                f"`{name}` goes up by 1 at the start of each pass, before line {line} reads "
                f"`{container}[{index}]`, so the loop must stop while `{name}` is still below "
                f"`len({container}) - 1`; with `<=`, a pass that starts with "
                f"`{name} == len({container}) - 1` moves it to `len({container})` and reads past the end."
            )
            summary_tail = f"the loop must stop earlier: `while {new}:`."
        else:
            why = f"with `<=`, the last pass has `{name} == len({container})`, which is not a valid position."
            summary_tail = "use `<`, not `<=`."
        return _diag(
            summary=f"{where} reads `{container}[{index}]`, but the loop condition on line {loop.lineno} "
            f"(`{old}`) lets `{name}` reach `len({container})`, one past the last position: {summary_tail}",
            why=why,
            steps=f"Change line {loop.lineno} to `while {new}:`.",
            fix=fix,
            culprit=loop.lineno,
            other=other,
            concepts=["while-loops", "comparison", "indexing"],
            hints_mid=f"What is `{name}` on the last pass through the loop?",
            conceptual=True,
            line=line,
            container=container,
        )
    for loop in loops:
        # Another loop pushes the index past the end before the failing line reads it.
        name = loop.test.left.id
        if not any(_bumps(st, name) for st in loop.body):
            continue
        old = segment(sit.code, loop.test)
        return _diag(
            summary=f"{where} reads `{container}[{index}]` after the loop on line {loop.lineno} "
            f"(`while {old}:`) has added 1 to `{name}` until `{name}` is `len({container}) + 1`, past "
            f"the last position (`len({container}) - 1`).",
            why=f"`while {old}:` only stops once `{name}` is bigger than `len({container})`, so afterwards "
            f"`{name}` no longer names a position of `{container}`.",
            steps=f"To visit each item once, loop over `{container}` itself (`for item in {container}:`) "
            f"instead of moving `{name}` by hand; if you keep the index, let it run only while "
            f"`{name} < len({container})`.",
            fix=None,
            culprit=loop.lineno,
            other=other,
            concepts=["while-loops", "indexing"],
            hints_mid=f"What is `{name}` when the loop on line {loop.lineno} stops?",
            conceptual=True,
            line=line,
            container=container,
        )
    return None


def _literal_past_end(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    if not (isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, int)):
        return None
    size = known_length(sit, sub.value, line)
    if size is None or size == 0:
        return None
    container, _index = _names(sub, sit, other)
    k = sub.slice.value
    if -size <= k < size:
        return None  # a position that exists: another subscript on the line failed (`t[0][col]`)
    unit = "characters" if kind == "string" else "items"
    last = f"{container}[{size - 1}]"
    fix = replace_node(sit.code, sub, last) if editable and k == size else None
    return _diag(
        summary=f"{where} asks for `{container}[{k}]`, but `{container}` has {size} {unit}, at positions 0 "
        f"to {size - 1}: "
        f"the last one is `{last}` (or `{container}[-1]`).",
        why=f"`{container}` has {size} {unit}, so position {k} doesn't exist.",
        valid=f" Valid positions for `{container}` are 0 to {size - 1} (or -1 to -{size}).",
        steps=f"Use `{last}` for the last item"
        + (" — counting starts at 0." if k == size else f"; position {k} doesn't exist."),
        fix=fix,
        culprit=line,
        other=other,
        concepts=["indexing", "strings" if kind == "string" else "lists"],
        hints_mid=f"`{container}` has {size} {unit}; what is the position of the last one?",
        conceptual=k == size,
        line=line,
        container=container,
    )


def _literal_rows(sit: Situation, name: ast.AST, line: int | None) -> list[ast.AST] | None:
    """The rows of a list of lists written out literally (and never grown before `line`)."""
    if not isinstance(name, ast.Name) or known_length(sit, name, line) is None or line is None:
        return None
    binding = sit.facts.last_assignment_before(name.id, line + 1)
    value = binding.value if binding is not None else None
    if not isinstance(value, ast.List | ast.Tuple):
        return None
    if all(isinstance(e, ast.List | ast.Tuple) for e in value.elts):
        return list(value.elts)
    return None


_COMPOUND = (
    ast.For, ast.While, ast.If, ast.With, ast.Try, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
)  # fmt: skip


def _statement_nodes(tree: ast.AST, line: int | None, kind: type) -> list[ast.AST]:
    """Nodes of ``kind`` in the whole simple statement on ``line`` (which may span lines)."""
    stmts = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.stmt)
        and not isinstance(n, _COMPOUND)
        and line is not None
        and n.lineno <= line <= (n.end_lineno or n.lineno)
    ]
    if not stmts:
        return []
    stmt = min(stmts, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
    return [n for n in ast.walk(stmt) if isinstance(n, kind)]


def _guard(code: str, read: ast.Subscript, var: str, filler: str = "''") -> str:
    return f"({segment(code, read)} if {var} < len({segment(code, read.value)}) else {filler})"


def _filler(tree: ast.AST, rows: list[ast.AST], reads: list[ast.AST]) -> str:
    """What a missing position reads as: '' (shown as nothing), but 0 when rows of numbers are
    calculated with (`rows[0][col] + rows[1][col]`), where '' would fail next."""
    items = [e for r in rows for e in getattr(r, "elts", [])]
    numbers = all(isinstance(e, ast.Constant) and type(e.value) in (int, float) for e in items)
    parents = parent_map(tree)
    calculated = any(isinstance(parents.get(r), ast.BinOp | ast.AugAssign | ast.UnaryOp) for r in reads)
    return "0" if numbers and calculated else "''"


def _ragged_row(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    """`rows[0][col]` with `col` counting to the longest row's length: the rows of a literal list of
    lists have different lengths, so the short ones run out. The fix reads a position only when the
    row has it (`'' ` otherwise), for every such read on the line."""
    outer = sub.value
    if not (
        isinstance(outer, ast.Subscript)
        and isinstance(outer.slice, ast.Constant)
        and isinstance(outer.slice.value, int)
        and isinstance(sub.slice, ast.Name)
    ):
        return None
    rows = _literal_rows(sit, outer.value, line)
    loop = _loop_for(sit, sub, line)
    if rows is None or loop is None or not -len(rows) <= outer.slice.value < len(rows):
        return None
    lengths = [len(r.elts) for r in rows]
    if len(set(lengths)) < 2:
        return None
    k, var = outer.slice.value, sub.slice.id
    if not isinstance(sub.ctx, ast.Load):
        return None  # a write (`grid[1][col] = 1`): reading with a guard is no answer
    # `rows[0][col] + rows[1][col]`: the row that runs out is the shortest one read, not the first.
    same_reads = [
        r
        for r in _statement_nodes(sit.tree, line, ast.Subscript)
        if isinstance(r.value, ast.Subscript)
        and isinstance(r.slice, ast.Name)
        and r.slice.id == var
        and isinstance(r.value.slice, ast.Constant)
        and isinstance(r.value.slice.value, int)
        and -len(rows) <= r.value.slice.value < len(rows)
        and ast.dump(r.value.value) == ast.dump(outer.value)
    ]
    shortest = min(same_reads, key=lambda r: lengths[r.value.slice.value], default=sub)
    if lengths[shortest.value.slice.value] < lengths[k]:
        sub, outer, k = shortest, shortest.value, shortest.value.slice.value
    row_len = lengths[k]
    filler = _filler(sit.tree, rows, same_reads)
    container = segment(sit.code, outer) if editable else ast.unparse(outer)
    table = segment(sit.code, outer.value) if editable else ast.unparse(outer.value)
    over = code(segment(sit.code, loop.iter)) if editable else "its loop"
    fix = None
    if editable:
        reads = [
            r
            for r in _statement_nodes(sit.tree, line, ast.Subscript)
            if isinstance(r.value, ast.Subscript)
            and isinstance(r.slice, ast.Name)
            and r.slice.id == var
            and isinstance(r.value.value, ast.Name)
            and r.value.value.id == table
        ]
        edits = [(r, _guard(sit.code, r, var, filler)) for r in reads]
        fix = replace_nodes(sit.code, edits) if edits else None
    guarded = f"{container}[{var}] if {var} < len({container}) else {filler}"
    positions = "position 0 only" if row_len == 1 else f"positions 0 to {row_len - 1}"
    return Diagnosis(
        summary=f"{where} reads `{container}[{var}]`, but `{container}` has only {row_len} "
        f"item{'s' if row_len != 1 else ''} ({positions}), while `{var}` runs through "
        f"{over}: the rows of `{table}` have different lengths ({min(lengths)} to {max(lengths)} items), so "
        "the short ones run out first.",
        plain=f"`{table}` is a list of rows of different lengths. `{var}` counts up to the longest row, "
        f"but `{container}` is shorter: once `{var}` reaches {row_len}, there is no such position in it.",
        precise=f"`{container}` has length {row_len}; indices run from 0 to {row_len - 1}, and the loop "
        f"variable `{var}` goes further.",
        fix_steps=f"Read a position only when the row has it: `{guarded}` (and the same for the other "
        "rows on the line).",
        prevention="When rows can have different lengths, check `len(row)` before indexing, or loop over "
        "the row itself.",
        concepts=["indexing", "lists"],
        hints=[
            f"How many items does `{container}` have, and how far does `{var}` count?",
            f"`{container}` has {row_len} item{'s' if row_len != 1 else ''}.",
            f"Use `{guarded}`.",
        ],
        fix_code=fix,
        culprit_line=line,
        culprit_where=other,
    )


def _empty_value(node: ast.AST) -> bool:
    """`list()`, `[]`, `""`, `()`: a value that is empty as written."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("list", "tuple", "str") and not node.args and not node.keywords
    if isinstance(node, ast.List | ast.Tuple):
        return not node.elts
    return isinstance(node, ast.Constant) and node.value in ("", b"")


def _empty(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    size = 0 if _empty_value(sub.value) else known_length(sit, sub.value, line)
    if size != 0:
        return None
    container, index = _names(sub, sit, other)
    editable = editable and container.isidentifier()
    binding = (
        sit.facts.last_assignment_before(container, (line or 0) + 1) if container.isidentifier() else None
    )
    made = f" (created empty on line {binding.line}, and nothing was added)" if binding else ""
    fix = wrap_in_guard(sit, line, container) if editable and line else None
    return _diag(
        summary=f"{where} asks for `{container}[{index}]`, but `{container}` is empty{made}, so it has no "
        "positions at all.",
        why=f"`{container}` has no items{made}; even position 0 doesn't exist.",
        steps=f"Make sure `{container}` gets items before line {line}, or check `if {container}:` first.",
        fix=fix,
        culprit=binding.line if binding else line,
        other=other,
        concepts=["lists", "indexing"],
        hints_mid=f"How many items does `{container}` have? Print `len({container})`.",
        conceptual=False,
        line=line,
        container=container,
    )


def _string_written_as_list(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    """`s[i] = s[j]` on a string: the code treats text as a list of slots (a rotor, a board), but
    the string is shorter than the positions it reads, and even in range its characters could not
    be replaced (str is immutable). Only when the same name is also written by position."""
    if kind != "string" or not editable or not isinstance(sub.value, ast.Name):
        return None
    name = sub.value.id
    scope = enclosing_function(sit.tree, line) or sit.tree
    writes = [
        t
        for node in ast.walk(scope)
        if isinstance(node, (ast.Assign, ast.AugAssign))
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
    ]
    if not writes:
        return None
    container, index = _names(sub, sit, other)
    write_line = min(t.lineno for t in writes)
    steps = (
        f"Make `{name}` a list before changing it by position: `{name} = list({name})` at the start "
        f"(join it back with `''.join({name})` when you need text), and check that it has as many "
        f"items as the positions the code uses: print `len({name})` and `{name}` before line {line}."
    )
    return _diag(
        summary=f"{where} reads `{container}[{index}]`, but `{name}` is a string (text) with fewer "
        f"characters than that position, and the code also writes into it by position (line {write_line}) "
        f"as if it were a list. Check what `{name}` holds: it is not the list of items the code expects.",
        why=f"A string's length is its number of characters; and a string cannot be changed in place, "
        f"so even a valid `{name}[i] = …` would raise a TypeError: it must be a list to be changed.",
        steps=steps,
        fix=None,
        culprit=line,
        other=other,
        concepts=["indexing", "strings", "mutability"],
        hints_mid=f"Print `type({name})`, `len({name})` and `{name}` just before line {line}.",
        conceptual=True,
        line=line,
        container=container,
    )


def _first_or_last_of_empty(sit, sub, line, other, where, kind, editable) -> Diagnosis | None:
    """`x[0]` or `x[-1]` out of range: whatever `x` is, it is empty right then (both positions exist
    in any sequence with one item)."""
    idx = sub.slice
    first = isinstance(idx, ast.Constant) and idx.value == 0
    last = (
        isinstance(idx, ast.UnaryOp)
        and isinstance(idx.op, ast.USub)
        and isinstance(idx.operand, ast.Constant)
        and idx.operand.value == 1
    )
    if not (first or last):
        return None
    if (known_length(sit, sub.value, line) or 0) > 0:
        return None  # not empty: another subscript on the line failed (`t[0][col]`)
    container, index = _names(sub, sit, other)
    function = enclosing_function(sit.tree, line) if editable else None
    params = {a.arg for a in function.args.args} if function is not None else set()
    came = (
        f": `{container}` is a parameter of `{function.name}`, which was called with an empty {kind}"
        if function is not None and container in params
        else ""
    )
    guard = f"if not {container}:"
    steps = (
        f"Handle the empty case before line {line}: start `{function.name}` with `{guard}` and return "
        "what an empty input should give."
        if came
        else f"Check `if {container}:` before reading `{container}[{index}]`, or find why it is empty."
    )
    return _diag(
        summary=f"{where} asks for `{container}[{index}]`, which only fails when `{container}` is empty, "
        f"so `{container}` is empty at that moment{came}.",
        why=f"`{container}[{index}]` exists for any {kind} with at least one item; `{container}` has none.",
        steps=steps,
        fix=None,
        culprit=line,
        other=other,
        concepts=["indexing", "conditionals"],
        hints_mid=f"Print `len({container})` just before line {line}.",
        conceptual=False,
        line=line,
        container=container,
    )


def _empty_pop(sit: Situation, line, other, where) -> Diagnosis | None:
    calls = [
        c
        for c in fragment_nodes(sit, line, ast.Call)
        if isinstance(c.func, ast.Attribute) and c.func.attr == "pop"
    ]
    if not calls:
        return None
    recv = calls[0].func.value  # type: ignore[attr-defined]
    container = segment(sit.code, recv) if sit.has_code and not other else ast.unparse(recv)
    binding = (
        sit.facts.last_assignment_before(container, (line or 0) + 1) if container.isidentifier() else None
    )
    made = f" (created on line {binding.line})" if binding else ""
    if "pop index out of range" in sit.message and calls[0].args:
        # `xs.pop(5)`: a position past the end, not an empty list.
        position = segment(sit.code, calls[0].args[0]) if sit.has_code and not other else "the position"
        return _diag(
            summary=f"{where} calls `{container}.pop({position})`, but `{container}`{made} has no item at "
            f"position {position}: positions run from 0 to `len({container}) - 1`.",
            why=f"`pop(i)` removes the item at position i, and `{container}` is shorter than that.",
            steps=f"Pop a position that exists (check `{position} < len({container})`), or `pop()` with no "
            "argument to take the last item.",
            fix=None,
            culprit=line,
            other=other,
            concepts=["lists", "indexing"],
            hints_mid=f"How many items does `{container}` have when line {line} runs?",
            conceptual=False,
            line=line,
            container=container,
        )
    fix = (
        wrap_in_guard(sit, line, container)
        if sit.has_code and not other and sit.tree is not None and line
        else None
    )
    return _diag(
        summary=f"{where} calls `{container}.pop()`, but `{container}`{made} is empty at that moment: there "
        "is nothing to remove.",
        why=f"`pop()` removes the last item, and `{container}` has none left{made}.",
        steps=f"Check `if {container}:` before popping, or loop `while {container}:`.",
        fix=fix,
        culprit=line,
        other=other,
        concepts=["lists", "conditionals"],
        hints_mid=f"How many items are in `{container}` when line {line} runs?",
        conceptual=False,
        line=line,
        container=container,
    )


def _assign_past_end(sit: Situation, subs: list[ast.Subscript], line, other, where) -> Diagnosis | None:
    stores = [s for s in subs if isinstance(s.ctx, ast.Store)]
    sub = stores[0] if stores else (subs[0] if subs else None)
    if sub is None:
        return None
    container, index = _names(sub, sit, other)
    fix = None
    new = None
    if sit.has_code and not other and sit.tree is not None and line is not None:
        parents = parent_map(sit.tree)
        assign = parents.get(sub)
        if (
            isinstance(assign, ast.Assign)
            and len(assign.targets) == 1
            and assign.lineno == line == assign.end_lineno
        ):
            new = f"{container}.append({segment(sit.code, assign.value)})"
            fix = replace_line(sit.code, line, indent_of(sit.text(line)) + new)
    binding = (
        sit.facts.last_assignment_before(container, (line or 0) + 1) if container.isidentifier() else None
    )
    size = (
        known_length(sit, binding.value, None) if binding is not None and binding.value is not None else None
    )
    made = (
        f" (created on line {binding.line} with {size} item{'s' if size != 1 else ''})"
        if binding and size is not None
        else ""
    )
    return _diag(
        summary=f"{where} assigns to `{container}[{index}]`, but `{container}`{made} has no position "
        f"{index} yet; "
        f"a list only grows with `append`" + (f": write `{new}`." if new else "."),
        why=f"assigning to `{container}[{index}]` replaces an existing item; it cannot create a new "
        "position.",
        steps=f"Use `{new}`."
        if new
        else f"Add items with `{container}.append(…)` instead of assigning to new positions.",
        fix=fix,
        culprit=line,
        other=other,
        concepts=["lists", "indexing"],
        hints_mid=f"`{container}` is shorter than position {index}.",
        conceptual=True,
        line=line,
        container=container,
    )


def _format_args(sit: Situation, index: int, line, other, where) -> Diagnosis:
    """`'{} {}'.format(1)`: more placeholders than values."""
    return Diagnosis(
        summary=f"{where} has more `{{}}` placeholders than values passed to `.format()`: placeholder "
        f"number {index} (counting from 0) has no value, so the index is out of range.",
        plain=f"Each `{{}}` in the string takes the next value given to `.format(…)`. There are only {index} "
        f"value(s), so placeholder {index} (counting from 0) finds nothing.",
        precise=f"`str.format` looked up positional argument {index} for a replacement field, but only "
        f"{index} positional argument(s) were passed.",
        fix_steps="Pass one value per `{}` placeholder, or remove the extra placeholders (an f-string puts "
        "each value right where it goes: `f'{a} {b}'`).",
        prevention="Use f-strings, where each value sits inside its own placeholder.",
        concepts=["strings", "f-strings"],
        hints=[
            "Count the `{}` in the string.",
            "Count the values given to `.format()`.",
            "Make the two counts equal.",
        ],
        culprit_line=line,
        culprit_where=other,
    )


def _empty_choice(sit: Situation, line, other, where) -> Diagnosis:
    calls = [
        c for c in fragment_nodes(sit, line, ast.Call) if ast.unparse(c.func).endswith("choice") and c.args
    ]
    seq = ast.unparse(calls[0].args[0]) if calls else "the sequence"
    shown = f"`{seq}`" if calls else seq
    return Diagnosis(
        summary=f"{where} asks `random.choice` to pick from {shown}, which is empty: there is no item to "
        "choose, so no index is in range.",
        plain=f"`random.choice(x)` picks one item of `x` at a random index. "
        f"{cap(shown)} has no items at that "
        "moment, so there is nothing to pick.",
        precise="`random.choice` indexes the sequence at a random position below `len(seq)`; with length 0 "
        "no index exists and it raises IndexError.",
        fix_steps=f"Make sure {shown} has items before the call, or check `if {seq}:` first.",
        prevention="Before picking from a collection, ask whether it can be empty.",
        concepts=["lists", "indexing"],
        hints=[f"How many items does {shown} have?", "It is empty.", f"Check `if {seq}:` first."],
        culprit_line=line,
        culprit_where=other,
    )
