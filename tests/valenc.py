"""valenc: a pure-Python encoder of the value encoding, written from
doc/FORMAT.md section 7 alone (not from schema/value.h), so that tests that
feed its output to the C decoder and renderer also check the spec.

    import valenc
    data = valenc.encode(obj)                      # bytes
    data = valenc.encode(obj, max_items=2, max_str=5, max_depth=3)

Encodes None, bool, int (INT when it fits a signed 64-bit integer, else
BIGINT), float, str (lone surrogates in their 3-byte "surrogatepass" form),
bytes, tuple, list, set, frozenset, dict, exceptions (EXC), other objects
(OBJECT with the fields of their __dict__), instances of subclasses of the
builtins (TYPED: Counter, OrderedDict, defaultdict, namedtuples, int and
str enums, a program's own subclasses, also of float, set and frozenset),
deques, plain Enum members (TYPED around their OBJECT), and a container
met again inside itself as REF. Works on Python 3.9+ with the stdlib only.
"""
import collections
import struct
import sys

NONE, FALSE, TRUE, INT, BIGINT, FLOAT, STR, BYTES = range(8)
TUPLE, LIST, SET, FROZENSET, DICT, OBJECT, REF, TRUNC = range(8, 16)
REPR, UNBOUND, REDACTED, EXC, TYPED = range(16, 21)

# TYPED forms (section 8): the shape, then the bits that adjust it
BASE, CALL, FACTORY, NAMED, ENUM = range(5)
EMPTY_BARE, ITEMS, BY_VALUE, KEYWORD = 0x08, 0x10, 0x20, 0x40

# builtins whose subclasses the recorder stores as TYPED, each with its
# value's tag
TYPED_BASES = [(dict, DICT), (list, LIST), (tuple, TUPLE), (int, INT),
               (str, STR), (bytes, BYTES), (float, FLOAT), (set, SET),
               (frozenset, FROZENSET)]

CONTAINER_TAGS = {tuple: TUPLE, list: LIST, set: SET, frozenset: FROZENSET,
                  dict: DICT}


def varint(n):
    """Unsigned LEB128: 7 bits per byte, least significant first."""
    if n < 0:
        raise ValueError("varint of a negative number")
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def svarint(n):
    """Zigzag (0, -1, 1, -2 -> 0, 1, 2, 3), then varint."""
    return varint((n << 1) ^ (n >> 63))


def name(text):
    data = text.encode("utf-8", "surrogatepass")
    return varint(len(data)) + data


def type_name(tp):
    """"module.QualName", or the bare name for builtins."""
    if tp.__module__ == "builtins":
        return tp.__qualname__
    return "%s.%s" % (tp.__module__, tp.__qualname__)


def typed_base(t):
    """(builtin, tag) for a subclass of one of TYPED_BASES, for a deque
    (deque, LIST), a bytearray (bytearray, BYTES), for a plain Enum member
    (object, OBJECT), else None."""
    if issubclass(t, BaseException):
        return None
    for base, tag in TYPED_BASES:
        if issubclass(t, base) and t is not base:
            return base, tag
    if issubclass(t, collections.deque):
        return collections.deque, LIST
    if issubclass(t, bytearray):
        return bytearray, BYTES
    if any(c.__module__ == "enum" and c.__name__ == "Enum" for c in t.__mro__) \
            and typed_form(t, object) == ENUM:
        return object, OBJECT
    return None


def typed_form(t, base):
    """The form, from the class whose __repr__ t's instances use."""
    owner = next(c for c in t.__mro__ if "__repr__" in c.__dict__)
    if owner is base:
        if base in (set, frozenset):
            return CALL | EMPTY_BARE
        if base is collections.deque:
            return CALL | KEYWORD
        if base is bytearray:
            return CALL
        return BASE
    if owner is collections.OrderedDict:
        return CALL | EMPTY_BARE | (ITEMS if sys.version_info < (3, 12) else 0)
    if owner is collections.defaultdict:
        return FACTORY
    if owner is collections.Counter:
        return CALL | EMPTY_BARE | BY_VALUE
    if owner.__module__ == "enum":
        return ENUM
    if (base is tuple and "_make" in owner.__dict__
            and type(owner.__dict__.get("_fields")) is tuple):
        return NAMED
    return CALL


class Encoder:
    def __init__(self, max_items=None, max_str=None, max_depth=None):
        self.max_items = max_items
        self.max_str = max_str
        self.max_depth = max_depth
        self.path = {}        # id -> tag of the containers being encoded

    def encode(self, v, depth=0):
        t = type(v)
        if v is None:
            return bytes([NONE])
        if t is bool:
            return bytes([TRUE if v else FALSE])
        if t is int:
            if -(1 << 63) <= v < (1 << 63):
                return bytes([INT]) + svarint(v)
            mag = abs(v)
            return (bytes([BIGINT, 1 if v < 0 else 0])
                    + varint((mag.bit_length() + 7) // 8)
                    + mag.to_bytes((mag.bit_length() + 7) // 8, "little"))
        if t is float:
            return bytes([FLOAT]) + struct.pack("<d", v)
        if t is str:
            kept = v if self.max_str is None else v[:self.max_str]
            data = kept.encode("utf-8", "surrogatepass")
            return bytes([STR]) + varint(len(v)) + varint(len(data)) + data
        if t is bytes:
            kept = v if self.max_str is None else v[:self.max_str]
            return bytes([BYTES]) + varint(len(v)) + varint(len(kept)) + kept
        if id(v) in self.path:
            return bytes([REF]) + varint(id(v)) + bytes([self.path[id(v)]])
        if isinstance(v, BaseException):
            self.path[id(v)] = EXC
            try:
                return (bytes([EXC]) + varint(id(v)) + name(type_name(t))
                        + self.encode(tuple(v.args), depth + 1))
            finally:
                del self.path[id(v)]
        kind = typed_base(t)
        if kind is not None:
            return self.typed(v, kind[0], kind[1], depth)
        tag = CONTAINER_TAGS.get(t, OBJECT)
        if self.max_depth is not None and depth >= self.max_depth:
            total = len(v) if tag != OBJECT else len(getattr(v, "__dict__", {}))
            return (bytes([TRUNC, tag]) + varint(id(v)) + name(type_name(t))
                    + varint(total))
        self.path[id(v)] = tag
        try:
            if tag == OBJECT:
                fields = list(getattr(v, "__dict__", {}).items())
                kept = fields[:self.max_items] if self.max_items is not None else fields
                out = bytearray([OBJECT])
                out += varint(id(v)) + name(type_name(t))
                out += varint(len(fields)) + varint(len(kept))
                for k, x in kept:
                    out += name(k) + self.encode(x, depth + 1)
                return bytes(out)
            return self.container(v, tag, list(v.items()) if tag == DICT else list(v),
                                  depth)
        finally:
            del self.path[id(v)]

    def container(self, v, tag, items, depth):
        """A TUPLE, LIST, SET, FROZENSET or DICT (items: pairs) of v."""
        kept = items[:self.max_items] if self.max_items is not None else items
        out = bytearray([tag]) + varint(id(v)) + varint(len(items)) + varint(len(kept))
        for x in kept:
            if tag == DICT:
                out += self.encode(x[0], depth + 1) + self.encode(x[1], depth + 1)
            else:
                out += self.encode(x, depth + 1)
        return bytes(out)

    def fields(self, v):
        return list(getattr(v, "__dict__", {}).items())

    def enum_member(self, v, form, depth):
        """A plain Enum member: TYPED around its OBJECT, which keeps
        _name_ and _value_ alone at the depth bound."""
        t = type(v)
        fields = self.fields(v)
        if self.max_depth is not None and depth >= self.max_depth:
            # _name_ when a str, _value_ unless another member
            kept = [f for f in fields if (f[0] == "_name_" and type(f[1]) is str)
                    or (f[0] == "_value_" and typed_base(type(f[1])) != (object, OBJECT))]
            kept.sort(key=lambda f: f[0] != "_name_")
        else:
            kept = fields
        if self.max_items is not None:
            kept = kept[:self.max_items]
        out = bytearray([TYPED]) + name(type_name(t)) + bytes([form])
        out += bytes([OBJECT]) + varint(id(v)) + name(type_name(t))
        out += varint(len(fields)) + varint(len(kept))
        self.path[id(v)] = OBJECT
        try:
            for k, x in kept:
                out += name(k) + self.encode(x, depth + 1)
        finally:
            del self.path[id(v)]
        return bytes(out + varint(0) + varint(0))

    def content(self, v, base, tag, depth):
        """The builtin's part of v, read through the builtin's methods."""
        if tag == FLOAT:
            return self.encode(float.__float__(v), depth)
        if tag == INT:
            return self.encode(int.__int__(v), depth)
        if tag == STR:
            return self.encode(str.__str__(v), depth)
        if tag == BYTES:
            return self.encode(bytes(base.__getitem__(v, slice(None))), depth)
        return self.container(v, tag, list(dict.items(v)) if tag == DICT
                              else list(base.__iter__(v)), depth)

    def typed(self, v, base, tag, depth):
        t = type(v)
        form = typed_form(t, base)
        if tag == OBJECT:
            return self.enum_member(v, form, depth)
        container = tag >= TUPLE
        bound = self.max_depth is not None and depth >= self.max_depth
        if container and bound:
            return (bytes([TRUNC, tag]) + varint(id(v)) + name(type_name(t))
                    + varint(base.__len__(v)))
        if container:
            self.path[id(v)] = tag
        try:
            out = bytearray([TYPED]) + name(type_name(t)) + bytes([form])
            out += self.content(v, base, tag, depth)
            if form == NAMED:
                fields = list(zip(t._fields, tuple.__iter__(v)))
            else:
                fields = [("default_factory", v.default_factory)] if form == FACTORY else []
                if form & KEYWORD:
                    fields = [("maxlen", v.maxlen)]
                fields += self.fields(v)
            kept = fields[:self.max_items] if self.max_items is not None else fields
            if bound:
                # a scalar's at the bound: an enum member's name alone
                kept = [f for f in fields if f[0] == "_name_" and type(f[1]) is str
                        and form == ENUM]
            out += varint(len(fields)) + varint(len(kept))
            for k, x in kept:
                out += name(k) + self.encode(x, depth + 1)
            return bytes(out)
        finally:
            if container:
                del self.path[id(v)]


def encode(v, **bounds):
    return Encoder(**bounds).encode(v)
