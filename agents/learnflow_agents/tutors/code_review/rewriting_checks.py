"""Learner checks that come with a safe rewrite for the refactored version.

range(len(x)) loops, comparisons to None/True/False, mutable default arguments and bare
excepts: each finding carries the edits that fix it, made only where the rewrite is
local and keeps the behaviour for ordinary values (the student's tests are the final word).
"""

import ast

from learnflow_agents.tutors.code_review.analysis import FUNCS, Analysis, function_label, short
from learnflow_agents.tutors.code_review.findings import Finding
from learnflow_agents.tutors.code_review.source_map import Edit

_MUTABLE_FACTORIES = {"list", "dict", "set", "bytearray", "defaultdict", "deque", "Counter", "OrderedDict"}


# --- range(len(x)) -------------------------------------------------------------------


def _range_len_sequence(iterator: ast.expr) -> ast.Name | None:
    if not (
        isinstance(iterator, ast.Call)
        and isinstance(iterator.func, ast.Name)
        and iterator.func.id == "range"
        and not iterator.keywords
    ):
        return None
    args = iterator.args
    if len(args) == 2 and isinstance(args[0], ast.Constant) and args[0].value == 0:
        args = args[1:]
    if len(args) != 1:
        return None
    inner = args[0]
    if (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id == "len"
        and len(inner.args) == 1
        and not inner.keywords
        and isinstance(inner.args[0], ast.Name)
    ):
        return inner.args[0]
    return None


def singular(name: str) -> str:
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith(("ches", "shes", "sses", "xes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss") and len(name) > 2:
        return name[:-1]
    return {"data": "value", "matrix": "row", "grid": "row", "text": "char", "word": "letter"}.get(
        name, "item"
    )


def _check_range_len_loop(
    an: Analysis,
    loop: ast.AST,
    target: ast.expr,
    iterator: ast.expr,
    body: list[ast.AST],
    leaks: bool,
    has_else: bool,
) -> Finding | None:
    seq = _range_len_sequence(iterator)
    if seq is None or not isinstance(target, ast.Name):
        return None
    index = target.id
    indexed: dict[str, list[ast.Subscript]] = {}
    stored = False
    consumed: set[int] = set()
    nodes = [n for part in body for n in ast.walk(part)]
    for node in nodes:
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Name)
            and node.slice.id == index
        ):
            indexed.setdefault(node.value.id, []).append(node)
            consumed.update((id(node.value), id(node.slice)))
            stored = stored or not isinstance(node.ctx, ast.Load)
    if seq.id not in indexed:
        return None
    other_index_use = False
    other_use: set[str] = set()
    reassigned = False
    for node in nodes:
        if isinstance(node, ast.Name) and id(node) not in consumed:
            if node.id == index:
                other_index_use = True
                reassigned = reassigned or not isinstance(node.ctx, ast.Load)
            elif node.id in indexed:
                other_use.add(node.id)
                reassigned = reassigned or not isinstance(node.ctx, ast.Load)
    if seq.id in other_use or reassigned:
        # The loop also changes or measures the list (append, len, xs[0]...), so the
        # index is doing real work; iterating directly would not be a like-for-like swap.
        return None
    zipped = [name for name in indexed if name not in other_use and name != seq.id]
    if (
        leaks
        and an.scope_name_counts(an.scope_of(loop))[index]
        > sum(1 for n in nodes if isinstance(n, ast.Name) and n.id == index) + 1
    ):
        other_index_use = True  # the index is read after the loop, so it must survive
    names = {name: an.fresh_name(singular(name), loop) for name in [seq.id, *zipped]}
    item = names[seq.id]
    if other_index_use:
        form, new_target, new_iter = "enumerate", f"{index}, {item}", f"enumerate({seq.id})"
        replaced = [seq.id]
    elif zipped:
        form = "zip"
        new_target = ", ".join(names.values())
        new_iter = f"zip({', '.join(names)})"
        replaced = list(names)
    else:
        form, new_target, new_iter, replaced = "direct", item, seq.id, [seq.id]
    header = f"for {new_target} in {new_iter}"
    edits: tuple[Edit, ...] = ()
    if not stored and not has_else:
        pieces = [Edit(*an.smap.span(target), new_target), Edit(*an.smap.span(iterator), new_iter)]
        for name in replaced:
            pieces.extend(Edit(*an.smap.span(sub), names[name]) for sub in indexed[name])
        edits = tuple(pieces)
    return an.finding(
        "range-len",
        loop if isinstance(loop, ast.stmt) else iterator,
        f"`for {index} in {short(an.smap.segment(iterator), 40)}` only uses {index} to index `{seq.id}`",
        details={
            "seq": seq.id,
            "index": index,
            "item": item,
            "form": form,
            "header": header,
            "range_src": short(an.smap.segment(iterator), 50),
            "indexed": f"{seq.id}[{index}]",
            "zipped": ", ".join(zipped),
            "func": function_label(an.enclosing_function(loop)),
        },
        edits=edits,
        change_note=f"`{short(an.smap.segment(iterator), 40)}` → `{header}`",
    )


def check_range_len(an: Analysis) -> list[Finding]:
    found = []
    for node in an.nodes(ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
        if isinstance(node, (ast.For, ast.AsyncFor)):
            result = _check_range_len_loop(
                an, node, node.target, node.iter, node.body, True, bool(node.orelse)
            )
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            if len(node.generators) != 1:
                continue
            gen = node.generators[0]
            parts: list[ast.AST] = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            result = _check_range_len_loop(an, gen, gen.target, gen.iter, [*parts, *gen.ifs], False, False)
        else:
            continue
        if result is not None:
            found.append(result)
    return found


# --- == None / == True / == False ----------------------------------------------------


def _in_test_position(an: Analysis, node: ast.AST) -> bool:
    """True when only the truth of `node` matters (if/while/assert tests and the like)."""
    parent = an.parents.get(node)
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)):
        return parent.test is node
    if isinstance(parent, ast.comprehension):
        return node in parent.ifs
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return True
    if isinstance(parent, ast.BoolOp):
        return _in_test_position(an, parent)
    return False


_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)


def check_singleton_comparisons(an: Analysis) -> list[Finding]:
    found = []
    for node in an.nodes(ast.Compare):
        if not (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], (ast.Eq, ast.NotEq))
        ):
            continue
        left, right = node.left, node.comparators[0]
        if not isinstance(right, ast.Constant) or not (right.value is None or isinstance(right.value, bool)):
            continue  # `None == x` (yoda style) is rare; ruff still reports it
        negated = isinstance(node.ops[0], ast.NotEq)
        left_src = an.smap.segment(left)
        compare_src = short(an.smap.segment(node), 60)
        tail = Edit(an.smap.span(left)[1], an.smap.span(right)[1], "")
        func = function_label(an.enclosing_function(node))
        if right.value is None:
            suggestion = f"{left_src} is {'not ' if negated else ''}None"
            found.append(
                an.finding(
                    "none-comparison",
                    node,
                    f"`{compare_src}` compares to None with {'!=' if negated else '=='}",
                    details={
                        "left": short(left_src, 40),
                        "compare": compare_src,
                        "suggest": short(suggestion),
                        "func": func,
                    },
                    edits=(Edit(tail.start, tail.end, f" is {'not ' if negated else ''}None"),),
                    change_note=f"`{compare_src}` → `{short(suggestion)}`",
                )
            )
            continue
        truthy = right.value != negated  # `x == True` and `x != False` both mean "x is true"
        operand = left_src if isinstance(left, _ATOMS) else f"({left_src})"
        suggestion = operand if truthy else f"not {operand}"
        edits: tuple[Edit, ...] = ()
        if _in_test_position(an, node):
            # Elsewhere (`return x == True`) the result's type would change from bool to
            # whatever x is, so the rewrite is only made where just the truth counts.
            start = an.smap.span(left)[0]
            if truthy:
                edits = (tail,)
            elif operand is left_src:
                edits = (Edit(start, start, "not "), tail)
            else:
                edits = (Edit(start, start, "not ("), Edit(tail.start, tail.end, ")"))
        found.append(
            an.finding(
                "bool-comparison",
                node,
                f"`{compare_src}` compares to {right.value} instead of testing the value's truth",
                details={
                    "left": short(left_src, 40),
                    "compare": compare_src,
                    "suggest": short(suggestion),
                    "const": str(right.value),
                    "func": func,
                },
                edits=edits,
                change_note=f"`{compare_src}` → `{short(suggestion)}`",
            )
        )
    return found


# --- mutable default arguments -------------------------------------------------------


def _is_mutable(node: ast.expr) -> bool:
    if isinstance(node, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return name in _MUTABLE_FACTORIES
    return False


def _guard_insertion(
    an: Analysis, func: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[int, str, str] | None:
    """Where the `if param is None:` guard goes (after any docstring), its indent and the
    line ending the cell uses (a CRLF cell must not get a lone LF in the middle)."""
    body = func.body
    first = body[0]
    is_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    anchor = body[1] if is_doc and len(body) > 1 else first
    line = an.smap.line_text(anchor.lineno)
    indent = line[: len(line) - len(line.lstrip())]
    raw = an.smap.lines[anchor.lineno - 1]
    ending = raw[len(raw.rstrip("\r\n")) :] or "\n"
    if anchor.lineno == func.lineno or line[: an.smap.char_col(anchor.lineno, anchor.col_offset) - 1].strip():
        return None  # body on the def line (`def f(x=[]): ...`): no room for a guard
    if is_doc and anchor is first:
        if first.end_lineno is None or first.end_lineno >= len(an.smap.lines):
            return None
        return an.smap.line_start(first.end_lineno + 1), indent, ending
    return an.smap.line_start(anchor.lineno), indent, ending


def check_mutable_defaults(an: Analysis) -> list[Finding]:
    found = []
    for func in an.nodes(*FUNCS, ast.Lambda):
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
        name = func.name if isinstance(func, FUNCS) else "lambda"
        for arg, default in pairs:
            if not _is_mutable(default):
                continue
            default_src = an.smap.segment(default)
            edits: tuple[Edit, ...] = ()
            place = _guard_insertion(an, func) if isinstance(func, FUNCS) else None
            if place is not None:
                offset, indent, ending = place
                step = "\t" if "\t" in indent else "    "
                guard = (
                    f"{indent}if {arg.arg} is None:{ending}{indent}{step}{arg.arg} = {default_src}{ending}"
                )
                pieces = [Edit(*an.smap.span(default), "None"), Edit(offset, offset, guard)]
                ann = arg.annotation
                if isinstance(
                    ann, (ast.Name, ast.Subscript, ast.Attribute)
                ) and "None" not in an.smap.segment(ann):
                    pieces.append(Edit(*an.smap.span(ann), f"{an.smap.segment(ann)} | None"))
                edits = tuple(pieces)
            shown = f"{arg.arg}={short(default_src, 30)}"
            found.append(
                an.finding(
                    "mutable-default",
                    default,
                    f"`{shown}` in `{name}` is created once and shared by every call",
                    details={"func": name, "param": arg.arg, "default": short(default_src, 40)},
                    edits=edits,
                    change_note=f"`{shown}` → `{arg.arg}=None` plus a guard in `{name}`",
                )
            )
    return found


# --- bare except ---------------------------------------------------------------------


def likely_exceptions(try_node: ast.AST) -> list[str]:
    """The errors a `try` body can plausibly raise, from the calls and operators in it."""
    likely: list[str] = []

    def add(name: str) -> None:
        if name not in likely:
            likely.append(name)

    body = getattr(try_node, "body", [])
    for node in (n for stmt in body for n in ast.walk(stmt)):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name in {"int", "float", "index", "remove", "loads"}:
                add("ValueError")
            elif name == "open":
                add("FileNotFoundError")
            elif name in {"get", "urlopen"} and isinstance(func, ast.Attribute):
                add("OSError")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
            add("ZeroDivisionError")
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            is_key = isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
            add("KeyError" if is_key else "IndexError")
    return likely[:3]


def check_bare_except(an: Analysis) -> list[Finding]:
    found = []
    for node in an.nodes(ast.ExceptHandler):
        if node.type is not None:
            continue
        start = an.smap.offset_from_ast(node.lineno, node.col_offset)
        edits: tuple[Edit, ...] = ()
        if an.smap.source[start : start + 6] == "except":
            edits = (Edit(start, start + 6, "except Exception"),)
        likely = likely_exceptions(an.parents.get(node, node))
        silent = all(isinstance(stmt, ast.Pass) for stmt in node.body)
        try_line = getattr(an.parents.get(node), "lineno", node.lineno)
        found.append(
            an.finding(
                "bare-except",
                node,
                "bare `except:` catches every error, including typos and Ctrl-C",
                details={
                    "likely": " or ".join(f"`{name}`" for name in likely) or "the specific error you expect",
                    "likely_clause": (
                        f"for this `try` block that is {' or '.join(f'`{name}`' for name in likely)}"
                        if likely
                        else f"name the error you expect the `try` block on line {try_line} to raise"
                    ),
                    "first_likely": likely[0] if likely else "ValueError",
                    "silent": "yes" if silent else "",
                    "try_line": str(try_line),
                    "func": function_label(an.enclosing_function(node)),
                },
                edits=edits,
                change_note="`except:` → `except Exception:`",
            )
        )
    return found
