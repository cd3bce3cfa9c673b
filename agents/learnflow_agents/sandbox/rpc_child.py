"""The sandboxed child of the exercise harness: runs the student's code, then answers requests.

Its text (after values.py's) is passed to ``python -I -S -c``; it is stdlib only and never
imports the agents package. fd 3 brings requests from the trusted side, fd 4 takes
replies; frames are a 4-byte big-endian length and one UTF-8 JSON object.

Nothing here is trusted: the student's code runs in this process and can read or patch
all of it, write raw frames to fd 4, or exit at any moment. It has nothing worth
stealing (no tests, no expected values, no verdicts) and whatever it sends is decoded
strictly by the trusted side, which decides pass/fail itself.

Messages (``n`` is the sender's request number; a reply carries the number it answers):
    parent -> child  {"q": n, "op": ..., ...}        child -> parent  {"r": n, "ok": node}
                                                                       {"r": n, "exc": {...}}
    child -> parent  {"q": n, "op": "call"|..., "x": ref, ...}   (a callback)
    parent -> child  {"r": n, "ok": node} | {"r": n, "exc": {"name": "ValueError", "msg": "..."}}
Every message may carry "sync": changed tracked containers (see values.py).
"""

import builtins
import io
import json
import operator
import os
import sys

from learnflow_agents.sandbox.values import Codec, CodecError  # embed: drop

STUDENT_FILENAME = "<your code>"
_RFD = os.dup(3)
_WFD = os.dup(4)
os.close(3)
os.close(4)

_OPS = {
    "len": len,
    "bool": bool,
    "repr": repr,
    "str": str,
    "hash": hash,
    "iter": iter,
    "next": next,
    "abs": abs,
    "neg": operator.neg,
    "pos": operator.pos,
    "invert": operator.invert,
    "index": operator.index,
    "int": int,
    "float": float,
    "complex": complex,
    "round": round,
    "format": format,
    "reversed": reversed,
    "dir": dir,
    "contains": operator.contains,
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": pow,
    "matmul": operator.matmul,
    "and": operator.and_,
    "or": operator.or_,
    "xor": operator.xor,
    "lshift": operator.lshift,
    "rshift": operator.rshift,
    "divmod": divmod,
    "iadd": operator.iadd,
    "isub": operator.isub,
    "imul": operator.imul,
    "itruediv": operator.itruediv,
    "ifloordiv": operator.ifloordiv,
    "imod": operator.imod,
    "isinstance": isinstance,
    "issubclass": issubclass,
    "enter": lambda obj: type(obj).__enter__(obj),
    "exit": lambda obj, *args: type(obj).__exit__(obj, *args),
}


class _OutputLimit(BaseException):
    """print() went past the hard output limit."""


class _CappedWriter(io.TextIOBase):
    def __init__(self, keep, hard):
        self.keep, self.hard = keep, hard
        self.parts, self.kept, self.total = [], 0, 0

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.total += len(text)
        if self.kept < self.keep:
            piece = text[: self.keep - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)
        if self.total > self.hard:
            raise _OutputLimit()
        return len(text)

    def getvalue(self):
        return "".join(self.parts)


def _read_exact(count):
    data = b""
    while len(data) < count:
        chunk = os.read(_RFD, count - len(data))
        if not chunk:
            os._exit(0)
        data += chunk
    return data


def _recv():
    size = int.from_bytes(_read_exact(4), "big")
    return json.loads(_read_exact(size).decode("utf-8"))


_BATCH = []  # replies to a batch of pipelined requests, sent together
_BATCH_BYTES = [0, False]  # bytes so far, collecting?


def _send(message):
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    if _BATCH_BYTES[1]:
        _BATCH.append(message)
        _BATCH_BYTES[0] += len(data)
        if _BATCH_BYTES[0] > 1_000_000:
            _flush_batch()
        return
    _write_frame(data)


def _flush_batch():
    if _BATCH:
        data = json.dumps({"batch": _BATCH}, separators=(",", ":")).encode("utf-8")
        _BATCH.clear()
        _BATCH_BYTES[0] = 0
        _write_frame(data)


def _write_frame(data):
    data = len(data).to_bytes(4, "big") + data
    while data:
        written = os.write(_WFD, data)
        data = data[written:]


class _ParentRef:
    # A trusted-side object (a test's function, a key=, an iterator) the student may use.
    # No docstring: __doc__ is the trusted object's, fetched like any other attribute.
    __slots__ = ("_lf_ref",)
    __doc__ = property(lambda self: SERVER.callback("getattr", self, ("__doc__",), {}))

    def __init__(self, ref):
        object.__setattr__(self, "_lf_ref", ref)

    def _lf(self, op, *args, **kwargs):
        return SERVER.callback(op, self, args, kwargs)

    def __call__(self, *args, **kwargs):
        return self._lf("call", *args, **kwargs)

    def __getattr__(self, name):
        return SERVER.callback("getattr", self, (name,), {})

    def __iter__(self):
        return self._lf("iter")

    def __next__(self):
        return self._lf("next")

    def __len__(self):
        return self._lf("len")

    def __bool__(self):
        return self._lf("bool")

    def __hash__(self):
        return self._lf("hash")

    def __eq__(self, other):
        return self._lf("eq", other)

    def __contains__(self, item):
        return self._lf("contains", item)

    def __getitem__(self, key):
        return self._lf("getitem", key)

    def __repr__(self):
        return self._lf("repr")

    def __str__(self):
        return self._lf("str")


class ChildCodec(Codec):
    def __init__(self):
        super().__init__(-1)
        self.handles = {}  # n -> object (kept alive for the child's life)
        self.handle_of = {}  # id(object) -> n
        self.refs = {}  # parent ref number -> _ParentRef

    def handle(self, obj):
        number = self.handle_of.get(id(obj))
        if number is None or self.handles.get(number) is not obj:
            number = len(self.handles) + 1
            self.handles[number] = obj
            self.handle_of[id(obj)] = number
        return number

    def class_node(self, cls, depth=0):
        bases = []
        if depth < 20:
            bases = [self.class_node(b, depth + 1) for b in cls.__bases__ if b.__module__ != "builtins"]
        exc = None
        if issubclass(cls, BaseException):
            for klass in cls.__mro__:
                if klass.__module__ == "builtins":
                    exc = klass.__name__
                    break
        name = type.__dict__["__name__"].__get__(cls)
        return {"h": self.handle(cls), "class": {"name": name, "bases": bases, "exc": exc}}

    def export(self, obj):
        if type(obj) is _ParentRef:
            return {"x": object.__getattribute__(obj, "_lf_ref")}
        if isinstance(obj, type):
            return self.class_node(obj)
        return {"h": self.handle(obj), "cls": self.class_node(type(obj))}

    def import_node(self, node):
        if set(node) == {"h"} and type(node["h"]) is int and node["h"] in self.handles:
            return self.handles[node["h"]]
        if set(node) == {"x"} and type(node["x"]) is int:
            ref = self.refs.get(node["x"])
            if ref is None:
                ref = self.refs[node["x"]] = _ParentRef(node["x"])
            return ref
        raise CodecError("bad handle")


def _where(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == STUDENT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _safe_str(value):
    try:
        text = str(value)
    except BaseException:
        text = f"<{type(value).__name__}>"
    return text[:2000] if isinstance(text, str) else "<?>"


class Server:
    def __init__(self):
        self.codec = ChildCodec()
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.writer = None
        self.next_q = 1
        self.reserve = bytearray(4 * 1024 * 1024)

    # ---- exceptions -----------------------------------------------------------------
    def exc_node(self, exc):
        if isinstance(exc, MemoryError):
            self.reserve = None
            kind = "memory"
        elif isinstance(exc, _OutputLimit):
            kind = "output"
        elif isinstance(exc, SystemExit):
            kind = "exit"
        elif isinstance(exc, RecursionError):
            kind = "recursion"
        else:
            kind = "error"
        node = {"kind": kind, "line": _where(exc.__traceback__)}
        if kind == "memory":
            return node
        if kind in ("output", "exit"):
            return node
        try:
            node["cls"] = self.codec.class_node(type(exc))
            node["msg"] = _safe_str(exc)
            if type(exc).__module__ != "builtins":
                node["obj"] = self.codec.encode(exc)
            try:
                node["args"] = [self.codec.encode(a) for a in exc.args] if len(exc.args) < 8 else None
            except BaseException:
                node["args"] = None
        except BaseException:
            node = {"kind": "error", "line": node["line"], "msg": "", "cls": None}
        return node

    def reply(self, number, run):
        try:
            value = run()
            message = {"r": number, "sync": self.codec.changed(), "ok": self.codec.encode(value)}
        except BaseException as exc:
            node = self.exc_node(exc)
            if self.reserve is None:
                self.reserve = bytearray(4 * 1024 * 1024)
            try:
                sync = self.codec.changed()
            except BaseException:
                sync = []
            message = {"r": number, "sync": sync, "exc": node}
        _send(message)

    # ---- requests from the trusted side ---------------------------------------------
    def handle(self, message):
        number = message.get("q")
        op = message.get("op")
        codec = self.codec
        codec.apply_sync(message.get("sync", []))
        if op == "load":
            return self.reply(number, lambda: self.load(message))
        if op == "output":
            writer = self.writer
            return _send({"r": number, "ok": [writer.getvalue(), writer.total] if writer else ["", 0]})
        args = tuple(codec.decode(a) for a in message.get("a", []))
        kwargs = {k: codec.decode(v) for k, v in message.get("k", [])}
        if op == "call":
            return self.reply(number, lambda: args[0](*args[1:], **kwargs))
        if op == "getattr":
            return self.reply(number, lambda: getattr(args[0], args[1]))
        if op == "import":
            return self.reply(number, lambda: __import__(args[0], fromlist=["_"] if "." in args[0] else []))
        if op == "callmethod":
            return self.reply(number, lambda: getattr(args[0], args[1])(*args[2:], **kwargs))
        if op == "setattr":
            return self.reply(number, lambda: setattr(args[0], args[1], args[2]))
        if op == "delattr":
            return self.reply(number, lambda: delattr(args[0], args[1]))
        if op in _OPS:
            return self.reply(number, lambda: _OPS[op](*args))
        raise CodecError(f"unknown op {op!r}")

    def load(self, message):
        keep, hard = int(message["keep"]), int(message["hard"])
        self.writer = _CappedWriter(keep, hard)
        sys.stdout = sys.stderr = self.writer
        sys.setrecursionlimit(int(message["recursion_limit"]))
        try:
            code = compile(message["code"], STUDENT_FILENAME, "exec")
        except SyntaxError as exc:
            return ("syntax", exc.msg, exc.lineno, (exc.text or "").rstrip("\n"))
        exec(code, self.namespace)
        # A tuple of pairs, not a dict: the namespace itself is not shared state to keep in sync.
        return tuple((k, v) for k, v in self.namespace.items() if not k.startswith("__"))

    def serve(self, until=None):
        """Answer requests; with `until`, return the reply to our own callback `until`."""
        while True:
            message = _recv()
            if type(message) is not dict:
                os._exit(70)
            if until is not None and "r" in message:
                if message.get("r") != until:
                    os._exit(70)
                return message
            if "batch" in message and until is None:
                self.handle_batch(message["batch"])
                continue
            if "q" not in message:
                os._exit(70)
            self.handle(message)

    def handle_batch(self, messages):
        """Pipelined requests (plain calls, no callbacks): answered in order, in one frame."""
        _BATCH_BYTES[1] = True
        try:
            for message in messages:
                if type(message) is not dict or "q" not in message:
                    os._exit(70)
                self.handle(message)
        finally:
            _BATCH_BYTES[1] = False
        _flush_batch()

    def callback(self, op, ref, args, kwargs):
        number = self.next_q
        self.next_q += 1
        codec = self.codec
        message = {"q": number, "op": op, "x": object.__getattribute__(ref, "_lf_ref")}
        message["sync"] = codec.changed()
        message["a"] = [codec.encode(a) for a in args]
        message["k"] = [[k, codec.encode(v)] for k, v in kwargs.items()]
        _send(message)
        reply = self.serve(until=number)
        codec.apply_sync(reply.get("sync", []))
        if "exc" in reply:
            exc = reply["exc"]
            name = exc.get("name") if isinstance(exc, dict) else None
            klass = getattr(builtins, name, None) if isinstance(name, str) else None
            if not (isinstance(klass, type) and issubclass(klass, Exception)):
                klass = RuntimeError
            raise klass(str(exc.get("msg", "")))
        return codec.decode(reply.get("ok"))


SERVER = Server()
try:
    SERVER.serve()
except BaseException:
    os._exit(70)
os._exit(0)
