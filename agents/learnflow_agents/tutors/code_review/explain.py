"""Teaching text for each rule: what to change, why it matters (per skill level), hints.

Every template is filled from the finding's details, so each sentence names the
student's line and identifiers; none of it is shown without them.
"""

from dataclasses import dataclass

from learnflow_agents.contracts.query import SkillLevel
from learnflow_agents.tutors.code_review.findings import Category, Finding
from learnflow_agents.tutors.code_review.prioritise import Improvement
from learnflow_agents.tutors.code_review.rules import rule_info


@dataclass(frozen=True)
class Teaching:
    change: str
    # beginner, intermediate, advanced: plain words first, the technical why last.
    why: tuple[str, str, str]
    hints: tuple[str, str, str]


def _t(change: str, beginner: str, intermediate: str, advanced: str, *hints: str) -> Teaching:
    return Teaching(change, (beginner, intermediate, advanced), tuple(hints))  # type: ignore[arg-type]


TEACHING: dict[str, Teaching] = {
    "cell-raises": _t(
        "Run on its own, the cell stops {where} with {error}: `{src}`. Make it run to the end "
        "before polishing anything else — the debug tutor can explain this error.",
        "When Python meets an error it stops: nothing after that line runs, so the rest of the cell "
        "has not done its job yet.",
        "An uncaught exception ends the cell at that line; every later line is dead code until it is "
        "fixed, whatever its style.",
        "The exception aborts execution of the cell at that statement; review the failing operation's "
        "inputs before any refactoring, since behaviour cannot be preserved across a crash.",
        "Run the cell and read the last line of the error: which line does it point at?",
        "Print the values used on that line just before it runs: are they what you expected?",
        "Ask the debug tutor about this error: it explains the message and suggests a fix.",
    ),
    "failing-test": _t(
        "Your own test fails {where}: `{src}` raised {error}. Fix the code so this test passes "
        "before polishing anything else.",
        "A test is a promise about what the code does; when it fails, the code does not yet keep it.",
        "A failing assertion is the most reliable bug report there is: it names an input and the "
        "output you expected.",
        "The failing assertion pins down a concrete counter-example; fix behaviour before refactoring, "
        "or the refactor cannot be verified.",
        "Run the cell and read the line of the failing test: `{src}`.",
        "Work the test out by hand: what does the code return for that input, and what did you expect?",
        "Find the line of the function where the value first differs from what the test expects, and fix "
        "that.",
    ),
    "missing-return": _t(
        "`{func}` computes {what} but never returns it, so {use} gets `None`. Add `return {value}` as the "
        "last line of `{func}`.",
        "A function hands its result back only with `return`; without it Python gives back `None`, "
        "whatever the function worked out inside.",
        "Names created inside a function disappear when it ends: the only way out for a result is `return` "
        "(printing shows it but the caller cannot use it).",
        "A function without a `return` statement implicitly returns `None`; the value computed in its "
        "local scope is discarded when the frame is popped.",
        "Run `print({call})`: what does it show, and what did you expect?",
        "What happens to `{value}` when `{func}` finishes?",
        "Add `return {value}` at the end of `{func}`.",
    ),
    "mutable-default": _t(
        "In `def {func}(...)`, give `{param}` the default `None` instead of `{default}`, and create a fresh "
        "one inside: `if {param} is None: {param} = {default}`.",
        "Python builds `{default}` only once, when the `def {func}` line runs, not each time you call "
        "`{func}`. Every call that leaves out `{param}` gets that same object, so what one call puts in it "
        "is "
        "still there in the next call.",
        "Default values are evaluated once, at definition time. Because `{default}` is mutable, every call "
        "that omits `{param}` shares and modifies the same object, so results leak from one call into the "
        "next.",
        "Defaults are evaluated once and stored on `{func}.__defaults__`; a mutable default is shared state "
        "across calls — an aliasing bug that only shows up on the second call, and a classic source of "
        "flaky tests.",
        "Call `{func}` twice in a row without passing `{param}` and print what comes back each time.",
        "Is the `{default}` on line {line} created on every call to `{func}`, or once when the `def` runs?",
        "Write `{param}=None` in the signature and start the body with `if {param} is None:` "
        "then `{param} = {default}`.",
    ),
    "bare-except": _t(
        "On line {line}, catch the error you expect instead of everything: {likely_clause} "
        "(e.g. `except {first_likely}:`), or at the very least `except Exception:`.",
        "A bare `except:` catches every possible error — a typo in a variable name, a wrong type, even you "
        "pressing stop — and treats them all like the one problem you had in mind, so real mistakes "
        "disappear silently.",
        "`except:` also catches `KeyboardInterrupt`, `SystemExit` and programming errors such as "
        "`NameError`; "
        "naming the exception documents what can go wrong and lets unexpected errors surface.",
        "A bare handler catches `BaseException`, masking `KeyboardInterrupt`/`SystemExit` and any bug in the "
        "`try` body; handle the narrowest exception you can recover from and let the rest propagate.",
        "Look at the `try` block that starts on line {try_line}: which line in it can actually fail?",
        "What kind of error would that line raise — {likely}?",
        "Replace `except:` on line {line} with `except {first_likely}:` (or `except Exception:` if you "
        "really mean any ordinary error).",
    ),
    "shadowed-builtin": _t(
        "Rename the {kind} `{name}` on line {line} (for example to `{suggest}`) so it no longer hides "
        "Python's "
        "built-in `{name}()`.",
        "`{name}` is a name Python already gives you. After line {line}, `{name}` {where} means your {kind}, "
        "so a later `{name}(...)` call fails with a confusing error such as "
        "\"TypeError: '...' object is not callable\".",
        "Assigning to `{name}` shadows the built-in {where}; any later call to `{name}(...)` there uses your "
        "{kind} instead and fails or misbehaves. In a notebook a module-level name survives into later "
        "cells.",
        "Binding `{name}` shadows `builtins.{name}` in that scope ({where}); name resolution (LEGB) finds "
        "your "
        "{kind} first, which breaks later calls and confuses readers and linters.",
        "Which of the names on line {line} is also the name of something Python provides?",
        "Try `{name}(...)` after line {line} runs — what does `{name}` refer to now?",
        "Rename `{name}` to something like `{suggest}` everywhere in the cell.",
    ),
    "none-comparison": _t(
        "Write `{suggest}` instead of `{compare}` on line {line}.",
        '`None` is one single object, so the real question is "is this that object?" — and `is` asks exactly '
        "that. `==` asks the value whether it *equals* None, and some values answer in surprising ways.",
        "`is None` checks identity with the single `None` object; `==` calls `__eq__`, which classes such as "
        "NumPy arrays or pandas columns override, so `{compare}` may not even be True/False.",
        "`None` is a singleton: identity (`is`) is the exact and faster test, while `==` dispatches to "
        "`__eq__`, which can be overridden (element-wise for arrays) or raise.",
        "Look at the comparison on line {line}: `{compare}`.",
        'Python has exactly one `None` object. Which operator asks "is this the same object?"',
        "Change it to `{suggest}`.",
    ),
    "bool-comparison": _t(
        "On line {line}, write `{suggest}` instead of `{compare}`.",
        "`{left}` is already true or false, so comparing it with `{const}` is an extra step: `{suggest}` "
        "says the same thing more directly, the way you would say it in English.",
        "An `if` already tests truthiness; `{compare}` is redundant, and `== True` is even wrong for truthy "
        "values that are not exactly `True` (a non-empty string or list, for example).",
        "Comparing with a bool literal is redundant in a boolean context and subtly different from "
        "truthiness "
        "(`'yes' == True` is False), so it both obscures intent and narrows the accepted values.",
        "Read line {line} aloud: `{compare}`. Is the comparison needed?",
        "What does `if {left}:` already check on its own?",
        "Replace `{compare}` with `{suggest}`.",
    ),
    "range-len:direct": _t(
        "Loop over `{seq}` directly: `{header}:` and write `{item}` wherever you wrote `{indexed}`.",
        "`{range_src}` makes you count positions and then look each one up again with `{indexed}`. Looping "
        'over `{seq}` hands you each item straight away, and it reads like English: "for each {item} in '
        '{seq}".',
        "Python's `for` iterates over the items themselves; the index in `{range_src}` is only used to fetch "
        "`{indexed}`, so it is noise — and a chance for an off-by-one error.",
        "Direct iteration avoids the index bookkeeping and works for any iterable (generators, sets, files), "
        "not just sequences that support `len()` and indexing.",
        "On line {line}, what is `{index}` used for inside the loop?",
        "If you only need each element of `{seq}`, could the `for` give you the element instead of its "
        "position?",
        "Write `{header}:` and use `{item}` instead of `{indexed}`.",
    ),
    "range-len:enumerate": _t(
        "Use `{header}:` on line {line} and write `{item}` instead of `{indexed}`; keep `{index}` for the "
        "places that really need the position.",
        "`enumerate({seq})` gives you both the position and the item at once, so you no longer have to "
        "look the item up with `{indexed}` — less to type, and nothing to get wrong.",
        "`enumerate` yields `(index, item)` pairs, so the loop keeps the index it needs without the "
        "`{indexed}` lookups that `{range_src}` forces.",
        '`enumerate` expresses "index plus element" directly and works on any iterable; manual indexing '
        "couples the loop to sequence semantics and invites off-by-one errors.",
        "On line {line}, you use `{index}` in two ways. Which uses need the number, and which only need the "
        "item?",
        "Python has a built-in that gives you the position and the item together in a `for` loop.",
        "Write `{header}:` and replace `{indexed}` with `{item}`.",
    ),
    "range-len:zip": _t(
        "Walk the lists together with `{header}:` on line {line} instead of indexing `{indexed}` and "
        "`{zipped}` "
        "by position.",
        "`zip` pairs up items from several lists — first with first, second with second — so you get the "
        "matching values directly instead of looking each one up by its number.",
        '`zip` iterates the sequences in lock-step, which says "these belong together" and removes the index '
        "`{index}` entirely.",
        "`zip` expresses parallel iteration without index arithmetic (note it stops at the shortest input; "
        "use `strict=True` on 3.10+ to catch length mismatches).",
        "On line {line}, `{index}` indexes more than one list. What do those lists have in common?",
        "Is there a built-in that walks two lists side by side, giving one item from each?",
        "Write `{header}:`.",
    ),
    "deep-nesting": _t(
        "Flatten {func}: line {line} sits {depth} blocks deep ({chain}). Handle the simple cases first and "
        "leave early (`continue`, `return`), or move the inner part into a small helper function with a "
        "name that says what it does.",
        "Every extra level of indentation is one more condition the reader has to remember at the same "
        "time. Past three levels it gets easy to lose track of which `else` belongs to which `if`.",
        "Deep nesting multiplies the paths a reader must keep in mind; guard clauses (`if not ...: "
        "continue`) "
        "and extracted helpers keep each function at one level of thought.",
        "Nesting depth tracks cognitive complexity; inverting conditions into guard clauses and extracting "
        "the inner loop gives testable units and linear control flow.",
        "Count the indentation levels down to line {line}. Which condition could be checked earlier?",
        "Could the `{outer_keyword}` on line {outer_line} skip the uninteresting cases with `continue` or "
        "`return` before the rest of the work?",
        "Move the innermost block into its own function and call it, or turn one `if` into a guard that "
        "leaves early.",
    ),
    "long-function": _t(
        "Split `{func}` ({length} lines of code) into smaller functions, each doing one step, with names "
        "that say what the step is.",
        "A long function does many things at once, so it is hard to see what each part does, and hard to "
        "test one part on its own. Small named steps read like a recipe.",
        "Functions over ~{limit} lines usually mix several responsibilities; extracting named helpers makes "
        "each step testable and the top-level function read like a summary.",
        "Long functions accumulate state and branches; decomposition improves testability, reuse and "
        "reasoning about invariants per step.",
        "Read `{func}` and write down, in a few words, each separate step it performs.",
        "Which of those steps could be a function with its own name and a return value?",
        "Move one step into a new function, call it from `{func}`, and repeat until `{func}` reads like a "
        "list "
        "of steps.",
    ),
    "global-statement": _t(
        "Instead of `global {names}` in {func}, pass `{first}` in as a parameter and return the new value, "
        "then assign it where you call the function.",
        "With `global`, a function quietly changes a variable that lives outside it, so you can't tell "
        "from a call what it will change. Passing values in and returning results keeps everything "
        "visible.",
        "`global` couples the function to module state: its behaviour depends on hidden inputs and it has "
        "side effects, which makes it hard to test and to reuse.",
        "Mutating module globals hides data flow and breaks referential transparency; explicit parameters "
        "and return values (or an object holding the state) make dependencies visible and testable.",
        "What does {func} need from outside, and what does it change there?",
        "Could `{first}` come in as a parameter, and the new value go out with `return`?",
        "Remove `global {names}`, add `{first}` as a parameter, `return` the updated value and assign it at "
        "the call.",
    ),
    "debug-print": _t(
        "Remove `{print_src}` (line {line}) from `{func}`: the function already returns its result, so the "
        "print is probably a leftover from checking it.",
        "Prints you added while figuring things out make the output noisy for anyone who uses `{func}` "
        "later. The function hands back its answer with `return` — print that where you call it.",
        "Debug prints inside a function that returns a value add side effects to every call; keep output "
        "at the call site (or use `logging` if you need a trace).",
        "Output is a side effect; keep `{func}` pure and move diagnostics to the caller or to `logging` at "
        "DEBUG level.",
        "Run `{func}` and look at everything it prints. Which lines did you add while testing?",
        "`{func}` returns its result. Do its callers need `{printed}` printed too?",
        "Delete `{print_src}` on line {line}.",
    ),
    "magic-number": _t(
        "Give `{value}` a name: put `{const} = {value}` (or a name that says what {value} means) at the top "
        "of "
        "the cell and write `{const}` in `{expr}`.",
        "Someone reading `{expr}` sees `{value}` and has to guess what it stands for. A name explains it, "
        "and if the value ever changes you only change it in one place.",
        "An unnamed literal hides its meaning and gets copied around; a named constant documents intent "
        "and gives one place to change it.",
        "Named constants document domain meaning and centralise change; repeated literals drift apart.",
        "What does `{value}` on line {line} mean in your problem?",
        "How would you explain `{value}` to a classmate in two or three words? That is its name.",
        "Add `{const} = {value}` near the top and use `{const}` in `{expr}`.",
    ),
    # Ruff rules, where ruff's own message is not enough for a learner.
    "F821": _t(
        "Define `{name}` before line {line} uses it, or fix the spelling if you meant another name. If it is "
        "defined in an earlier cell, run that cell first: on a fresh kernel this line fails.",
        "Python reads the cell from top to bottom; at line {line} nothing called `{name}` exists yet, so "
        "running it stops with a NameError.",
        "`{name}` is not bound anywhere this cell can see, so line {line} raises `NameError` (unless an "
        "earlier notebook cell happened to define it — hidden state).",
        "Unresolved name `{name}`: a NameError at runtime, or a hidden dependency on notebook state that "
        "breaks Restart & Run All.",
        "Look at line {line}: where is `{name}` given a value?",
        "Is `{name}` spelled exactly like the name you assigned earlier (capitals count)?",
        "Assign `{name}` before line {line}, or correct its spelling.",
    ),
    "F823": _t(
        "Line {line} reads `{name}` before the function assigns it. Give it a value first, or pass it in "
        "as a parameter.",
        "Because the function assigns `{name}` somewhere, Python treats it as the function's own variable "
        "everywhere inside — even before that assignment.",
        "Assigning to `{name}` anywhere in the function makes it local throughout, so the read on line "
        "{line} raises UnboundLocalError.",
        "Scope is decided at compile time: the assignment makes `{name}` local, so the earlier read is an "
        "UnboundLocalError.",
        "Where in the function is `{name}` assigned? Is that before or after line {line}?",
        "Should `{name}` come in as a parameter instead?",
        "Move the assignment of `{name}` before line {line} or make it a parameter.",
    ),
    "F841": _t(
        "Line {line} stores a value in `{name}` but nothing ever reads it: either use `{name}` (did you mean "
        "to return or print it?) or remove the assignment.",
        "An unused variable is often a forgotten step — you computed something and then used a different "
        "name by mistake.",
        "A dead assignment is either leftover code or a bug where another variable is used instead of "
        "`{name}`.",
        "Dead store to `{name}`: remove it or wire it into the data flow it was meant for.",
        "Search the cell for `{name}`: where is it used after line {line}?",
        "Did you mean to return `{name}`, or use it in the next line?",
        "Use `{name}` where it was meant to go, or delete line {line}'s assignment.",
    ),
    "F811": _t(
        "`{name}` is defined twice; the definition on line {line} replaces the earlier one. Rename one of "
        "them or delete the old one.",
        "Python keeps only the last definition of a name, so the first `{name}` is silently thrown away.",
        "The redefinition on line {line} makes the earlier `{name}` unreachable; any code expecting it gets "
        "the new one.",
        "Redefinition of `{name}` shadows the previous binding — usually a copy-paste or merge mistake.",
        "Search the cell for `{name}`: how many definitions are there?",
        "Which of the two versions of `{name}` do you actually want?",
        "Delete the old `{name}` or give one of them a different name.",
    ),
    "F632": _t(
        "Use `==` instead of `is` on line {line}: `{src}`.",
        '`is` asks "is this the very same object in memory?", not "are these equal?". For numbers and '
        "strings the answer can change from one run to another.",
        "`is` compares identity; for literals it depends on interning and Python warns about it "
        "(SyntaxWarning). Use `==` for values.",
        "Identity comparison with a literal relies on CPython interning — implementation-defined.",
        "What is the difference between `is` and `==` in Python?",
        'On line {line}, do you want "the same object" or "the same value"?',
        "Replace `is` with `==` (and `is not` with `!=`) on line {line}.",
    ),
    "B023": _t(
        "The function defined on line {line} uses the loop variable `{name}`, but it reads it when it is "
        "called, not when it is made. Pass it in as a default argument (`lambda {name}={name}: ...`).",
        "All the functions made in the loop end up seeing the *last* value of `{name}`, because they look "
        "it up only when they run.",
        "Closures capture variables, not values: by the time they run, `{name}` holds its final value.",
        "Late binding in closures: bind `{name}` at definition time via a default argument or "
        "`functools.partial`.",
        "Call each function made in the loop — do they give different results?",
        "When does the function look up `{name}`: when it is created, or when it is called?",
        "Bind the current value with `{name}={name}` in the function's parameters.",
    ),
    "B008": _t(
        "Line {line}: the call `{name}` in a default argument runs only once, when the function is defined. "
        "Default to `None` and make the call inside the function.",
        "The value is computed once and reused for every call, so it never changes (a date, a new list...).",
        "Default values are evaluated at definition time, so the call's result is shared by every call.",
        "Call in a default argument: evaluated once at def time, shared across calls.",
        "When does the default value on line {line} get computed?",
        "Would you expect a different value on each call?",
        "Use `None` as the default and call `{name}` inside the function body.",
    ),
    "SIM113": _t(
        "Line {line}: instead of counting `{name}` by hand, use `enumerate(...)` in the `for`.",
        "A hand-made counter has to be started and increased in the right places; `enumerate` does both "
        "for you.",
        "`enumerate` yields the index with each item, removing the manual `{name} += 1` bookkeeping.",
        "Manual counters duplicate what `enumerate` provides and drift when `continue` skips the increment.",
        "What is `{name}` counting on line {line}?",
        "Which built-in gives you a counter alongside each item in a `for` loop?",
        "Write `for {name}, item in enumerate(...)` and drop the manual counter.",
    ),
    "PERF401": _t(
        "Line {line} builds a list with `.append` inside a loop; a list comprehension says the same in one "
        "line: `[... for ... in ...]`.",
        'A comprehension reads as "the list of X for each Y", which is exactly what the loop builds.',
        "A comprehension states the intent (a transformed/filtered list) and is faster than repeated "
        "`append` calls.",
        "Comprehensions avoid the attribute lookup and call per iteration and express the map/filter "
        "directly.",
        "Look at the loop around line {line}: what goes into the list each time?",
        "Can you write that as `[expression for item in items]`, with an `if` at the end if you filter?",
        "Replace the empty list, the loop and the append with one list comprehension.",
    ),
    "SIM110": _t(
        "Replace the loop ending on line {line} with `return any(...)`: {message}.",
        '`any` answers "is at least one item like this?" in one line, so you don\'t have to write the loop '
        "and the early `return True` yourself.",
        "`any()` with a generator expresses the search and stops at the first match, just like your loop.",
        "`any()` short-circuits identically and states intent declaratively.",
        "What question does the loop around line {line} answer?",
        'Which built-in answers "is any item true?"',
        "Write `return any(condition for item in items)`.",
    ),
    "SIM103": _t(
        "Line {line}: return the condition itself instead of `True`/`False` in an if/else ({message}).",
        "The condition is already True or False, so the `if` that returns True or False just repeats it.",
        "An if/else returning bool literals duplicates the condition's value; return the expression.",
        "Return the boolean expression directly (wrap in `bool()` if it is not already a bool).",
        "On line {line}, what value does the condition have when you return True?",
        "Could the function return the condition itself?",
        "Replace the if/else with `return <condition>`.",
    ),
    "SIM118": _t(
        "Line {line}: write `key in your_dict` instead of `key in your_dict.keys()`.",
        "`in` on a dictionary already looks at its keys, so `.keys()` is an extra step.",
        "`in dict` tests keys directly; `.keys()` only adds a view object.",
        "Membership on the dict is the idiom; `.keys()` is redundant.",
        "What does `in` check when used on a dictionary?",
        "Is `.keys()` needed on line {line}?",
        "Delete `.keys()` on line {line}.",
    ),
    "E741": _t(
        "Rename `{name}` on line {line} to a word that says what it holds.",
        "`l`, `O` and `I` look like the digits 1 and 0 in many fonts, so `{name}` is easy to misread.",
        "Single letters `l`, `O`, `I` are ambiguous with `1`/`0`; a descriptive name avoids misreading.",
        "PEP 8 forbids `l`, `O`, `I` as names: they are visually ambiguous.",
        "What does `{name}` on line {line} contain?",
        "Could a word like `items` or `values` say that better than `{name}`?",
        "Rename `{name}` everywhere in the cell.",
    ),
    "E731": _t(
        "Line {line}: write `def {name}(...):` instead of assigning a lambda to `{name}`.",
        "A `def` gives the function a real name in error messages and room for a docstring.",
        "Named lambdas lose the function's name in tracebacks (`<lambda>`); `def` is clearer.",
        "Assigning a lambda defeats its purpose (anonymity) and degrades tracebacks and introspection.",
        "What is the function on line {line} called?",
        "How would you write it with `def`?",
        "Replace the lambda assignment with `def {name}(...): return ...`.",
    ),
    "F541": _t(
        "Line {line}: remove the `f` in front of the string, or add the `{{value}}` you meant to insert.",
        "An f-string only does something when it has `{{...}}` placeholders; without them the `f` suggests "
        "a value is missing.",
        "The f-string on line {line} has no placeholders — either a forgotten `{{value}}` or a stray `f`.",
        "F-string without placeholders: a likely forgotten interpolation.",
        "What did you want to show inside the string on line {line}?",
        "Where would the `{{...}}` go?",
        "Add the placeholder, or drop the `f`.",
    ),
    "F401": _t(
        "`{name}` is imported on line {line} but not used in this cell; remove the import unless a later "
        "cell needs it.",
        "Unused imports make a reader look for where they are used.",
        "Unused imports add clutter and load time; in a notebook, keep imports in the cell that uses them.",
        "Unused import: dead dependency (keep it only if a later cell relies on it).",
        "Where is `{name}` used?",
        "Does any cell below need `{name}`?",
        "Delete the import on line {line} if not.",
    ),
    "C901": _t(
        "{message}: split the function on line {line} into smaller functions, each handling one case.",
        "Many `if`/`for` branches in one function make it hard to see every way through it, and hard to "
        "test each one.",
        "High cyclomatic complexity means many independent paths to test; extract branches into helpers "
        "or use a lookup table.",
        "Complexity above the learner threshold; decompose, use dispatch tables or early returns.",
        "How many different paths can the function on line {line} take?",
        "Which group of branches belongs together as one smaller job?",
        "Move that group into its own function.",
    ),
    "B007": _t(
        "The loop variable `{name}` on line {line} is never used; name it `_` (or `_{name}`) so readers know "
        "that is on purpose.",
        'A reader expects the loop variable to matter; `_` says "I just need to repeat this".',
        "Unused loop variables suggest a bug (the wrong variable used in the body) or should be `_`.",
        "Unused loop control variable: rename to `_` or check the body uses the intended name.",
        "Where is `{name}` used inside the loop on line {line}?",
        "Did the body mean to use `{name}`, or is it only there to repeat?",
        "Rename it to `_` if it is not needed.",
    ),
    "E721": _t(
        "Line {line}: use `isinstance(value, SomeType)` instead of comparing `type(...)` with `==`.",
        "`isinstance` also accepts subtypes (a `bool` is an `int`), which is nearly always what you want.",
        "`type(x) == T` rejects subclasses; `isinstance` is the idiomatic type check.",
        "Exact type equality breaks Liskov substitution; use `isinstance` (or `is` for exact checks).",
        "What does line {line} check about the value?",
        "Which built-in checks whether a value is of a given type?",
        "Use `isinstance(...)` on line {line}.",
    ),
}

_NAMING = _t(
    "Rename `{name}` (line {line}) to `{snake}`: Python names for functions and variables are "
    "lower_case_with_underscores.",
    "Following the usual naming style lets others (and you, later) tell at a glance what is a function, "
    "a variable or a class.",
    "PEP 8 naming (snake_case for functions/variables, CapWords for classes) makes the kind of a name "
    "visible at a glance.",
    "PEP 8 naming conventions: consistency across the ecosystem reduces cognitive load.",
    "Look at the capital letters in `{name}` on line {line}.",
    "How are function and variable names usually written in Python?",
    "Rename it to `{snake}`.",
)
for _code in ("N802", "N803", "N806", "N816", "N815"):
    TEACHING[_code] = _NAMING
TEACHING["N801"] = _t(
    "Rename the class `{name}` (line {line}) to `{cap_words}`: class names are CapWords.",
    'Capitalised class names tell readers "this makes new objects".',
    "PEP 8: CapWords for classes distinguishes them from functions.",
    "PEP 8 CapWords convention for classes.",
    "How are class names usually written in Python?",
    "Which letters of `{name}` should be capitals?",
    "Rename it to `{cap_words}`.",
)

_GENERIC_WHY = {
    Category.CORRECTNESS: (
        "Line {line} is likely to behave differently from what it looks like it does: {message}.",
        "This is a likely bug: {message}.",
        "Likely defect flagged by ruff ({code}): {message}.",
    ),
    Category.CLARITY: (
        "The code works, but it can say what it means more directly: {message}.",
        "Simpler code here is easier to read and to check: {message}.",
        "Idiom/readability ({code}): {message}.",
    ),
    Category.STYLE: (
        "Following Python's usual style (PEP 8) makes your code look familiar to every Python reader.",
        "PEP 8 consistency makes code easier to scan.",
        "PEP 8 ({code}).",
    ),
}


class _Details(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def _teaching(finding: Finding) -> Teaching | None:
    form = finding.details.get("form")
    if form and f"{finding.rule}:{form}" in TEACHING:
        return TEACHING[f"{finding.rule}:{form}"]
    return TEACHING.get(finding.rule)


def _level_index(level: SkillLevel) -> int:
    return {SkillLevel.BEGINNER: 0, SkillLevel.INTERMEDIATE: 1, SkillLevel.ADVANCED: 2}[level]


def fill(template: str, finding: Finding) -> str:
    return template.format_map(_Details(finding.details))


def change_text(finding: Finding) -> str:
    teaching = _teaching(finding)
    if teaching is not None:
        return fill(teaching.change, finding)
    text = f"Line {finding.line}: {finding.message} (`{finding.details.get('src', '')}`)."
    if finding.details.get("fix"):
        text += f" Ruff suggests: {finding.details['fix']}."
    return text


def why_text(finding: Finding, level: SkillLevel) -> str:
    teaching = _teaching(finding)
    options = teaching.why if teaching is not None else _GENERIC_WHY[finding.category]
    return fill(options[_level_index(level)], finding)


def hints(finding: Finding) -> list[str]:
    teaching = _teaching(finding)
    if teaching is not None:
        return [fill(h, finding) for h in teaching.hints]
    return [
        fill("Look at line {line}: `{src}`.", finding),
        fill("Ruff's rule {code} says: {message}.", finding),
        change_text(finding),
    ]


def title(finding: Finding) -> str:
    return rule_info(finding.rule).title


def location(finding: Finding) -> str:
    # Tests pasted into the message have no line in the cell.
    return f"Line {finding.line}" if finding.line else "Your message"


def render_improvement(number: int, improvement: Improvement, level: SkillLevel) -> str:
    finding = improvement.finding
    also = ""
    if improvement.other_lines:
        shown = ", ".join(str(n) for n in improvement.other_lines[:6])
        more = "…" if len(improvement.other_lines) > 6 else ""
        also = f" (also line{'s' if len(improvement.other_lines) > 1 else ''} {shown}{more})"
    src = finding.details.get("src", "")
    return (
        f"**{number}. {location(finding)} — {title(finding)}** · _{finding.category.value}_{also}\n\n"
        f"```python\n{src}\n```\n\n"
        f"- **Change:** {change_text(finding)}\n"
        f"- **Why it matters:** {why_text(finding, level)}\n"
    )
