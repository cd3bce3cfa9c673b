"""The value codec both ends of the exercise harness speak (stdlib only, no package imports).

The same source runs on the trusted side (imported) and inside the sandboxed child (its
text is prepended to rpc_child.py's), so both ends agree on one format. Every node is
JSON: ``null``/``true``/``false``/numbers/strings stand for themselves, anything else is
an object with exactly one tag key:

    {"t": [...]}              tuple              {"f": [...]}      frozenset
    {"l": [...], "m": N}      list (tracked)     {"y": "base64"}   bytes
    {"d": [[k, v]...], "m": N} dict (tracked)    {"z": [re, im]}   complex
    {"s": [...], "m": N}      set (tracked)      {"r": [a, b, c]}  range
    {"m": N}                  a tracked container the peer already knows
    {"sl": [a, b, c]}         slice              {"e": 0}          Ellipsis
    {"h": N, ...}             an object living in the child (a remote handle)
    {"x": N}                  an object living on the trusted side (a callback)

Values are rebuilt as genuine builtin types, never as the sender's subclasses, so a
student object with a lying ``__eq__`` cannot pass for data. Mutable containers carry
a tag: each end tracks what it has sent or received and, before every message, sends
the new contents of tracked containers that changed ("sync"), so mutating an argument,
or a test mutating a returned list, behaves as it would in one process.

Decoding is strict: an unknown tag, a wrong shape, too deep a nesting or too many nodes
raises ``CodecError``; the trusted side treats that as a failed test, never a pass.
"""

import base64
import json

MAX_DEPTH = 200
MAX_NODES = 4_000_000
_PLAIN_SCALARS = (type(None), bool, int, float, str)
_PLAIN_BASES = (int, float, str, bytes, complex, tuple, list, dict, set, frozenset)
_TAGS = {"t", "l", "d", "s", "f", "y", "z", "r", "sl", "e", "m", "h", "x"}


class CodecError(ValueError):
    """A node that is not valid in this format (or exceeds its limits)."""


def _raw_plain(value):
    """(kind, genuine builtin copy) for plain data, subclasses included; None if not plain.

    Subclasses are converted through the builtin type's own slots, so no method the
    student overrode runs (a str subclass's __str__, a list subclass's __iter__, ...).
    """
    kind = type(value)
    if kind in _PLAIN_SCALARS or kind in (tuple, list, dict, set, frozenset, bytes, complex, range, slice):
        return kind, value
    if value is Ellipsis:
        return type(Ellipsis), value
    if not isinstance(value, _PLAIN_BASES):
        return None
    if isinstance(value, bool):
        return bool, bool(int.__int__(value))
    if isinstance(value, int):
        return int, int.__int__(value)
    if isinstance(value, float):
        return float, float.__float__(value)
    if isinstance(value, str):
        return str, str.__str__(value)
    if isinstance(value, bytes):
        return bytes, bytes(memoryview(value))
    if isinstance(value, complex):
        return complex, complex(float(value.real.__float__()), float(value.imag.__float__()))
    if isinstance(value, tuple):
        return tuple, tuple(tuple.__iter__(value))
    if isinstance(value, list):
        return list, value  # tracked as itself; items read through list.__iter__
    if isinstance(value, dict):
        return dict, value
    if isinstance(value, (set, frozenset)):
        base = set if isinstance(value, set) else frozenset
        return base, value
    return None


class Codec:
    """One end's view: its tracked containers and how it exports non-plain objects.

    Subclasses implement ``export(obj)`` (a non-plain local object -> a node) and
    ``import_node(node)`` (an ``h``/``x`` node -> a local object).
    """

    def __init__(self, sign):
        self.sign = sign  # +1: tags this end creates are positive; -1 negative
        self.next_tag = 1
        self.tracked = {}  # tag -> container
        self.tag_of = {}  # id(container) -> tag
        self.snapshot = {}  # tag -> JSON text of the last shallow state both ends agree on
        self.nodes_budget = MAX_NODES

    # ---- encoding -------------------------------------------------------------------
    def export(self, obj):  # pragma: no cover - overridden
        raise TypeError(f"cannot send a {type(obj).__name__}")

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise CodecError("value nested too deeply to send")
        kind = type(value)
        if kind in _PLAIN_SCALARS:
            if kind is float and value != value:
                return {"z": ["nan", 0.0]}
            if kind is float and value in (float("inf"), float("-inf")):
                return {"z": ["inf" if value > 0 else "-inf", 0.0]}
            return value
        raw = _raw_plain(value)
        if raw is None:
            return self.export(value)
        kind, value = raw
        if kind in _PLAIN_SCALARS:
            return self.encode(value, depth)
        if kind is tuple:
            return {"t": [self.encode(v, depth + 1) for v in value]}
        if kind is frozenset:
            return {"f": [self.encode(v, depth + 1) for v in frozenset.__iter__(value)]}
        if kind is bytes:
            return {"y": base64.b64encode(value).decode("ascii")}
        if kind is complex:
            return {"z": [_float_node(value.real), _float_node(value.imag)]}
        if kind is range:
            return {"r": [value.start, value.stop, value.step]}
        if kind is slice:
            return {
                "sl": [
                    self.encode(value.start, depth + 1),
                    self.encode(value.stop, depth + 1),
                    self.encode(value.step, depth + 1),
                ]
            }
        if kind is type(Ellipsis):
            return {"e": 0}
        # list / dict / set: tracked by identity
        tag = self.tag_of.get(id(value))
        if tag is not None and self.tracked.get(tag) is value:
            return {"m": tag}
        tag = self.sign * self.next_tag
        self.next_tag += 1
        self.tracked[tag] = value
        self.tag_of[id(value)] = tag
        node = self._shallow(value, kind, depth)
        node["m"] = tag
        self.snapshot[tag] = json.dumps(node, sort_keys=True)
        return node

    def _shallow(self, value, kind, depth):
        if kind is list:
            return {"l": [self.encode(v, depth + 1) for v in list.__iter__(value)]}
        if kind is dict:
            return {
                "d": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in dict.items(value)]
            }
        return {"s": [self.encode(v, depth + 1) for v in set.__iter__(value)]}

    def changed(self):
        """[tag, node] for every tracked container whose contents changed since last agreed."""
        out = []
        for tag, value in list(self.tracked.items()):
            kind = list if isinstance(value, list) else dict if isinstance(value, dict) else set
            node = self._shallow(value, kind, 0)
            node["m"] = tag
            text = json.dumps(node, sort_keys=True)
            if text != self.snapshot.get(tag):
                self.snapshot[tag] = text
                out.append([tag, node])
        return out

    # ---- decoding -------------------------------------------------------------------
    def import_node(self, node):  # pragma: no cover - overridden
        raise CodecError("no handles here")

    def decode(self, node, depth=0):
        self.nodes_budget -= 1
        if self.nodes_budget < 0:
            raise CodecError("too much data")
        if depth > MAX_DEPTH:
            raise CodecError("nested too deeply")
        kind = type(node)
        if node is None or kind in (bool, int, str):
            return node
        if kind is float:
            return node
        if kind is not dict or not node:
            raise CodecError(f"unexpected {kind.__name__} node")
        keys = set(node)
        tag = [k for k in keys if k in _TAGS and k != "m"]
        if not tag:
            if keys == {"m"}:
                return self._known(node["m"])
            raise CodecError("node without a tag")
        if len(tag) != 1:
            raise CodecError("node with several tags")
        tag = tag[0]
        body = node[tag]
        if tag in ("h", "x"):
            return self.import_node(node)
        if tag in ("l", "d", "s"):
            return self._container(node, tag, depth)
        if len(keys) != 1:
            raise CodecError("unexpected keys")
        if tag == "t":
            return tuple(self.decode(v, depth + 1) for v in _list(body))
        if tag == "f":
            try:
                return frozenset(self.decode(v, depth + 1) for v in _list(body))
            except TypeError as exc:
                raise CodecError("unhashable frozenset item") from exc
        if tag == "y":
            if type(body) is not str:
                raise CodecError("bytes must be base64 text")
            try:
                return base64.b64decode(body.encode("ascii"), validate=True)
            except Exception as exc:
                raise CodecError("bad base64") from exc
        if tag == "z":
            parts = _list(body)
            if len(parts) != 2:
                raise CodecError("complex needs two parts")
            real, imag = (_float_value(p) for p in parts)
            if parts[0] in ("nan", "inf", "-inf"):
                return real  # a non-finite float travels as {"z": ["nan", 0.0]}
            return complex(real, imag)
        if tag == "r":
            parts = _list(body)
            if len(parts) != 3 or any(type(p) is not int for p in parts) or parts[2] == 0:
                raise CodecError("bad range")
            return range(*parts)
        if tag == "sl":
            parts = _list(body)
            if len(parts) != 3:
                raise CodecError("bad slice")
            return slice(*(self.decode(p, depth + 1) for p in parts))
        if tag == "e":
            return Ellipsis
        raise CodecError("unknown tag")

    def _known(self, tag):
        if type(tag) is not int or tag not in self.tracked:
            raise CodecError("reference to an unknown container")
        return self.tracked[tag]

    def _container(self, node, tag, depth):
        ref = node.get("m")
        if type(ref) is not int or ref == 0 or set(node) != {tag, "m"}:
            raise CodecError("container without a valid tag")
        body = _list(node[tag])
        kind = {"l": list, "d": dict, "s": set}[tag]
        target = self.tracked.get(ref)
        if target is None:
            if (ref > 0) == (self.sign > 0):
                raise CodecError("peer used a tag from this end's range")
            target = kind()
            self.tracked[ref] = target
            self.tag_of[id(target)] = ref
        elif type(target) is not kind:
            raise CodecError("container changed its kind")
        if kind is list:
            items = [self.decode(v, depth + 1) for v in body]
            target[:] = items
        elif kind is dict:
            pairs = []
            for pair in body:
                pair = _list(pair)
                if len(pair) != 2:
                    raise CodecError("dict entries are pairs")
                pairs.append((self.decode(pair[0], depth + 1), self.decode(pair[1], depth + 1)))
            target.clear()
            try:
                target.update(pairs)
            except TypeError as exc:
                raise CodecError("unhashable dict key") from exc
        else:
            items = [self.decode(v, depth + 1) for v in body]
            target.clear()
            try:
                target.update(items)
            except TypeError as exc:
                raise CodecError("unhashable set item") from exc
        # What this end would send for it now, so an unchanged container is not echoed back.
        mine = self._shallow(target, kind, depth)
        mine["m"] = ref
        self.snapshot[ref] = json.dumps(mine, sort_keys=True)
        return target

    def apply_sync(self, entries):
        for entry in _list(entries):
            entry = _list(entry)
            if len(entry) != 2 or type(entry[1]) is not dict:
                raise CodecError("bad sync entry")
            tag, node = entry
            if type(tag) is not int or tag not in self.tracked or node.get("m") != tag:
                raise CodecError("sync for an unknown container")
            self.decode(node)


def _list(body):
    if type(body) is not list:
        raise CodecError("expected a list")
    return body


def _float_node(value):
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return value


def _float_value(part):
    if type(part) is float or type(part) is int:
        return float(part)
    if part in ("nan", "inf", "-inf"):
        return float(part)
    raise CodecError("bad float")
