"""Trusted-side stand-ins for objects that live in the sandboxed child.

A student's class becomes a local class (`RemoteClass` metaclass) with the same name,
mirroring the student's own bases, so ``type(x) is Square``, ``isinstance`` and
``except OrderError:`` work on the trusted side without asking the child. An instance
(or function, generator, module...) becomes a `RemoteObject`: attribute access, calls
and operators are forwarded to the child, and their results come back as genuine
builtin data or more stand-ins.

One deliberate difference from running in one process: ``==``/``!=`` between a child
object and trusted-side data is never forwarded (Python then falls back to identity, so
``obj == 3`` is False). A student object whose ``__eq__`` claims to equal anything cannot
pass for a value, and a test's expected values never reach the child that way.
The same holds for ``<``, ``<=``, ``>``, ``>=`` (a TypeError, as between unrelated types).
Objects that both live in the child (``Vector(1) == Vector(1)``) are compared there.
"""

import builtins
from typing import Any

# Read locally, never forwarded: the stand-in's own state and what Python's exception
# machinery touches on a raised stand-in.
_LOCAL_NAMES = frozenset(
    {
        "_lf_session",
        "_lf_handle",
        "__class__",
        "__dict__",
        "__traceback__",
        "__context__",
        "__cause__",
        "__suppress_context__",
        "with_traceback",
        "add_note",
        "__notes__",
        "args",
        "__reduce_ex__",
        "__reduce__",
    }
)


def _session(obj: Any) -> Any:
    return object.__getattribute__(obj, "__dict__")["_lf_session"]


def _request(obj: Any, op: str, *args: Any, **kwargs: Any) -> Any:
    return _session(obj).request(op, args, kwargs)


def call_method(obj: Any, name: str, args: tuple, kwargs: dict) -> Any:
    """``obj.name(*args, **kwargs)`` in the child, in one request."""
    session = type.__getattribute__(obj, "_lf_session") if isinstance(obj, RemoteClass) else _session(obj)
    return session.request("callmethod", (obj, name, *args), kwargs)


def is_remote(value: Any) -> bool:
    return isinstance(value, (RemoteObject, RemoteClass))


class RemoteObject:
    """An object living in the child; ``_lf_session``/``_lf_handle`` are in its ``__dict__``."""

    def __getattribute__(self, name: str) -> Any:
        if name in _LOCAL_NAMES:
            return object.__getattribute__(self, name)
        return _request(self, "getattr", self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LOCAL_NAMES and name != "__dict__" and isinstance(self, BaseException):
            object.__setattr__(self, name, value)
            return
        _request(self, "setattr", self, name, value)

    def __delattr__(self, name: str) -> None:
        _request(self, "delattr", self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _request(self, "call", self, *args, **kwargs)

    def __repr__(self) -> str:
        return _request(self, "repr", self)

    def __str__(self) -> str:
        return _request(self, "str", self)

    def __format__(self, spec: str) -> str:
        return _request(self, "format", self, spec)

    def __hash__(self) -> int:
        return _request(self, "hash", self)

    def __bool__(self) -> bool:
        return _request(self, "bool", self)

    def __len__(self) -> int:
        return _request(self, "len", self)

    def __iter__(self) -> Any:
        return _request(self, "iter", self)

    def __next__(self) -> Any:
        return _request(self, "next", self)

    def __reversed__(self) -> Any:
        return _request(self, "reversed", self)

    def __contains__(self, item: Any) -> bool:
        return _request(self, "contains", self, item)

    def __getitem__(self, key: Any) -> Any:
        return _request(self, "getitem", self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        _request(self, "setitem", self, key, value)

    def __delitem__(self, key: Any) -> None:
        _request(self, "delitem", self, key)

    def __enter__(self) -> Any:
        return _request(self, "enter", self)

    def __exit__(self, *exc_info: Any) -> Any:
        # The trusted side's exceptions and tracebacks never cross, and the child may not
        # swallow one: it hears "the block ended" and its answer is ignored on an error.
        result = _request(self, "exit", self, None, None, None)
        return result if exc_info[0] is None else False

    def __eq__(self, other: Any) -> Any:
        if is_remote(other):
            return _request(self, "eq", self, other)
        return NotImplemented

    def __ne__(self, other: Any) -> Any:
        if is_remote(other):
            return _request(self, "ne", self, other)
        return NotImplemented


def _unary(op: str) -> Any:
    def method(self: Any) -> Any:
        return _request(self, op, self)

    return method


def _binary(op: str, reflected: bool = False) -> Any:
    def method(self: Any, other: Any) -> Any:
        return _request(self, op, other, self) if reflected else _request(self, op, self, other)

    return method


for _op in ("abs", "neg", "pos", "invert", "index", "int", "float", "complex"):
    setattr(RemoteObject, f"__{_op}__", _unary(_op))
RemoteObject.__round__ = lambda self, *digits: _request(self, "round", self, *digits)  # type: ignore[attr-defined]


def _ordering(op: str) -> Any:
    # As with ==: a child object's word on how it orders against trusted-side data is never
    # asked, or one whose __lt__ always says True would pass `abs(area(2) - 12.57) < 0.01`.
    def method(self: Any, other: Any) -> Any:
        return _request(self, op, self, other) if is_remote(other) else NotImplemented

    return method


for _op in ("lt", "le", "gt", "ge"):
    setattr(RemoteObject, f"__{_op}__", _ordering(_op))
for _op in (
    "add",
    "sub",
    "mul",
    "truediv",
    "floordiv",
    "mod",
    "pow",
    "matmul",
    "and",
    "or",
    "xor",
    "lshift",
    "rshift",
    "divmod",
):
    setattr(RemoteObject, f"__{_op}__", _binary(_op))
    setattr(RemoteObject, f"__r{_op}__", _binary(_op, reflected=True))
for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod"):
    setattr(RemoteObject, f"__i{_op}__", _binary(f"i{_op}"))


class RemoteClass(type):
    """The metaclass of local mirrors of the child's classes."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return type.__getattribute__(cls, "_lf_session").request("call", (cls, *args), kwargs)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_lf_"):
            raise AttributeError(name)
        return type.__getattribute__(cls, "_lf_session").request("getattr", (cls, name), {})


def mirror_class(session: Any, handle: int, name: str, bases: list[type], exc_base: str | None) -> type:
    """A local class standing for the child's class `handle`."""
    local_bases = [b for b in bases if isinstance(b, RemoteClass)]
    builtin_exc = getattr(builtins, exc_base, None) if exc_base else None
    if not (isinstance(builtin_exc, type) and issubclass(builtin_exc, BaseException)):
        builtin_exc = None
    elif not issubclass(builtin_exc, Exception):
        # Never a KeyboardInterrupt, SystemExit or GeneratorExit on the trusted side: the
        # child's word would otherwise stop the caller's process.
        builtin_exc = Exception
    namespace = {"_lf_session": session, "_lf_handle": handle, "__module__": "student"}
    candidates = []
    tail = (RemoteObject,) if builtin_exc is None else (RemoteObject, builtin_exc)
    if local_bases:
        extra = (
            ()
            if builtin_exc is None or any(issubclass(b, builtin_exc) for b in local_bases)
            else (builtin_exc,)
        )
        candidates.append((*local_bases, *extra))
    candidates.append(tail)
    for candidate in candidates:
        try:
            return RemoteClass(str(name)[:200] or "?", tuple(candidate), dict(namespace))
        except TypeError:
            continue  # an MRO or layout the mirror cannot reproduce: fall back to a flat class
    return RemoteClass("?", (RemoteObject,), dict(namespace))


def new_instance(session: Any, cls: type, handle: int) -> Any:
    instance = BaseException.__new__(cls) if issubclass(cls, BaseException) else object.__new__(cls)
    object.__getattribute__(instance, "__dict__").update(_lf_session=session, _lf_handle=handle)
    return instance


def handle_of(value: Any) -> int:
    if isinstance(value, RemoteClass):
        return type.__getattribute__(value, "__dict__")["_lf_handle"]
    return object.__getattribute__(value, "__dict__")["_lf_handle"]
