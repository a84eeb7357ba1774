# tracerec-test: special (t2500: subclasses of builtins in replay; it prints ids)
"""Instances of subclasses of builtins at a call whose recorded state
replay shows, and slices and tuples built from them. The program prints,
as one JSON line, what Python itself says of them, for the test to compare
with what replay prints there."""
import collections
import enum
import json
import warnings


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Config(dict):
    pass


class Path(str):
    pass


class State(enum.Enum):
    IDLE = "idle"
    BUSY = ("busy", 2)


class Tags(set):
    pass


class Celsius(float):
    pass


Point = collections.namedtuple("Point", "x y")

# not escapes: Python keeps the backslash (and warns when it compiles them)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    UNKNOWN_ESCAPES = eval(r"'\q', b'\u', 'a/b' == 'a\x2fb', 'caf\xe9' == 'café'")


def stop_here(counts, groups, order, pt, color, cfg, path, same, plain,
              queue, state, tags, temp):
    facts = {
        "p counts": repr(counts),
        "p groups": repr(groups),
        "p order": repr(order),
        "p pt": repr(pt),
        "p color": repr(color),
        "p cfg": repr(cfg),
        "p path": repr(path),
        "p counts['b']": repr(counts['b']),
        "p len(counts)": repr(len(counts)),
        "p 'z' in counts": repr('z' in counts),
        "p groups[1]": repr(groups[1]),
        "p order['y']": repr(order['y']),
        "p pt.y": repr(pt.y),
        "p pt[0]": repr(pt[0]),
        "p cfg.source": repr(cfg.source),
        "p cfg['debug']": repr(cfg['debug']),
        "p color == 2": repr(color == 2),
        "p color._name_": repr(color._name_),
        "p path == 'a/b' and 'b' in path": repr(path == 'a/b' and 'b' in path),
        "p type(counts)": repr(type(counts)),
        # equal as their content is, whatever their type and attributes
        "p cfg == same, cfg == plain, cfg != same, counts == plain":
            repr((cfg == same, cfg == plain, cfg != same, counts == plain)),
        # slices and tuples build new values from the recorded ones
        "p pt[0:1], path[1:], path[::-1]": repr((pt[0:1], path[1:], path[::-1])),
        "p (counts['c'], pt.x), ()": repr(((counts['c'], pt.x), ())),
        "p groups[1][-1:], groups[1][5:], groups[1][::-2]":
            repr((groups[1][-1:], groups[1][5:], groups[1][::-2])),
        "p type(pt)": repr(type(pt)),
        # a str's or bytes's items, as Python indexes them
        "p path[0], path[-1], path[1], cfg.source[2], b'xy'[1], 'hé€x'[2]":
            repr((path[0], path[-1], path[1], cfg.source[2], b'xy'[1], 'hé€x'[2])),
        # kin of the builtins: a deque, a plain Enum member, subclasses of
        # set and float
        "p queue": repr(queue),
        "p state": repr(state),
        "p tags": repr(tags),
        "p temp": repr(temp),
        "p queue[0], queue[-1], len(queue), 3 in queue, queue.maxlen":
            repr((queue[0], queue[-1], len(queue), 3 in queue, queue.maxlen)),
        "p state.name, state.value, state.value[1], state == state":
            repr((state.name, state.value, state.value[1], state == state)),
        "p len(tags), 'x' in tags, temp == 21.5, temp.unit, type(queue)":
            repr((len(tags), 'x' in tags, temp == 21.5, temp.unit, type(queue))),
        # literals decode their escapes as Python does, raw ones keep them
        r"p '\x41\u00e9\U0001F600\t\101\7', b'\x00\xff\101\n', r'\d\'', rb'\x'":
            repr(('\x41\u00e9\U0001F600\t\101\7', b'\x00\xff\101\n', r'\d\'', rb'\x')),
        r"p '\q', b'\u', path == 'a\x2fb', 'caf\xe9' == 'café'": repr(UNKNOWN_ESCAPES),
    }
    print(json.dumps(facts))
    return len(counts)


cfg = Config(debug=True)
cfg.source = "env"
groups = collections.defaultdict(list)
for w in ["a", "bb", "c"]:
    groups[len(w)].append(w)
queue = collections.deque([1, 2], maxlen=4)
queue.append(3)
temp = Celsius(21.5)
temp.unit = "C"
stop_here(collections.Counter("abbccc"), groups, collections.OrderedDict(x=1, y=2),
          Point(3, 4), Color.GREEN, cfg, Path("a/b"), Config(debug=True), {"debug": True},
          queue, State.BUSY, Tags({"x"}), temp)
