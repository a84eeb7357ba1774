"""valenc: a pure-Python encoder of the value encoding, written from
doc/FORMAT.md section 7 alone (not from schema/value.h), so that tests that
feed its output to the C decoder and renderer also check the spec.

    import valenc
    data = valenc.encode(obj)                      # bytes
    data = valenc.encode(obj, max_items=2, max_str=5, max_depth=3)

Encodes None, bool, int (INT when it fits a signed 64-bit integer, else
BIGINT), float, str (lone surrogates in their 3-byte "surrogatepass" form),
bytes, tuple, list, set, frozenset, dict, exceptions (EXC), other objects
(OBJECT with the fields of their __dict__), and a container met again inside
itself as REF. Works on Python 3.9+ with the stdlib only.
"""
import struct

NONE, FALSE, TRUE, INT, BIGINT, FLOAT, STR, BYTES = range(8)
TUPLE, LIST, SET, FROZENSET, DICT, OBJECT, REF, TRUNC = range(8, 16)
REPR, UNBOUND, REDACTED, EXC = range(16, 20)

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
            items = list(v.items()) if tag == DICT else list(v)
            kept = items[:self.max_items] if self.max_items is not None else items
            out = bytearray([tag])
            out += varint(id(v)) + varint(len(items)) + varint(len(kept))
            for x in kept:
                if tag == DICT:
                    out += self.encode(x[0], depth + 1) + self.encode(x[1], depth + 1)
                else:
                    out += self.encode(x, depth + 1)
            return bytes(out)
        finally:
            del self.path[id(v)]


def encode(v, **bounds):
    return Encoder(**bounds).encode(v)
