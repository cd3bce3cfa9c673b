"""Run one exercise test on the trusted side against a student's code in a sandboxed child.

The student's code runs in a fresh child per test (rpc_child.py behind the sandbox layer);
the test's source, rewritten by assertions.py, runs here, in the caller's process, with a
namespace in which every top-level name of the student's module is a stand-in
(proxies.py) or a genuine copy of its data (values.py). The child never receives the
test's source, its expected values or a results channel: only the arguments of the calls
the test makes. Pass/fail is what happens here: the test ran to its end without an
exception, and nothing fatal (a timeout, a crash, a broken frame, ``sys.exit``, an
output flood, a memory error) happened in the child on the way.

Every frame from the child is untrusted input: its size is capped by the sandbox layer,
its JSON is decoded strictly (values.CodecError), and a reply must answer the request
waiting for it. Anything else ends the test as a failure ("protocol"), never a pass.
"""

import ast
import builtins
import contextlib
import functools
import itertools
import operator
import signal
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from learnflow_agents.sandbox import proxies
from learnflow_agents.sandbox.errors import SandboxError, SandboxGone, SandboxTimeout
from learnflow_agents.sandbox.limits import Limits as ProcessLimits
from learnflow_agents.sandbox.values import Codec, CodecError

STUDENT_FILENAME = "<your code>"
TEST_MODULE = "__learnflow_test__"
_HERE = Path(__file__).parent


@functools.cache
def child_source() -> str:
    """values.py + rpc_child.py, as one stdlib-only script for ``python -I -S -c``."""
    values = (_HERE / "values.py").read_text(encoding="utf-8")
    child = (_HERE / "rpc_child.py").read_text(encoding="utf-8")
    child = "\n".join(line for line in child.splitlines() if not line.endswith("# embed: drop"))
    # Both files start with a docstring and imports; concatenated they are one valid module.
    return values + "\n\n" + child


class Fatal(BaseException):
    """Ends a test: something happened that no test code may catch (a timeout, a crash...)."""

    def __init__(self, status: str, facts: dict[str, Any] | None = None):
        super().__init__(status)
        self.status = status
        self.facts = facts or {}


# Builtins a test may hand to the student's code (as a key=, a function to map...).
_SAFE_BUILTINS = frozenset(
    {
        # Cheap whatever the student passes them: nothing that materialises an iterable
        # (list(range(10**12))), formats to a chosen width or raises to a chosen power, since
        # a callback runs here, outside the sandbox's limits.
        "abs",
        "ascii",
        "bool",
        "callable",
        "chr",
        "float",
        "hash",
        "hex",
        "int",
        "isinstance",
        "issubclass",
        "len",
        "oct",
        "ord",
        "repr",
        "round",
        "str",
        "bin",
        "iter",
        "next",
        "enumerate",
        "filter",
        "map",
        "reversed",
        "zip",
    }
)
_SAFE_MODULES = frozenset(
    {"math", "operator", "itertools", "functools", "string", "builtins", "_operator", "_functools"}
)
_CALLBACK_ATTRS = frozenset({"__name__", "__qualname__", "__doc__"})


def _exportable(obj: Any) -> bool:
    """May the student's code hold a reference to this trusted-side object?

    Only what a test plausibly passes in: its own functions, classes and instances, safe
    builtins and iterators. Never modules, frames, code, or anything that reaches them.
    """
    if isinstance(obj, types.FunctionType):
        return obj.__code__.co_filename.startswith("<test")
    if isinstance(obj, types.MethodType):
        return _exportable(obj.__func__) and _exportable(obj.__self__)
    if isinstance(obj, types.GeneratorType):
        return obj.gi_code.co_filename.startswith("<test")
    if isinstance(obj, types.BuiltinFunctionType):
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, types.ModuleType):
            return owner.__name__ in _SAFE_MODULES and (
                owner is not builtins or obj.__name__ in _SAFE_BUILTINS
            )
        return False
    if isinstance(obj, type):
        if obj.__module__ == TEST_MODULE:
            return True
        return obj.__module__ == "builtins" and obj.__name__ in _SAFE_BUILTINS
    kind = type(obj)
    if kind.__module__ == TEST_MODULE:
        return True
    if kind.__module__ in ("builtins", "itertools") and hasattr(kind, "__next__"):
        return True  # iterators over trusted data: list_iterator, map, count, islice...
    return isinstance(obj, (functools.partial, operator.itemgetter, operator.attrgetter, itertools.count))


# A range is rebuilt as a genuine range, which is lazy: one the student returns must stay
# small enough that a test's list(result) cannot exhaust the trusted side.
MAX_RANGE = 1_000_000


class ParentCodec(Codec):
    def decode(self, node: Any, depth: int = 0) -> Any:
        value = super().decode(node, depth)
        if type(value) is range:
            try:
                too_long = len(value) > MAX_RANGE
            except OverflowError:
                too_long = True
            if too_long:
                raise CodecError("a range too long to rebuild here")
        return value

    def __init__(self, session: "Session"):
        super().__init__(+1)
        self.session = session
        self.remote: dict[int, Any] = {}  # child handle -> local stand-in
        self.refs: dict[int, Any] = {}  # ref number -> trusted object
        self.ref_of: dict[int, int] = {}

    def export(self, obj: Any) -> Any:
        if proxies.is_remote(obj):
            handle = proxies.handle_of(obj)
            if self.remote.get(handle) is not obj:
                raise TypeError("a stand-in from another run")
            return {"h": handle}
        if not _exportable(obj):
            raise TypeError(f"the checker cannot pass a {type(obj).__name__} to your code")
        number = self.ref_of.get(id(obj))
        if number is None or self.refs.get(number) is not obj:
            number = len(self.refs) + 1
            self.refs[number] = obj
            self.ref_of[id(obj)] = number
        return {"x": number}

    def import_node(self, node: dict[str, Any]) -> Any:
        if "x" in node:
            if set(node) != {"x"} or type(node["x"]) is not int or node["x"] not in self.refs:
                raise CodecError("bad callback reference")
            return self.refs[node["x"]]
        handle = node.get("h")
        if type(handle) is not int or handle < 1:
            raise CodecError("bad handle")
        if "class" in node:
            return self.import_class(node, 0)
        known = self.remote.get(handle)
        if "cls" not in node:
            if known is None:
                raise CodecError("unknown handle")
            return known
        if set(node) != {"h", "cls"}:
            raise CodecError("bad handle")
        if known is not None:
            return known
        cls = self.import_class(node["cls"], 0)
        instance = proxies.new_instance(self.session, cls, handle)
        self.remote[handle] = instance
        return instance

    def import_class(self, node: Any, depth: int) -> type:
        if type(node) is not dict or set(node) != {"h", "class"} or depth > 20:
            raise CodecError("bad class")
        handle, info = node["h"], node["class"]
        if type(handle) is not int or type(info) is not dict or set(info) != {"name", "bases", "exc"}:
            raise CodecError("bad class")
        known = self.remote.get(handle)
        if known is not None:
            if not isinstance(known, proxies.RemoteClass):
                raise CodecError("handle changed kind")
            return known
        name, bases, exc = info["name"], info["bases"], info["exc"]
        if type(name) is not str or type(bases) is not list or len(bases) > 16:
            raise CodecError("bad class")
        if exc is not None and type(exc) is not str:
            raise CodecError("bad class")
        local_bases = [self.import_class(b, depth + 1) for b in bases]
        cls = proxies.mirror_class(self.session, handle, name, local_bases, exc)
        self.remote[handle] = cls
        return cls


# Pipelined calls sent in one frame (the child answers them in one frame too). Only small
# requests are pipelined, so a batch is far under the frame limit.
_MAX_BATCH = 256


def _small(message: dict[str, Any]) -> bool:
    """Scalars and short strings only: a frame of a few hundred bytes at most."""
    values = [*message["a"], *(v for _, v in message["k"])]
    if len(values) > 8:
        return False
    for value in values:
        if type(value) is str and len(value) > 64:
            return False
        if type(value) is dict and set(value) != {"h"}:
            return False
        if type(value) in (list, tuple):
            return False
    return True


_CALLBACK_OPS = {
    "call": None,
    "getattr": None,
    "iter": iter,
    "next": next,
    "len": len,
    "bool": bool,
    "hash": hash,
    "repr": repr,
    "str": str,
    "eq": operator.eq,
    "contains": operator.contains,
    "getitem": operator.getitem,
}


class Session:
    """The conversation with one child: requests out, replies and callbacks in."""

    def __init__(self, proc: Any, deadline: float, per_call_allowance: float):
        self.proc = proc
        self.codec = ParentCodec(self)
        self.deadline = deadline
        self.allowance = per_call_allowance
        self.next_q = 1
        self.pending: list[int] = []
        self.batch: list[dict[str, Any]] = []  # pipelined requests not sent yet
        self.inbox: list[dict[str, Any]] = []  # replies that came in one batch frame
        self.nowait_next = False
        self.deferred: BaseException | None = None
        self.fatal: Fatal | None = None
        self.callback_failure: BaseException | None = None

    # ---- requests -------------------------------------------------------------------
    def request(self, op: str, args: tuple = (), kwargs: dict | None = None, **extra: Any) -> Any:
        if self.fatal is not None:
            raise self.fatal
        nowait, self.nowait_next = self.nowait_next, False
        codec = self.codec
        try:
            sync = codec.changed()
            number = self.next_q
            message = {"q": number, "op": op, "sync": sync, **extra}
            message["a"] = [codec.encode(a) for a in args]
            message["k"] = [[k, codec.encode(v)] for k, v in (kwargs or {}).items()]
        except CodecError as exc:
            raise TypeError(str(exc)) from None
        self.next_q += 1
        self.deadline += self.allowance
        if nowait and not sync and not codec.refs and _small(message):
            self.batch.append(message)
            self.pending.append(number)
            if len(self.batch) >= _MAX_BATCH:
                self._send_batch()
            return None
        self._send_batch()
        self._send(message)
        return self._wait(number)

    def _send_batch(self) -> None:
        if self.batch:
            batch, self.batch = self.batch, []
            # One batch in flight at a time: settle the previous one first, so neither side
            # ever blocks writing to a pipe the other is not reading.
            self._settle_until(len(batch))
            self._send({"batch": batch})

    def _settle_until(self, left: int) -> None:
        while len(self.pending) > left:
            if self.fatal is not None:
                raise self.fatal
            reply = self._recv()
            if "q" in reply:
                self._serve_callback(reply)
                continue
            if reply.get("r") != self.pending[0]:
                raise self._die("protocol")
            self.pending.pop(0)
            self._settle(reply)

    def _wait(self, number: int) -> Any:
        """Read until the reply to `number`, answering callbacks and settling pipelined calls."""
        while True:
            reply = self._recv()
            if "q" in reply:
                self._serve_callback(reply)
                continue
            if self.pending and reply.get("r") == self.pending[0]:
                self.pending.pop(0)
                self._settle(reply)
                continue
            if reply.get("r") != number:
                raise self._die("protocol")
            self._raise_deferred()
            return self._result(reply)

    def _settle(self, reply: dict[str, Any]) -> None:
        """A pipelined call's reply: its value is dropped, its exception kept for the next wait."""
        try:
            self._result(reply)
        except Fatal:
            raise
        except BaseException as exc:
            if self.deferred is None:
                self.deferred = exc

    def _raise_deferred(self) -> None:
        if self.deferred is not None:
            error, self.deferred = self.deferred, None
            raise error

    def flush(self) -> None:
        """Wait for every pipelined call; raise the first exception one of them raised."""
        self._send_batch()
        self._settle_until(0)
        self._raise_deferred()

    def nowait(self, function: Any, *args: Any, **kwargs: Any) -> None:
        """Run an expression statement's call without waiting for its (discarded) result.

        Only a call that goes straight to the child is pipelined; anything else runs as
        usual after the pipeline is flushed. An exception the call raises in the child
        surfaces at the next statement that waits, so the test still fails.
        """
        remote = proxies.is_remote(function) or (
            function is _lf_callmethod and args and proxies.is_remote(args[0])
        )
        if not remote:
            self.flush()
            function(*args, **kwargs)
            return
        self.nowait_next = True
        try:
            function(*args, **kwargs)
        finally:
            self.nowait_next = False

    def raw(self, message: dict[str, Any]) -> Any:
        """A request answered by plain JSON (load output), not by an encoded value."""
        number = self.next_q
        self.next_q += 1
        self._send({"q": number, **message})
        while True:
            reply = self._recv()
            if "q" in reply:
                self._serve_callback(reply)
                continue
            if reply.get("r") != number:
                raise self._die("protocol")
            return reply

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.proc.send(message)
        except SandboxError:
            raise self._die("crash") from None

    def _recv(self) -> dict[str, Any]:
        if self.inbox:
            return self.inbox.pop(0)
        message = self._recv_frame()
        if "batch" in message:
            replies = message["batch"]
            if set(message) != {"batch"} or type(replies) is not list or not replies:
                raise self._die("protocol")
            if any(type(r) is not dict or "r" not in r for r in replies):
                raise self._die("protocol")
            self.inbox.extend(replies[1:])
            return replies[0]
        return message

    def _recv_frame(self) -> dict[str, Any]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._die("timeout")
        try:
            message = self.proc.recv(timeout=remaining)
        except SandboxTimeout:
            raise self._die("timeout") from None
        except SandboxGone:
            if time.monotonic() >= self.deadline:
                raise self._die("timeout") from None
            # Let the child finish dying, so close() reports its own exit code or signal.
            waiter = getattr(self.proc, "wait", None)
            if waiter is not None:
                waiter(1.0)
            raise self._die("crash") from None
        except (SandboxError, ValueError, RecursionError):
            raise self._die("protocol") from None
        if type(message) is not dict:
            raise self._die("protocol")
        return message

    def _die(self, status: str, facts: dict[str, Any] | None = None) -> Fatal:
        if self.fatal is None:
            self.fatal = Fatal(status, facts)
        return self.fatal

    def _result(self, reply: dict[str, Any]) -> Any:
        codec = self.codec
        try:
            if set(reply) - {"r", "sync", "ok", "exc"} or ("ok" in reply) == ("exc" in reply):
                raise CodecError("bad reply")
            codec.apply_sync(reply.get("sync", []))
            if "ok" in reply:
                return codec.decode(reply["ok"])
            error = self._exception(reply["exc"])
        except (CodecError, RecursionError, MemoryError):
            raise self._die("protocol") from None
        raise error

    def _exception(self, node: Any) -> BaseException:
        if type(node) is not dict:
            raise CodecError("bad exception")
        kind = node.get("kind")
        line = node.get("line")
        line = line if type(line) is int else None
        if kind in ("memory", "output", "exit"):
            return self._die(kind, {"line": line})
        if kind not in ("error", "recursion"):
            raise CodecError("bad exception")
        message = node.get("msg") if type(node.get("msg")) is str else ""
        error: BaseException
        cls_node = node.get("cls")
        builtin = None
        if type(cls_node) is dict and type(cls_node.get("class")) is dict:
            info = cls_node["class"]
            if info.get("bases") == [] and info.get("exc") == info.get("name"):
                candidate = getattr(builtins, str(info.get("name")), None)
                if isinstance(candidate, type) and issubclass(candidate, Exception):
                    builtin = candidate
        if kind == "recursion":
            error = RecursionError(message)
        elif builtin is not None:
            args = node.get("args")
            try:
                decoded = tuple(self.codec.decode(a) for a in args) if type(args) is list else (message,)
                error = builtin(*decoded)
            except (CodecError, TypeError, ValueError):
                try:
                    error = builtin(message)
                except (TypeError, ValueError):  # UnicodeDecodeError and friends need more
                    error = Exception(message)
        elif cls_node is None:
            error = Exception(message)
        else:
            self.codec.import_class(cls_node, 0)
            handle = node.get("obj")
            error = self.codec.decode(handle) if handle is not None else None
            if not isinstance(error, Exception):
                error = Exception(message)
        error.__dict__["_lf_line"] = line
        return error

    # ---- callbacks: the child calling a trusted-side object -------------------------
    def _serve_callback(self, message: dict[str, Any]) -> None:
        codec = self.codec
        number = message.get("q")
        try:
            if type(number) is not int or set(message) - {"q", "op", "x", "a", "k", "sync"}:
                raise CodecError("bad callback")
            codec.apply_sync(message.get("sync", []))
            op = message.get("op")
            target = codec.import_node({"x": message.get("x")})
            if op not in _CALLBACK_OPS:
                raise CodecError("bad callback op")
            args = [codec.decode(a) for a in message.get("a", [])]
            pairs = message.get("k", [])
            if type(pairs) is not list or any(
                type(p) is not list or len(p) != 2 or type(p[0]) is not str for p in pairs
            ):
                raise CodecError("bad keywords")
            kwargs = {k: codec.decode(v) for k, v in pairs}
        except (CodecError, RecursionError, MemoryError, TypeError):
            raise self._die("protocol") from None
        try:
            result = self._run_callback(op, target, args, kwargs)
            reply = {"r": number, "sync": codec.changed(), "ok": codec.encode(result)}
        except Fatal:
            raise
        except AssertionError as exc:
            # A test's own check failed inside a callback: the test fails whatever the
            # student's code does with the exception.
            if self.callback_failure is None:
                self.callback_failure = exc
            reply = {"r": number, "sync": codec.changed(), "exc": {"name": "AssertionError", "msg": ""}}
        except Exception as exc:
            name = type(exc).__name__ if type(exc).__module__ == "builtins" else "Exception"
            reply = {"r": number, "sync": codec.changed(), "exc": {"name": name, "msg": str(exc)[:500]}}
        self._send(reply)

    @staticmethod
    def _run_callback(op: str, target: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if op == "call":
            if not callable(target):
                raise TypeError(f"{type(target).__name__!r} object is not callable")
            return target(*args, **kwargs)
        if op == "getattr":
            name = args[0] if len(args) == 1 else None
            if type(name) is not str:
                raise TypeError("attribute name must be a string")
            if name in _CALLBACK_ATTRS or (
                not name.startswith("_") and type(target).__module__ == TEST_MODULE
            ):
                return getattr(target, name)
            raise AttributeError(name)
        if kwargs:
            raise TypeError("no keyword arguments here")
        return _CALLBACK_OPS[op](target, *args)


# ---- compiling a test ------------------------------------------------------------------
class _MethodCallRewriter(ast.NodeTransformer):
    """``x.name(args)`` -> ``_lf_callmethod(x, "name", args)``: one round trip, not two.

    For a trusted-side ``x`` it is exactly ``getattr(x, "name")(args)``.
    """

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.ctx, ast.Load):
            return ast.copy_location(
                ast.Call(
                    func=ast.Name("_lf_callmethod", ast.Load()),
                    args=[func.value, ast.Constant(func.attr), *node.args],
                    keywords=node.keywords,
                ),
                node,
            )
        return node


def _simple(node: ast.expr) -> bool:
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.UnaryOp):
        return _simple(node.operand)
    if isinstance(node, ast.BinOp):
        return _simple(node.left) and _simple(node.right)
    return False


def _pipelinable(stmt: ast.stmt) -> bool:
    """``obj.method(i, i)`` / ``f(x - 1)`` as a statement: a call whose result nobody reads."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    call = stmt.value
    if not isinstance(call.func, ast.Name) or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    if call.func.id == "_lf_callmethod":
        args = call.args[2:]
        if not (len(call.args) >= 2 and isinstance(call.args[0], ast.Name)):
            return False
    elif call.func.id.startswith("_lf_"):
        return False
    else:
        args = call.args
    return all(_simple(a) for a in args) and all(k.arg and _simple(k.value) for k in call.keywords)


def _pipeline(body: list[ast.stmt]) -> list[ast.stmt]:
    """Pipeline runs of pipelinable calls; flush before every other statement.

    Blocks inside ``try``/``with``/``def``/``class`` are left alone, so an exception
    there is raised exactly where the test expects it.
    """
    out: list[ast.stmt] = []
    for stmt in body:
        if _pipelinable(stmt):
            call = stmt.value
            assert isinstance(call, ast.Call)
            wrapped = ast.Call(
                func=ast.Name("_lf_nowait", ast.Load()), args=[call.func, *call.args], keywords=call.keywords
            )
            out.append(ast.copy_location(ast.Expr(ast.copy_location(wrapped, call)), stmt))
            continue
        flush = ast.Expr(ast.Call(func=ast.Name("_lf_flush", ast.Load()), args=[], keywords=[]))
        out.append(ast.copy_location(flush, stmt))
        if isinstance(stmt, (ast.For, ast.While, ast.If)):
            stmt.body = _pipeline(stmt.body)
            stmt.orelse = _pipeline(stmt.orelse)
        out.append(stmt)
    return out


def compile_test(source: str, filename: str, assertions: Any) -> types.CodeType:
    tree = assertions.LearnFlowAssertRewriter().visit(ast.parse(source, filename, "exec"))
    tree = _MethodCallRewriter().visit(tree)
    tree.body = _pipeline(tree.body)
    return compile(ast.fix_missing_locations(tree), filename, "exec")


# A test that makes files for the student's code to read makes them in the child's private
# directory: these modules and open() are the child's, reached through stand-ins.
CHILD_MODULES = frozenset({"os", "tempfile", "pathlib", "shutil", "glob", "io"})


def _test_builtins(session: "Session") -> dict[str, Any]:
    real_import = builtins.__import__
    modules: dict[str, Any] = {}

    def child_module(name: str) -> Any:
        if name not in modules:
            modules[name] = session.request("import", (name,))
        return modules[name]

    def test_import(
        name: str, globals_: Any = None, locals_: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        top = name.partition(".")[0]
        if level == 0 and top in CHILD_MODULES:
            module = child_module(name) if fromlist else child_module(top)
            return module
        return real_import(name, globals_, locals_, fromlist, level)

    def child_open(*args: Any, **kwargs: Any) -> Any:
        return proxies.call_method(child_module("io"), "open", args, kwargs)

    table = dict(builtins.__dict__)
    table["__import__"] = test_import
    table["open"] = child_open
    table["map"] = _map
    table["filter"] = _filter
    return table


# The builtin map and filter end quietly when the function they call raises StopIteration,
# so a student's function that raises it passed `assert all(map(f, xs))`, `not any(...)` and
# `sum(map(f, xs)) == 0` without computing anything. As generators, a StopIteration from the
# function becomes a RuntimeError (PEP 479), as in a generator expression.
def _map(function: Any, *iterables: Any) -> Any:
    if not iterables:
        raise TypeError("map() must have at least two arguments.")
    for args in zip(*iterables):  # noqa: B905 - map stops at the shortest, like zip
        yield function(*args)


def _filter(function: Any, iterable: Any) -> Any:
    for item in iterable:
        if function(item) if function is not None else item:
            yield item


def _strict_truthy(assertions: Any) -> Any:
    """``assert value``: an object living in the child is never a truth value.

    Its ``__bool__`` is the student's to write, so ``assert is_valid(x)`` answered with an
    object that says "I am true" fails; a test wanting an object's truthiness asks
    ``bool(obj) is True``.
    """
    truthy = assertions._lf_truthy

    def check(value: Any, message_thunk: Any, source: str) -> None:
        if proxies.is_remote(value):
            message = message_thunk() if message_thunk is not None else None
            raise assertions.LearnFlowMismatchError(
                str(message) if message is not None else "",
                "True (or another true value)",
                f"a {type(value).__name__} object",
                source,
            )
        truthy(value, message_thunk, source)

    return check


def _lf_callmethod(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    if proxies.is_remote(obj):
        return proxies.call_method(obj, name, args, kwargs)
    return getattr(obj, name)(*args, **kwargs)


# ---- one test, start to end ------------------------------------------------------------
@dataclass(frozen=True)
class RunLimits:
    seconds: float
    memory_bytes: int
    file_size_bytes: int
    output_keep_chars: int
    output_hard_chars: int
    recursion_limit: int
    startup_seconds: float = 10.0
    per_call_allowance: float = 0.0002


def _load(session: Session, code: str, limits: RunLimits) -> dict[str, Any] | dict[str, str]:
    """The student's top-level names, or the load problem's facts."""
    try:
        names = session.request(
            "load",
            (),
            {},
            code=code,
            keep=limits.output_keep_chars,
            hard=limits.output_hard_chars,
            recursion_limit=limits.recursion_limit,
        )
    except Fatal as fatal:
        return {"status": fatal.status, **_fatal_facts(fatal)}
    except RecursionError as exc:
        return {"status": "recursion", "where": _student_where(exc)}
    except BaseException as exc:  # the student's module raised while loading
        return {"status": "error", **_error_facts(exc)}
    if type(names) is tuple and len(names) == 4 and names[0] == "syntax" and type(names[1]) is str:
        _, message, line, text = names
        return {
            "status": "syntax",
            "exception": "SyntaxError",
            "message": str(message),
            "where": {"file": STUDENT_FILENAME, "line": line if type(line) is int else None},
            "text": str(text),
        }
    if type(names) is not tuple or any(
        type(p) is not tuple or len(p) != 2 or type(p[0]) is not str for p in names
    ):
        return {"status": "protocol"}
    return {"status": "passed", "names": dict(names)}


def _is_name_pair(pair: Any) -> bool:
    return type(pair) is tuple and len(pair) == 2 and type(pair[0]) is str


def _student_where(exc: BaseException) -> dict[str, Any] | None:
    line = exc.__dict__.get("_lf_line")
    return {"file": STUDENT_FILENAME, "line": line} if type(line) is int else None


def _error_facts(exc: BaseException) -> dict[str, Any]:
    try:
        message = str(exc)
    except BaseException:
        message = ""  # a stand-in whose child is gone
    # The nearest builtin class too: a hidden test names only that (a class the student
    # made up on the spot could carry the test's inputs in its name).
    builtin = next((k.__name__ for k in type(exc).__mro__ if k.__module__ == "builtins"), "Exception")
    return {
        "exception": type(exc).__name__,
        "builtin_exception": builtin,
        "message": message[:2000],
        "where": _student_where(exc),
    }


def run_test(
    code: str,
    test_source: str,
    test_name: str,
    limits: RunLimits,
    *,
    assertions: Any,
    want_output: bool,
    start_sandbox: Any = None,
) -> dict[str, Any]:
    """Facts about one test: {"status": ..., ...} (see checker.py for their wording).

    A load problem is reported as {"status": "load", "load": facts}.
    """
    filename = f"<test: {test_name}>"
    try:
        test_code = compile_test(test_source, filename, assertions)
    except SyntaxError as exc:
        return {"status": "broken-test", "message": str(exc)}
    if start_sandbox is None:
        from learnflow_agents.sandbox import start_sandbox
    process_limits = ProcessLimits(
        wall_seconds=limits.startup_seconds + limits.seconds * 3 + 5,
        cpu_seconds=int(limits.startup_seconds + limits.seconds * 3) + 5,
        memory_bytes=limits.memory_bytes,
        file_size_bytes=limits.file_size_bytes,
        recursion_limit=limits.recursion_limit,
    )
    proc = start_sandbox(child_source(), process_limits)
    try:
        facts = _converse(proc, code, test_code, filename, limits, assertions, want_output)
    finally:
        exit_info = proc.close()
    return _with_exit(facts, exit_info, process_limits)


def _converse(
    proc: Any, code: str, test_code: Any, filename: str, limits: RunLimits, assertions: Any, want_output: bool
) -> dict[str, Any]:
    session = Session(
        proc, time.monotonic() + limits.startup_seconds + limits.seconds, limits.per_call_allowance
    )
    load = _load(session, code, limits)
    if load["status"] != "passed":
        return {"status": "load", "load": load}
    # Loading does not count against the test's own time.
    session.deadline = time.monotonic() + limits.seconds
    namespace: dict[str, Any] = {"__name__": TEST_MODULE, "__builtins__": _test_builtins(session)}
    # A student's name never shadows a builtin or a helper in the test: a top-level
    # `sorted`, `AssertionError` or `_lf_compare` would otherwise change what the test checks.
    namespace.update(
        (name, value)
        for name, value in load["names"].items()
        if not hasattr(builtins, name) and not name.startswith("_lf_")
    )
    namespace.update(assertions._lf_assertion_globals())
    namespace["_lf_truthy"] = _strict_truthy(assertions)
    namespace["_lf_callmethod"] = _lf_callmethod
    namespace["_lf_nowait"] = session.nowait
    namespace["_lf_flush"] = session.flush
    facts = _run_block(session, test_code, namespace, {filename}, assertions)
    namespace.clear()
    if want_output and session.fatal is None:
        try:
            reply = session.raw({"op": "output"})
        except Fatal:
            return facts
        output = reply.get("ok")
        if type(output) is list and len(output) == 2 and type(output[0]) is str:
            facts["output"] = output[0][: limits.output_keep_chars]
    return facts


def _with_exit(facts: dict[str, Any], exit_info: Any, process_limits: ProcessLimits) -> dict[str, Any]:
    """Add how the child ended to a crash or timeout (a raw output flood counts as output)."""
    target = facts["load"] if facts["status"] == "load" else facts
    status = target.get("status")
    flooded = getattr(exit_info, "output_total", 0) > process_limits.output_bytes
    if status in ("timeout", "crash") and flooded:
        target["status"] = "output"
    elif status == "crash":
        code = getattr(exit_info, "returncode", None)
        name = getattr(exit_info, "signal", None)
        if name is None and type(code) is int and 128 < code < 128 + 65:
            # The jail (bubblewrap) reports a child killed by a signal as 128 + the signal.
            with contextlib.suppress(ValueError):
                name = signal.Signals(code - 128).name
        target["returncode"] = code
        target["signal"] = name
        if getattr(exit_info, "killed_for_time", False):
            target["status"] = "timeout"
    return facts


def _run_block(
    session: Session, code: Any, namespace: dict[str, Any], filenames: set[str], assertions: Any
) -> dict[str, Any]:
    try:
        exec(code, namespace)
        session.flush()
    except Fatal as fatal:
        return {"status": fatal.status, **_fatal_facts(fatal)}
    except assertions.LearnFlowMismatchError as exc:
        facts = {
            "status": "failed",
            "message": exc.message,
            "expected": exc.expected,
            "actual": exc.actual,
            "source": exc.source,
            "where": _test_where(exc, filenames),
        }
    except AssertionError as exc:
        facts = {"status": "failed", "message": str(exc)[:2000], "where": _test_where(exc, filenames)}
    except RecursionError as exc:
        facts = {"status": "recursion", "where": _student_where(exc)}
    except BaseException as exc:
        facts = {"status": "error", **_error_facts(exc)}
    else:
        facts = {"status": "passed"}
    if session.fatal is not None:
        return {"status": session.fatal.status, **_fatal_facts(session.fatal)}
    if session.callback_failure is not None and facts["status"] == "passed":
        exc = session.callback_failure
        facts = {"status": "failed", "message": getattr(exc, "message", "") or "", "where": None}
        for key in ("expected", "actual", "source"):
            if hasattr(exc, key):
                facts[key] = getattr(exc, key)
    return facts


def _fatal_facts(fatal: Fatal) -> dict[str, Any]:
    facts = dict(fatal.facts)
    line = facts.pop("line", None)
    if type(line) is int:
        facts["where"] = {"file": STUDENT_FILENAME, "line": line}
    return facts


def _test_where(exc: BaseException, filenames: set[str]) -> dict[str, Any] | None:
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in filenames:
            found = {"file": tb.tb_frame.f_code.co_filename, "line": tb.tb_lineno}
        tb = tb.tb_next
    return found
