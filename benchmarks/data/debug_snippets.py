"""Failing snippets for the debug agent's evaluation, with the facts a correct diagnosis
must state. Written for LearnFlow; each mirrors a mistake beginners make in notebooks.

build_debug_eval.py runs every snippet for real and records its traceback, so the
evaluation set never contains a hand-written traceback. Fields:

- id, family (the error type it must raise, or "Other" for the generic fallback), code
- must_mention: facts the diagnosis must contain (identifier, suggestion, line, …),
  matched case-insensitively in the summary and the derived explanation
- fixable: a fix can be derived from the code alone
- runner: script (default) | stdin | string | ipython | ipython-color | py312 | py313 | py313-color
- setup: earlier notebook cells (ipython runners), stdin: text typed at input(),
  variables: the kernel's variable summary, interrupt: stop the endless loop with SIGINT,
  no_traceback: the student sends only the code
"""

from textwrap import dedent


def c(text: str) -> str:
    return dedent(text).strip("\n")


def S(  # noqa: N802 - reads like a table row
    id: str, family: str, code: str, must: list[str], fixable: bool, raw: bool = False, **extra: object
) -> dict:
    # raw=True keeps the code exactly as written (e.g. a whole cell pasted with indentation).
    body = code if raw else c(code)
    return {"id": id, "family": family, "code": body, "must_mention": must, "fixable": fixable, **extra}


SNIPPETS = [
    # ---- SyntaxError ------------------------------------------------------------------
    S("syn-colon-if", "SyntaxError", """
        x = 7
        if x > 5
            print("big")
        """, ["line 2", "colon"], True),
    S("syn-colon-def", "SyntaxError", """
        def greet(name)
            return "Hi " + name
        print(greet("Ana"))
        """, ["line 1", "colon", "greet"], True),
    S("syn-colon-for-ipython", "SyntaxError", """
        for n in range(3)
            print(n)
        """, ["line 1", "colon"], True, runner="ipython"),
    S("syn-colon-while-py313", "SyntaxError", """
        count = 0
        while count < 3
            count += 1
        """, ["line 2", "colon"], True, runner="py313-color"),
    S("syn-else-if", "SyntaxError", """
        score = 70
        if score > 90:
            print("A")
        else if score > 60:
            print("B")
        """, ["line 4", "elif"], True),
    S("syn-eq-if", "SyntaxError", """
        age = 18
        if age = 18:
            print("adult")
        """, ["line 2", "=="], True),
    S("syn-eq-while", "SyntaxError", """
        n = 0
        while n = 0:
            n += 1
        """, ["line 2", "=="], True, runner="stdin"),
    S("syn-eq-call", "SyntaxError", """
        word = "abc"
        if len(word) = 3:
            print("three letters")
        """, ["line 2", "=="], True),
    S("syn-eq-ipython", "SyntaxError", """
        colour = "red"
        if colour = "red":
            print("stop")
        """, ["line 2", "=="], True, runner="ipython-color"),
    S("syn-unclosed-paren", "SyntaxError", """
        total = (1 + 2
        print(total)
        """, ["line 1", "never closed"], True),
    S("syn-unclosed-list", "SyntaxError", """
        nums = [1, 2, 3
        print(sum(nums))
        """, ["line 1", "never closed", "]"], True),
    S("syn-unclosed-nested", "SyntaxError", """
        a, b = 3, 7
        print(max(a, b)
        print("done")
        """, ["line 2", "never closed"], True),
    S("syn-unclosed-py312", "SyntaxError", """
        prices = {"tea": 2, "cake": 3
        print(prices)
        """, ["line 1", "never closed"], True, runner="py312"),
    S("syn-unmatched", "SyntaxError", """
        print(len("abc")))
        """, ["line 1", "extra `)`"], True),
    S("syn-mismatch", "SyntaxError", """
        items = [1, 2, 3)
        print(items)
        """, ["line 1", "`]`"], True),
    S("syn-unterminated", "SyntaxError", """
        print("Hello, world)
        """, ["line 1", "never closed"], True),
    S("syn-apostrophe", "SyntaxError", """
        message = 'It's sunny'
        print(message)
        """, ["line 1", "apostrophe", "double quotes"], True),
    S("syn-unterminated-stdin", "SyntaxError", """
        name = 'Bob
        print(name)
        """, ["line 1", "never closed"], True, runner="stdin"),
    S("syn-comma-list", "SyntaxError", """
        primes = [2, 3 5, 7]
        """, ["line 1", "comma", "`3`", "`5`"], True),
    S("syn-comma-call", "SyntaxError", """
        total = 10
        print("Total:" total)
        """, ["line 2", "comma", "total"], True),
    S("syn-comma-dict", "SyntaxError", """
        ages = {"ann": 31 "bob": 25}
        """, ["line 1", "comma", "31"], True),
    S("syn-words-no-quotes", "SyntaxError", """
        print(Hello world)
        """, ["line 1", "quotes"], True),
    S("syn-keyword-class", "SyntaxError", """
        class = "Biology"
        print(class)
        """, ["line 1", "`class`", "keyword"], True),
    S("syn-keyword-lambda", "SyntaxError", """
        lambda = 0.5
        rate = lambda * 2
        """, ["line 1", "`lambda`", "keyword"], True),
    S("syn-keyword-param", "SyntaxError", """
        def move(from, to):
            return to - from
        print(move(1, 5))
        """, ["`from`", "keyword"], True),
    S("syn-print2", "SyntaxError", """
        name = "Ada"
        print "Hello", name
        """, ["line 2", 'print("Hello", name)'], True),
    S("syn-print2-py312", "SyntaxError", """
        print 'a'
        print 'b'
        """, ["line 1", "print('a')"], True, runner="py312"),
    S("syn-smart-quotes", "SyntaxError", """
        print(“hi”)
        """, ["line 1", "“"], True),
    S("syn-except-py2", "SyntaxError", """
        try:
            x = int("a")
        except ValueError, e:
            print(e)
        """, ["line 3", "as e"], True),
    S("syn-reversed-op", "SyntaxError", """
        x = 4
        if x => 3:
            print(x)
        """, ["line 2", ">="], True),
    S("syn-implicit-mult", "SyntaxError", """
        x = 3
        y = 2x + 1
        """, ["line 2", "2 * x"], True),
    S("syn-return-outside", "SyntaxError", """
        def double(x):
            y = x * 2
        return y
        """, ["line 3", "return"], True),
    S("syn-assign-backwards", "SyntaxError", """
        10 = score
        """, ["line 1", "score = 10"], True),
    S("syn-def-no-parens", "SyntaxError", """
        def hello:
            print("hello")
        """, ["line 1", "hello()"], True),
    S("syn-notb-colon", "SyntaxError", """
        for x in [1, 2]
            print(x)
        """, ["line 1", "colon"], True, no_traceback=True),
    # ---- IndentationError / TabError --------------------------------------------------
    S("ind-expected-for", "IndentationError", """
        for i in range(3):
        print(i)
        """, ["line 1", "line 2", "`for`"], True),
    S("ind-expected-def", "IndentationError", """
        def square(n):
        return n * n
        print(square(4))
        """, ["line 1", "line 2", "`def`"], True),
    S("ind-expected-if-ipython", "IndentationError", """
        x = 5
        if x > 3:
        print("big")
        """, ["line 2", "line 3"], True, runner="ipython-color"),
    S("ind-expected-else", "IndentationError", """
        n = 3
        if n > 2:
            print("big")
        else:
        print("small")
        """, ["line 4", "line 5", "`else`"], True),
    S("ind-unexpected", "IndentationError", """
        x = 1
            y = 2
        print(x + y)
        """, ["line 2", "indented more"], True),
    S("ind-unexpected-body", "IndentationError", """
        for i in range(2):
            print(i)
                print(i * 2)
        """, ["line 3", "indented more"], True),
    S("ind-unexpected-pasted", "IndentationError",
      "    total = 0\n    for n in [1, 2]:\n        total += n\n    print(total)",
      ["line 1", "indented more"], True, raw=True),
    S("ind-unindent", "IndentationError", """
        if True:
            a = 1
          b = 2
        print(a, b)
        """, ["line 3", "2 spaces"], True),
    S("ind-unindent-def", "IndentationError", """
        def f():
            x = 1
           return x
        print(f())
        """, ["line 3", "3 spaces"], True, runner="py312"),
    S("tab-mixed", "TabError", "if True:\n\tx = 1\n        y = 2\nprint(x, y)", ["line 3", "tabs"], True),
    S("tab-mixed-def", "TabError", "def f():\n    a = 1\n\treturn a\nprint(f())", ["line 3", "tabs"], True),
    # ---- NameError --------------------------------------------------------------------
    S("name-typo", "NameError", """
        length = 5
        width = 3
        area = lenght * width
        """, ["`lenght`", "`length`", "line 3"], True),
    S("name-typo-in-function", "NameError", """
        def area(width, height):
            return width * heigth

        print(area(3, 4))
        """, ["`heigth`", "`height`", "line 2"], True),
    S("name-typo-builtin", "NameError", """
        nums = [3, 1, 2]
        print(lenn(nums))
        """, ["`lenn`", "`len`", "line 2"], True),
    S("name-typo-case", "NameError", """
        Total = 10
        print(total)
        """, ["`total`", "`Total`", "line 2"], True),
    S("name-typo-ipython-vars", "NameError", """
        average = sum(score) / len(scores)
        """, ["`score`", "`scores`", "line 1"], True, runner="ipython",
      setup=["scores = [90, 85, 77]"],
      variables=[{"name": "scores", "type": "list", "length": 3, "repr": "[90, 85, 77]"}]),
    S("name-typo-stdin", "NameError", """
        message = "hi"
        print(mesage)
        """, ["`mesage`", "`message`", "line 2"], True, runner="stdin"),
    S("name-typo-py313", "NameError", """
        counter = 0
        counter = countr + 1
        """, ["`countr`", "`counter`", "line 2"], True, runner="py313-color"),
    S("name-before-assign", "NameError", """
        print(total)
        total = 5
        """, ["`total`", "line 2"], True),
    S("name-func-before-def", "NameError", """
        result = double(4)
        def double(x):
            return 2 * x
        print(result)
        """, ["`double`", "line 2"], True),
    S("name-import-math", "NameError", """
        radius = 2
        area = math.pi * radius ** 2
        """, ["`math`", "import math"], True),
    S("name-import-random", "NameError", """
        dice = random.randint(1, 6)
        print(dice)
        """, ["import random"], True),
    S("name-import-func", "NameError", """
        print(sqrt(25))
        """, ["from math import sqrt"], True),
    S("name-import-os-stdin", "NameError", """
        print(os.getcwd())
        """, ["import os"], True, runner="stdin"),
    S("name-import-py312", "NameError", """
        print(math.floor(2.5))
        """, ["import math"], True, runner="py312"),
    S("name-import-alias", "NameError", """
        arr = np.array([1, 2, 3])
        """, ["import numpy as np"], True),
    S("name-quotes", "NameError", """
        name = Alice
        print("Hello", name)
        """, ["`Alice`", "quotes"], True),
    S("name-quotes-compare", "NameError", """
        answer = "yes"
        if answer == yes:
            print("ok")
        """, ["`yes`", "quotes", "line 2"], True),
    S("name-raw-input", "NameError", """
        name = raw_input("Name? ")
        print(name)
        """, ["`raw_input`", "`input`"], True, stdin="Ann\n"),
    S("name-true-lowercase", "NameError", """
        done = true
        print(done)
        """, ["`true`", "`True`"], True),
    S("name-local-outside", "NameError", """
        def add_all(nums):
            total = 0
            for n in nums:
                total += n

        add_all([1, 2, 3])
        print(total)
        """, ["`total`", "`add_all`", "return"], True),
    S("name-not-run-ipython", "NameError", """
        df_clean.head()
        """, ["`df_clean`", "run the cell"], False, runner="ipython"),
    # ---- AttributeError ---------------------------------------------------------------
    S("attr-typo-str", "AttributeError", """
        name = "ada"
        print(name.uper())
        """, ["`uper`", "`upper`", "line 2"], True),
    S("attr-typo-list", "AttributeError", """
        nums = [1, 2]
        nums.apend(3)
        """, ["`apend`", "`append`"], True),
    S("attr-typo-class", "AttributeError", """
        class Dog:
            def __init__(self, name):
                self.name = name

        rex = Dog("Rex")
        print(rex.nmae)
        """, ["`nmae`", "`name`", "line 6"], True),
    S("attr-typo-module", "AttributeError", """
        import math
        print(math.squareroot(16))
        """, ["`squareroot`", "`sqrt`"], True),
    S("attr-typo-method-py312", "AttributeError", """
        text = "a,b"
        parts = text.splitt(",")
        """, ["`splitt`", "`split`"], True, runner="py312"),
    S("attr-none-sort", "AttributeError", """
        nums = [3, 1, 2]
        nums = nums.sort()
        nums.append(4)
        """, ["sort", "none", "line 2"], True),
    S("attr-none-append", "AttributeError", """
        items = []
        items = items.append("a")
        items.append("b")
        """, ["append", "none", "line 2"], True),
    S("attr-none-function", "AttributeError", """
        def make_list(n):
            result = list(range(n))

        nums = make_list(3)
        nums.append(3)
        """, ["`make_list`", "return", "line 1"], True),
    S("attr-str-append", "AttributeError", """
        word = "cat"
        word.append("s")
        """, ["`append`", "str", "+="], True),
    S("attr-list-push", "AttributeError", """
        stack = [1, 2]
        stack.push(3)
        """, ["`push`", "`append`"], True),
    S("attr-dict-add", "AttributeError", """
        ages = {}
        ages.add("ann", 31)
        """, ["ages[\"ann\"] = 31"], True),
    S("attr-list-length", "AttributeError", """
        nums = [1, 2, 3]
        print(nums.length)
        """, ["len(nums)"], True),
    S("attr-join-list", "AttributeError", """
        words = ["a", "b"]
        print(words.join(", "))
        """, ['", ".join(words)'], True),
    S("attr-set-append-ipython", "AttributeError", """
        seen = set()
        seen.append(1)
        """, ["`add`"], True, runner="ipython"),
    S("attr-has-key-py313", "AttributeError", """
        d = {"a": 1}
        print(d.has_key("a"))
        """, ["`has_key`", '"a" in d'], True, runner="py313"),
    S("attr-int-append", "AttributeError", """
        count = 0
        count.append(1)
        """, ["`count`", "int"], False),
    S("attr-other-cell", "AttributeError", """
        print(shout("hi"))
        """, ["`uper`", "`upper`", "In[1]"], False, runner="ipython",
      setup=['def shout(text):\n    return text.uper() + "!"']),
    # ---- TypeError --------------------------------------------------------------------
    S("type-concat-int", "TypeError", """
        age = 20
        print("I am " + age + " years old")
        """, ["str(age)", "line 2"], True),
    S("type-input-plus-one", "TypeError", """
        n = input("Number: ")
        print(n + 1)
        """, ["int(n)", "input"], True, stdin="7\n"),
    S("type-int-plus-str", "TypeError", """
        total = 5
        total = total + "3"
        """, ['"3"', "line 2"], True),
    S("type-compare-input", "TypeError", """
        age = input("Age: ")
        if age >= 18:
            print("adult")
        """, ["`age`", "int(age)", "line 2"], True, stdin="15\n"),
    S("type-none-operand", "TypeError", """
        def get_price():
            price = 10

        total = get_price() * 2
        """, ["`get_price`", "return"], True),
    S("type-shadowed-sum", "TypeError", """
        sum = 0
        for n in [1, 2, 3]:
            sum += n
        print(sum([4, 5]))
        """, ["`sum`", "line 1"], True),
    S("type-call-list", "TypeError", """
        nums = [1, 2, 3]
        print(nums(0))
        """, ["nums[0]"], True),
    S("type-missing-operator", "TypeError", """
        x = 3
        y = 2(x + 1)
        """, ["2 * (x + 1)"], True),
    S("type-shadowed-str", "TypeError", """
        str = "hello"
        print(str(5))
        """, ["`str`", "line 1"], True),
    S("type-too-many-args", "TypeError", """
        def greet(name):
            return "Hi " + name
        print(greet("Ann", "Bob"))
        """, ["`greet`", "line 1", "1"], False),
    S("type-missing-arg", "TypeError", """
        def area(w, h):
            return w * h
        print(area(3))
        """, ["`area`", "`h`", "line 1"], False),
    S("type-missing-self", "TypeError", """
        class Counter:
            def increment():
                return 1
        c = Counter()
        c.increment()
        """, ["self", "line 2"], True),
    S("type-unexpected-kwarg", "TypeError", """
        def greet(name):
            return name
        greet(nme="Bo")
        """, ["`nme`", "`name`"], True),
    S("type-unhashable-key", "TypeError", """
        d = {}
        key = [1, 2]
        d[key] = "pair"
        """, ["`key`", "tuple", "line 3"], True),
    S("type-unhashable-set", "TypeError", """
        s = {[1, 2], [3, 4]}
        """, ["tuple", "list"], True),
    S("type-subscript-int", "TypeError", """
        n = 2024
        print(n[0])
        """, ["`n`", "int"], True),
    S("type-subscript-func", "TypeError", """
        def square(x):
            return x * x
        print(square[3])
        """, ["square(3)"], True),
    S("type-subscript-none", "TypeError", """
        nums = [3, 1, 2]
        nums = nums.sort()
        print(nums[0])
        """, ["sort", "none", "line 2"], True),
    S("type-iter-int", "TypeError", """
        n = 5
        for i in n:
            print(i)
        """, ["range(n)", "line 2"], True),
    S("type-iter-len", "TypeError", """
        names = ["a", "b"]
        for i in len(names):
            print(names[i])
        """, ["range(len(names))"], True),
    S("type-iter-none", "TypeError", """
        def evens(n):
            result = [i for i in range(n) if i % 2 == 0]

        for e in evens(6):
            print(e)
        """, ["`evens`", "return"], True),
    S("type-str-item-assign", "TypeError", """
        word = "cat"
        word[0] = "b"
        """, ["`word`", "immutable", "line 2"], True),
    S("type-tuple-item-assign", "TypeError", """
        point = (1, 2)
        point[0] = 5
        """, ["`point`", "tuple", "line 2"], True),
    S("type-list-index-str", "TypeError", """
        fruits = ["apple", "kiwi"]
        for f in fruits:
            print(fruits[f])
        """, ["fruits[f]", "`f`"], True),
    S("type-float-index", "TypeError", """
        nums = [1, 2, 3, 4]
        mid = len(nums) / 2
        print(nums[mid])
        """, ["//", "`mid`"], True),
    S("type-range-input", "TypeError", """
        n = input("How many? ")
        for i in range(n):
            print(i)
        """, ["int(n)"], True, stdin="3\n"),
    S("type-len-int", "TypeError", """
        n = 12345
        print(len(n))
        """, ["len", "int"], True),
    S("type-join-ints", "TypeError", """
        nums = [1, 2, 3]
        print(", ".join(nums))
        """, ["join", "int", "str"], True),
    S("type-other-cell", "TypeError", """
        total_cost(3, 2)
        """, ["In[1]", "line 2", "str("], False, runner="ipython",
      setup=['def total_cost(price, qty):\n    return price * qty + " EUR"']),
    S("type-none-print", "TypeError", """
        def add(a, b):
            print(a + b)

        result = add(2, 3) + 1
        """, ["`add`", "print", "return"], True),
    S("type-builtin-args", "TypeError", """
        print(len(1, 2))
        """, ["len", "one argument"], False),
    S("type-concat-ipython", "TypeError", """
        score = 42
        label = "Score: " + score
        """, ["str(score)", "line 2"], True, runner="ipython-color"),
    # ---- IndexError -------------------------------------------------------------------
    S("idx-range-plus-one", "IndexError", """
        nums = [1, 2, 3]
        for i in range(len(nums) + 1):
            print(nums[i])
        """, ["range(len(nums))", "line 2"], True),
    S("idx-while-le", "IndexError", """
        nums = [4, 5, 6]
        i = 0
        while i <= len(nums):
            print(nums[i])
            i += 1
        """, ["<", "line 3"], True),
    S("idx-len-index", "IndexError", """
        colors = ["red", "green", "blue"]
        print(colors[len(colors)])
        """, ["colors[-1]"], True),
    S("idx-literal", "IndexError", """
        colors = ["red", "green", "blue"]
        print(colors[3])
        """, ["3 items", "colors[2]"], True),
    S("idx-empty", "IndexError", """
        results = []
        print(results[0])
        """, ["`results`", "empty"], True),
    S("idx-empty-pop", "IndexError", """
        stack = []
        stack.pop()
        """, ["`stack`", "empty"], True),
    S("idx-assign-append", "IndexError", """
        squares = []
        for i in range(3):
            squares[i] = i * i
        """, ["append"], True),
    S("idx-string", "IndexError", """
        word = "hi"
        print(word[2])
        """, ["word[-1]"], True),
    S("idx-in-function", "IndexError", """
        def last(items):
            return items[len(items)]

        print(last([1, 2, 3]))
        """, ["line 2", "items[-1]"], True),
    S("idx-neighbours", "IndexError", """
        nums = [1, 5, 3]
        for i in range(len(nums)):
            if nums[i] > nums[i + 1]:
                print(i)
        """, ["range(len(nums) - 1)"], True),
    S("idx-ipython-empty", "IndexError", """
        first = data[0]
        """, ["`data`", "empty"], False, runner="ipython", setup=["data = []"],
      variables=[{"name": "data", "type": "list", "length": 0, "repr": "[]"}]),
    S("idx-one-based", "IndexError", """
        letters = ["a", "b", "c"]
        for i in range(1, len(letters) + 1):
            print(letters[i])
        """, ["line 2", "range(len(letters))"], True),
    S("idx-py313", "IndexError", """
        row = [0, 0]
        row[2] = 1
        """, ["`row`", "append"], True, runner="py313-color"),
    # ---- KeyError ---------------------------------------------------------------------
    S("key-typo", "KeyError", """
        person = {"name": "Ann", "age": 31}
        print(person["nmae"])
        """, ["'nmae'", "'name'", "line 2"], True),
    S("key-case", "KeyError", """
        prices = {"Apple": 1.2, "Pear": 0.8}
        print(prices["apple"])
        """, ["'apple'", "'Apple'"], True),
    S("key-missing", "KeyError", """
        stock = {"apples": 3}
        print(stock["pears"])
        """, ["'pears'", ".get"], True),
    S("key-counting", "KeyError", """
        counts = {}
        for w in ["a", "b", "a"]:
            counts[w] += 1
        """, ["counts.get(w, 0)"], True),
    S("key-int-vs-str", "KeyError", """
        medals = {"1": "gold", "2": "silver"}
        print(medals[1])
        """, ["'1'", "line 2"], True),
    S("key-ipython-vars", "KeyError", """
        print(config["epoch"])
        """, ["'epoch'", "'epochs'"], False, runner="ipython", setup=['config = {"lr": 0.1, "epochs": 5}'],
      variables=[{"name": "config", "type": "dict", "length": 2, "repr": "{'lr': 0.1, 'epochs': 5}"}]),
    S("key-in-function", "KeyError", """
        def get_age(p):
            return p["agee"]

        print(get_age({"age": 3}))
        """, ["'agee'", "'age'", "line 2"], True),
    S("key-stdin", "KeyError", """
        d = {"x": 1}
        print(d["y"])
        """, ["'y'", ".get"], True, runner="stdin"),
    S("key-nested", "KeyError", """
        user = {"profile": {"city": "Oslo"}}
        print(user["profile"]["City"])
        """, ["'City'", "'city'"], True),
    # ---- ValueError -------------------------------------------------------------------
    S("val-int-letters", "ValueError", """
        age = int(input("Age: "))
        """, ["'abc'", "int("], False, stdin="abc\n"),
    S("val-int-decimal", "ValueError", """
        price = int("3.50")
        """, ["float"], True),
    S("val-int-comma", "ValueError", """
        n = int("1,000")
        """, ["replace"], True),
    S("val-float-word", "ValueError", """
        x = float("twelve")
        """, ["'twelve'"], False),
    S("val-unpack-too-many", "ValueError", """
        a, b = [1, 2, 3]
        """, ["3", "2", "`a, b`"], False),
    S("val-unpack-not-enough", "ValueError", """
        x, y, z = (1, 2)
        """, ["`x, y, z`", "2"], False),
    S("val-unpack-dict", "ValueError", """
        ages = {"ann": 31, "bob": 25}
        for name, age in ages:
            print(name, age)
        """, ["ages.items()"], True),
    S("val-unpack-enumerate", "ValueError", """
        names = ["ann", "bob"]
        for i, name in names:
            print(i, name)
        """, ["enumerate(names)"], True),
    S("val-remove-missing", "ValueError", """
        nums = [1, 2]
        nums.remove(5)
        """, ["5", "`nums`"], True),
    S("val-math-domain", "ValueError", """
        import math
        print(math.sqrt(-4))
        """, ["sqrt", "negative"], False),
    S("val-index-missing", "ValueError", """
        names = ["ann"]
        print(names.index("bob"))
        """, ["'bob'", "`names`"], True),
    S("val-int-input-ipython", "ValueError", """
        text = "12 apples"
        n = int(text)
        """, ["'12 apples'", "`text`"], False, runner="ipython"),
    # ---- ZeroDivisionError ------------------------------------------------------------
    S("zero-average-empty", "ZeroDivisionError", """
        def average(nums):
            return sum(nums) / len(nums)

        print(average([]))
        """, ["len(nums)", "line 2", "empty"], True),
    S("zero-counter", "ZeroDivisionError", """
        total = 10
        count = 0
        print(total / count)
        """, ["`count`", "line 2"], True),
    S("zero-modulo", "ZeroDivisionError", """
        n = 0
        print(10 % n)
        """, ["`n`", "line 1"], True),
    S("zero-loop-ipython", "ZeroDivisionError", """
        values = [4, 0, 2]
        for v in values:
            print(12 / v)
        """, ["`v`", "0"], True, runner="ipython"),
    S("zero-floor", "ZeroDivisionError", """
        people = 0
        share = 100 // people
        """, ["`people`"], True),
    S("zero-literal", "ZeroDivisionError", """
        print(5 / 0)
        """, ["line 1", "0"], False),
    S("zero-notb", "ZeroDivisionError", """
        a = 4
        b = 0
        print(a / b)
        """, ["`b`", "line 2"], True, no_traceback=True),
    # ---- UnboundLocalError ------------------------------------------------------------
    S("unbound-counter", "UnboundLocalError", """
        count = 0
        def increment():
            count += 1
        increment()
        """, ["`count`", "global", "line 3"], True),
    S("unbound-branch", "UnboundLocalError", """
        def grade(score):
            if score >= 50:
                result = "pass"
            return result
        print(grade(30))
        """, ["`result`", "line 3"], True),
    S("unbound-shadow", "UnboundLocalError", """
        total = 100
        def spend(x):
            print(total)
            total = total - x
        spend(5)
        """, ["`total`", "line 4"], True),
    S("unbound-ipython", "UnboundLocalError", """
        score = 0
        def add_point():
            score = score + 1
            return score
        add_point()
        """, ["`score`", "line 3"], True, runner="ipython"),
    S("unbound-py312", "UnboundLocalError", """
        level = 1
        def level_up():
            level = level + 1
        level_up()
        """, ["`level`", "line 3"], True, runner="py312"),
    # ---- RecursionError ---------------------------------------------------------------
    S("rec-no-base", "RecursionError", """
        def factorial(n):
            return n * factorial(n - 1)

        print(factorial(5))
        """, ["`factorial`", "base case", "line 1"], True),
    S("rec-unreachable", "RecursionError", """
        def countdown(n):
            if n == 0:
                return
            countdown(n - 2)

        countdown(5)
        """, ["n == 0", "line 2"], True),
    S("rec-no-progress", "RecursionError", """
        def total(n):
            if n == 0:
                return 0
            return n + total(n)

        print(total(3))
        """, ["total(n)", "n - 1"], True),
    S("rec-ipython", "RecursionError", """
        fib(5)
        """, ["`fib`", "base case", "In[1]"], False, runner="ipython",
      setup=["def fib(n):\n    return fib(n - 1) + fib(n - 2)"]),
    S("rec-wrong-direction", "RecursionError", """
        def up(n):
            if n == 10:
                return n
            return up(n - 1)
        print(up(3))
        """, ["`up`", "line 2"], True),
    # ---- ModuleNotFoundError / ImportError --------------------------------------------
    S("imp-typo", "ModuleNotFoundError", """
        import maths
        """, ["`maths`", "`math`"], True),
    S("imp-case", "ModuleNotFoundError", """
        import Random
        """, ["`Random`", "`random`"], True),
    S("imp-sklearn", "ModuleNotFoundError", """
        from sklearn.linear_model import LinearRegression
        """, ["%pip install scikit-learn"], False),
    S("imp-cv2", "ModuleNotFoundError", """
        import cv2
        """, ["opencv-python"], False),
    S("imp-pil", "ModuleNotFoundError", """
        from PIL import Image
        """, ["pillow"], False),
    S("imp-yaml", "ModuleNotFoundError", """
        import yaml
        """, ["pyyaml"], False, runner="stdin"),
    S("imp-bs4", "ModuleNotFoundError", """
        from bs4 import BeautifulSoup
        """, ["beautifulsoup4"], False),
    S("imp-numpy", "ModuleNotFoundError", """
        import numpy as np
        """, ["%pip install numpy"], False),
    S("imp-name-typo", "ImportError", """
        from math import sqroot
        """, ["`sqroot`", "`sqrt`"], True),
    S("imp-pip-name", "ModuleNotFoundError", """
        import beautifulsoup4
        """, ["bs4"], False),  # the fix (import bs4) is right but bs4 isn't installed where fixes run
    S("imp-collections-abc", "ImportError", """
        from collections import Mapping
        """, ["collections.abc"], True),
    S("imp-typo-py313", "ModuleNotFoundError", """
        import statistic
        """, ["`statistic`", "`statistics`"], True, runner="py313-color"),
    # ---- FileNotFoundError ------------------------------------------------------------
    S("file-relative", "FileNotFoundError", """
        with open("data.csv") as f:
            print(f.read())
        """, ["data.csv", "os.getcwd()"], False),
    S("file-subdir", "FileNotFoundError", """
        f = open("data/scores.txt")
        """, ["data/scores.txt", "working directory"], False),
    S("file-case", "FileNotFoundError", """
        text = open("Results.TXT").read()
        """, ["Results.TXT", "os.listdir"], False, files={"results.txt": "1,2,3\n"}),
    S("file-ipython", "FileNotFoundError", """
        lines = open("notes.txt").readlines()
        """, ["notes.txt", "os.getcwd()"], False, runner="ipython-color"),
    # ---- StopIteration ----------------------------------------------------------------
    S("stop-next", "StopIteration", """
        it = iter([1, 2])
        print(next(it))
        print(next(it))
        print(next(it))
        """, ["next(it)", "line 4"], True),
    S("stop-generator", "StopIteration", """
        def gen():
            yield 1
        g = gen()
        next(g)
        next(g)
        """, ["next(g)", "line 5"], True),
    S("stop-ipython", "StopIteration", """
        names = iter(["a"])
        first = next(names)
        second = next(names)
        """, ["line 3", "next(names)"], True, runner="ipython"),
    # ---- AssertionError ---------------------------------------------------------------
    S("assert-message", "AssertionError", """
        def add(a, b):
            return a - b

        assert add(2, 3) == 5, f"expected 5, got {add(2, 3)}"
        """, ["expected 5", "-1", "`add`"], False),
    S("assert-no-message", "AssertionError", """
        def square(x):
            return x * 2

        assert square(3) == 9
        """, ["square(3) == 9", "`square`"], False),
    S("assert-test-ipython", "AssertionError", """
        def test_is_even():
            assert is_even(4), "is_even(4) should be True"

        test_is_even()
        """, ["is_even(4)"], False, runner="ipython", setup=["def is_even(n):\n    return n % 2 == 1"]),
    S("assert-expected-actual", "AssertionError", """
        result = sorted([3, 1, 2], reverse=True)
        assert result == [1, 2, 3], f"Expected [1, 2, 3] but got {result}"
        """, ["[1, 2, 3]", "[3, 2, 1]"], False),
    # ---- KeyboardInterrupt ------------------------------------------------------------
    S("loop-no-increment", "KeyboardInterrupt", """
        i = 0
        while i < 5:
            print(i)
        """, ["`i`", "line 2"], True, interrupt=True),
    S("loop-increment-outside", "KeyboardInterrupt", """
        count = 0
        while count < 3:
            print(count)
        count += 1
        """, ["count += 1", "line 4"], True, interrupt=True),
    S("loop-wrong-direction", "KeyboardInterrupt", """
        n = 10
        while n > 0:
            n += 1
        """, ["`n`", "line 3"], True, interrupt=True),
    S("loop-while-true", "KeyboardInterrupt", """
        while True:
            answer = "y"
            reply = answer.upper()
        """, ["break", "line 1"], False, interrupt=True),
    S("loop-ipython", "KeyboardInterrupt", """
        total = 0
        k = 1
        while k <= 10:
            total += k
        """, ["`k`", "line 3"], True, runner="ipython", interrupt=True),
    # ---- anything else: honest generic answers ----------------------------------------
    S("gen-overflow", "Other", """
        import math
        print(math.exp(1000))
        """, ["line 2", "math.exp(1000)"], False),
    S("gen-raise-own", "Other", """
        def withdraw(balance, amount):
            if amount > balance:
                raise ValueError("not enough money")
            return balance - amount

        withdraw(10, 50)
        """, ["line 3", "amount > balance"], False),
    S("gen-json", "Other", """
        import json
        data = json.loads("{'a': 1}")
        """, ["json", "line 2"], False),
    S("gen-custom", "Other", """
        class OutOfStock(Exception):
            pass

        def buy(n):
            raise OutOfStock(f"only 0 left, wanted {n}")

        buy(2)
        """, ["line 5", "OutOfStock"], False),
    S("gen-not-implemented", "Other", """
        class Shape:
            def area(self):
                raise NotImplementedError

        Shape().area()
        """, ["line 3", "`area`"], False),
    S("gen-eof", "Other", """
        name = input("Name: ")
        """, ["line 1", "input"], False),
]

# ---- Held-out batch: written after the analysers, as new variations of each family,
# and evaluated once before any tuning (the report quotes that first result).
SNIPPETS += [
    S("h-syn-colon-class", "SyntaxError", """
        class Point
            pass
        """, ["line 1", "colon"], True),
    S("h-syn-colon-elif", "SyntaxError", """
        x = 3
        if x > 5:
            print("a")
        elif x > 1
            print("b")
        """, ["line 4", "colon"], True),
    S("h-syn-eq-elif", "SyntaxError", """
        n = 4
        if n > 10:
            pass
        elif n = 4:
            print("four")
        """, ["line 4", "=="], True),
    S("h-syn-unclosed-dict", "SyntaxError", """
        person = {
            "name": "Ann",
            "age": 30
        print(person)
        """, ["line 1", "never closed"], True),
    S("h-syn-comma-args", "SyntaxError", """
        def add(a, b):
            return a + b
        print(add(1 2))
        """, ["line 3", "comma"], True),
    S("h-syn-print2-var", "SyntaxError", """
        x = 5
        print x
        """, ["line 2", "print(x)"], True),
    S("h-syn-keyword-pass", "SyntaxError", """
        pass = "secret"
        print(pass)
        """, ["`pass`", "keyword"], True),
    S("h-syn-fstring-quote", "SyntaxError", """
        name = "Bo"
        print(f"Hello {name})
        """, ["line 2", "never closed"], True),
    S("h-ind-expected-while", "IndentationError", """
        i = 0
        while i < 3:
        i += 1
        """, ["line 2", "line 3"], True),
    S("h-ind-unexpected-ipython", "IndentationError", """
        a = 1
          b = 2
        """, ["line 2", "indented more"], True, runner="ipython"),
    S("h-name-typo-loop", "NameError", """
        scores = [3, 4]
        for s in scores:
            print(scroes)
        """, ["`scroes`", "`scores`", "line 3"], True),
    S("h-name-func-typo", "NameError", """
        def greet(name):
            return "Hi " + name
        print(gret("Ann"))
        """, ["`gret`", "`greet`"], True),
    S("h-name-import-time", "NameError", """
        time.sleep(0.1)
        print("done")
        """, ["import time"], True),
    S("h-name-quotes-print", "NameError", """
        print(hello)
        """, ["`hello`", "quotes"], True),
    S("h-name-local-result", "NameError", """
        def square(x):
            result = x * x
            return result
        square(3)
        print(result)
        """, ["`result`", "`square`"], False),
    S("h-attr-lowercase", "AttributeError", """
        s = "Hi"
        print(s.lowercase())
        """, ["`lowercase`", "`lower`"], True),
    S("h-attr-dict-item", "AttributeError", """
        d = {"a": 1}
        for k, v in d.item():
            print(k, v)
        """, ["`item`", "`items`"], True),
    S("h-attr-none-reverse", "AttributeError", """
        letters = ["a", "b"]
        letters = letters.reverse()
        print(letters.count("a"))
        """, ["reverse", "none", "line 2"], True),
    S("h-attr-list-split", "AttributeError", """
        words = ["a b", "c d"]
        parts = words.split()
        """, ["`split`", "[item.split() for item in words]"], True),
    S("h-type-float-concat", "TypeError", """
        price = 9.99
        print("Price: " + price)
        """, ["str(price)"], True),
    S("h-type-input-times-float", "TypeError", """
        n = input("n? ")
        print(n * 2.5)
        """, ["float(n)"], True, stdin="4\n"),
    S("h-type-list-plus-int", "TypeError", """
        nums = [1, 2]
        nums = nums + 3
        """, ["[3]"], True),
    S("h-type-shadow-list", "TypeError", """
        list = [1, 2, 3]
        letters = list("abc")
        """, ["`list`", "line 1"], True),
    S("h-type-missing-init-arg", "TypeError", """
        class Dog:
            def __init__(self, name):
                self.name = name
        d = Dog()
        """, ["`name`", "line 2"], False),
    S("h-type-init-typo", "TypeError", """
        class Cat:
            def __int__(self, name):
                self.name = name
        c = Cat("Tom")
        """, ["`__int__`", "`__init__`"], True),
    S("h-type-none-iter-print", "TypeError", """
        def show(items):
            for i in items:
                print(i)
        for x in show([1]):
            pass
        """, ["`show`", "return"], False),
    S("h-type-str-mod-input", "TypeError", """
        n = input()
        if n % 2 == 0:
            print("even")
        """, ["int(n)"], True, stdin="7\n"),
    S("h-type-set-add-list", "TypeError", """
        seen = set()
        seen.add([1, 2])
        """, ["tuple"], True),
    S("h-type-call-dict", "TypeError", """
        d = {"a": 1}
        print(d("a"))
        """, ['d["a"]'], True),
    S("h-idx-while-len", "IndexError", """
        items = ["x", "y"]
        k = 0
        while k <= len(items):
            print(items[k])
            k = k + 1
        """, ["<", "line 3"], True),
    S("h-idx-negative-empty", "IndexError", """
        queue = []
        last = queue[-1]
        """, ["`queue`", "empty"], True),
    S("h-idx-tuple-literal", "IndexError", """
        point = (3, 4)
        print(point[2])
        """, ["2 items", "point[1]"], True),
    S("h-key-plural", "KeyError", """
        inventory = {"apples": 5, "pears": 2}
        print(inventory["apple"])
        """, ["'apple'", "'apples'"], True),
    S("h-key-after-assign", "KeyError", """
        grades = {}
        grades["ann"] = 90
        print(grades["bob"])
        """, ["'bob'", ".get"], True),
    S("h-val-int-space", "ValueError", """
        a = int(input())
        """, ["'3 4'"], False, stdin="3 4\n"),
    S("h-val-unpack-split", "ValueError", """
        line = "a,b,c"
        x, y = line.split(",")
        """, ["2", "`x, y`"], False),
    S("h-val-float-comma", "ValueError", """
        x = float("3,5")
        """, ["replace"], True),
    S("h-zero-rate", "ZeroDivisionError", """
        correct = 0
        attempts = 0
        rate = correct / attempts * 100
        """, ["`attempts`", "line 2"], True),
    S("h-unbound-list", "UnboundLocalError", """
        items = []
        def add(x):
            items = items + [x]
        add(1)
        """, ["`items`", "line 3"], True),
    S("h-rec-power", "RecursionError", """
        def power(b, e):
            return b * power(b, e - 1)
        print(power(2, 3))
        """, ["`power`", "base case"], True),
    S("h-rec-same-arg", "RecursionError", """
        def count(n):
            if n <= 0:
                return
            count(n)
        count(3)
        """, ["count(n)", "n - 1"], True),
    S("h-imp-panda", "ModuleNotFoundError", """
        import panda as pd
        """, ["`panda`", "`pandas`"], False),
    S("h-imp-matplotlib", "ModuleNotFoundError", """
        import matplotlib.pyplot as plt
        """, ["%pip install matplotlib"], False),
    S("h-imp-randint-case", "ImportError", """
        from random import randInt
        """, ["`randInt`", "`randint`"], True),
    S("h-file-csv", "FileNotFoundError", """
        import csv
        with open("grades.csv") as f:
            rows = list(csv.reader(f))
        """, ["grades.csv", "os.getcwd()"], False),
    S("h-stop-dict-iter", "StopIteration", """
        d = {"a": 1}
        keys = iter(d)
        next(keys)
        next(keys)
        """, ["next(keys)", "line 4"], True),
    S("h-assert-double", "AssertionError", """
        def double(x):
            return x + 2
        assert double(5) == 10, "double(5) should be 10"
        """, ["`double`", "7"], False),
    S("h-loop-no-update", "KeyboardInterrupt", """
        total = 0
        i = 0
        while i < 3:
            total = total + i
        """, ["`i`", "line 3"], True, interrupt=True),
    S("h-loop-assign-wrong-way", "KeyboardInterrupt", """
        count = 5
        while count > 0:
            count = count + 1
        """, ["`count`", "line 3"], True, interrupt=True),
    S("h-gen-raise-check", "Other", """
        def check(age):
            if age < 0:
                raise ValueError(f"age must be positive, got {age}")
        check(-3)
        """, ["line 3", "age < 0"], False),
]
